//! An [`EmbeddedNode`]: a node built in this process whose router is called directly, for the
//! benchmarks that measure Rally's own work (every middleware, extractor and backend call)
//! without TCP and HTTP parsing: `rally bench accounts` and `rally bench ratings`.

use axum::{
    Router,
    body::{Body, Bytes},
    http::Request,
};
use rally_server::{App, AppState, Migrations, Settings, router};
use tempfile::TempDir;
use tower::ServiceExt;

/// The largest answer body read back.
const MAX_BODY: usize = 1 << 20;

/// A node in this process with its own data directory, removed when dropped.
#[derive(Debug)]
pub struct EmbeddedNode {
    app: App,
    router: Router,
    database_url: String,
    // Dropped last: the node's SQLite file lives here.
    _data_dir: TempDir,
}

impl EmbeddedNode {
    /// Builds and migrates a node in a fresh data directory, its API rate limit out of the
    /// way, with `overrides` (settings as `(key, value)`, like flags) on top.
    pub async fn start(overrides: &[(&str, String)]) -> anyhow::Result<Self> {
        let data_dir = tempfile::tempdir()?;
        let mut all = vec![
            ("listen", "127.0.0.1:0".to_owned()),
            ("data_dir", data_dir.path().display().to_string()),
            ("api_limit_per_minute", "1000000".to_owned()),
        ];
        all.extend(overrides.iter().cloned());
        let settings = Settings::from_figment(Settings::figment(None, &all)?)?;
        let database_url = settings.database().expose().to_owned();
        let app = App::build(settings, Migrations::Run).await?;
        let router = router::router(app.state().clone());
        Ok(Self {
            app,
            router,
            database_url,
            _data_dir: data_dir,
        })
    }

    /// The node's shared state: its backends, its tokens.
    pub fn state(&self) -> &AppState {
        self.app.state()
    }

    /// The node's router, to call with `oneshot`.
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// The database the node uses (its SQLite file when none was configured).
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// Sends `request` through the router; the status and the body.
    pub async fn send(&self, request: Request<Body>) -> anyhow::Result<(u16, Bytes)> {
        let response = self.router.clone().oneshot(request).await?;
        let status = response.status().as_u16();
        let body = axum::body::to_bytes(response.into_body(), MAX_BODY).await?;
        Ok((status, body))
    }
}
