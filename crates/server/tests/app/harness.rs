//! `spawn_app()`: a node on port 0 with a fresh data directory, and a way to send it requests.

use std::net::SocketAddr;

use axum::{
    Router,
    body::Body,
    extract::connect_info::MockConnectInfo,
    http::{Request, Response},
};
use http_body_util::BodyExt;
use rally_clock::Clock;
use rally_server::{App, AppState, Migrations, Settings, router};
use tower::ServiceExt;

/// A node under test; its data directory lives as long as it does.
pub struct TestApp {
    /// The node, until [`TestApp::serve`] or [`TestApp::take_app`] takes it.
    app: Option<App>,
    state: AppState,
    pub router: Router,
    _data: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    served_at: Option<SocketAddr>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The peer address in-process requests come from (a documentation address, RFC 5737).
pub const PEER: ([u8; 4], u16) = ([192, 0, 2, 10], 40_000);

/// A node with the embedded backends and any extra settings as `(key, value)`.
pub async fn spawn_app(extra: &[(&str, String)]) -> TestApp {
    spawn_app_on(Clock::system(), extra).await
}

/// [`spawn_app`] on `clock` (a manual clock: deadlines pass when the test advances it).
pub async fn spawn_app_on(clock: Clock, extra: &[(&str, String)]) -> TestApp {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let data = tempfile::tempdir().unwrap();
    let mut overrides = vec![
        ("listen", "127.0.0.1:0".to_owned()),
        ("data_dir", data.path().display().to_string()),
    ];
    overrides.extend(extra.iter().cloned());
    let figment = Settings::figment(None, &overrides).unwrap();
    let settings = Settings::from_figment(figment).unwrap();
    let app = App::build_on(settings, Migrations::Run, clock)
        .await
        .unwrap();
    let state = app.state().clone();
    let router = router::router(state.clone()).layer(MockConnectInfo(SocketAddr::from(PEER)));
    TestApp {
        app: Some(app),
        state,
        router,
        _data: data,
        stop: None,
        served_at: None,
    }
}

/// A response with its body read.
pub struct Answer {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// The body as JSON, once the status is `status` (the body in the message otherwise).
    pub fn expect(&self, status: u16) -> serde_json::Value {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        self.json()
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .map_or("", |v| v.to_str().unwrap())
    }
}

impl TestApp {
    /// The node's shared state (its backends, gateway, settings).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Takes the node out, to serve it by hand.
    pub fn take_app(&mut self) -> App {
        self.app.take().expect("the node was already taken")
    }

    /// Serves the node on its socket in a task (its loops run: relay, gateway dispatch) until
    /// this `TestApp` is dropped; in-process calls keep working. Returns the address.
    pub fn serve(&mut self) -> SocketAddr {
        let app = self.take_app();
        let addr = app.local_addr();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.serve(async move {
            let _ = stopped.await;
        }));
        self.stop = Some(stop);
        self.served_at = Some(addr);
        addr
    }

    /// Where the node serves (after [`TestApp::serve`]).
    pub fn addr(&self) -> SocketAddr {
        self.served_at.expect("the node is not served")
    }

    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response: Response<Body> = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        Answer {
            status,
            headers,
            body,
        }
    }

    /// A JSON request, with a bearer token when given.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
        token: Option<&str>,
    ) -> Answer {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let body = match body {
            Some(json) => {
                request = request.header("content-type", "application/json");
                Body::from(serde_json::to_vec(&json).unwrap())
            }
            None => Body::empty(),
        };
        self.send(request.body(body).unwrap()).await
    }

    pub async fn post(&self, path: &str, body: serde_json::Value) -> Answer {
        self.call("POST", path, Some(body), None).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }
}

/// Waits until `condition` holds, for at most 10 s: for work a node does in the background
/// after something the test did (a socket closed, an event relayed), never for a deadline
/// (tests of deadlines advance a manual clock instead).
pub async fn until<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while tokio::time::Instant::now() < deadline {
        if condition().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("{what}: not within 10 s");
}

/// The first event on `stream` of `app`'s events, read by a durable of its own named
/// `durable` (waiting up to the poll wait for one to be published).
pub async fn first_event_on(
    app: &TestApp,
    stream: rally_events::Stream,
    durable: &str,
) -> rally_protocol::event::Envelope {
    let options = rally_events::ConsumerOptions {
        poll_wait: std::time::Duration::from_secs(5),
        ..rally_events::ConsumerOptions::default()
    };
    let mut consumer = app
        .state()
        .backends()
        .events
        .consumer(stream, durable, options)
        .await
        .unwrap();
    let delivery = consumer
        .next()
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("nothing on the {stream} stream"));
    rally_server::bus::reader::read(delivery.stream(), delivery.payload()).unwrap()
}
