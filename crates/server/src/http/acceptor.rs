//! The HTTP server's accept loop: a bounded number of connections, deadlines on slow clients,
//! and accept errors that back off instead of spinning.
//!
//! - A connection has `header_timeout` to send a request's headers, counted from the moment it
//!   is ready for the next request: a half-sent header and an idle keep-alive connection are
//!   both closed after it (hyper's header-read timer restarts before every request).
//! - A request body must arrive whole within `body_timeout`.
//! - At `max_connections` open connections, each new one asks the oldest to close: a
//!   connection with a request in flight finishes it first, an idle one goes at once. So
//!   idle connections held open by a client cannot lock everyone else out. While those asked
//!   to close finish their requests, at most an eighth more are open; past that a new
//!   connection is closed at once.
//! - When accepting fails because the process is out of file descriptors, the oldest
//!   connection is asked to close and the loop waits (10 ms, doubling to 1 s) before trying
//!   again.
//!
//! Upgraded connections (the WebSocket gateway) leave this bookkeeping once upgraded; the
//! gateway bounds them itself.

use std::{
    collections::BTreeMap,
    future::Future,
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{Router, body::Body, extract::ConnectInfo, http::Request};
use hyper::{body::Incoming, server::conn::http1};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::{net::TcpListener, sync::Notify};
use tower::ServiceExt;
use tower_http::timeout::DeadlineBody;

/// How one listener treats its connections.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Open connections past which the oldest is asked to close.
    pub max_connections: usize,
    /// The longest wait for a request's headers (and so for an idle keep-alive connection).
    pub header_timeout: Duration,
    /// The longest a request body may take to arrive.
    pub body_timeout: Duration,
}

/// The first wait after a failed accept, doubled up to [`MAX_BACKOFF`].
const MIN_BACKOFF: Duration = Duration::from_millis(10);
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// The open connections of one listener, oldest first, each with the signal that asks it to
/// close.
#[derive(Debug, Default)]
struct Connections {
    next_id: AtomicU64,
    /// Every connection task still running.
    open: AtomicUsize,
    /// Connections not yet asked to close, by age.
    closable: Mutex<BTreeMap<u64, Arc<Notify>>>,
    /// Woken when the last connection ends.
    drained: Notify,
}

impl Connections {
    fn admit(&self) -> (u64, Arc<Notify>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let close = Arc::new(Notify::new());
        self.open.fetch_add(1, Ordering::SeqCst);
        metrics::gauge!("rally_http_connections").increment(1.0);
        self.lock().insert(id, close.clone());
        (id, close)
    }

    fn end(&self, id: u64) {
        self.lock().remove(&id);
        if self.open.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.drained.notify_waiters();
        }
        metrics::gauge!("rally_http_connections").decrement(1.0);
    }

    /// Asks the oldest connection to close; false when none is left to ask.
    fn close_oldest(&self) -> bool {
        let oldest = self.lock().pop_first();
        match oldest {
            Some((_, close)) => {
                close.notify_one();
                metrics::counter!("rally_http_connections_closed_early_total").increment(1);
                true
            }
            None => false,
        }
    }

    fn close_all(&self) {
        let all = std::mem::take(&mut *self.lock());
        for close in all.into_values() {
            close.notify_one();
        }
    }

    async fn wait_drained(&self) {
        loop {
            let drained = self.drained.notified();
            if self.open.load(Ordering::SeqCst) == 0 {
                return;
            }
            drained.await;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Arc<Notify>>> {
        // A panic while holding this lock leaves the map consistent (single calls only).
        self.closable
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The most connections ever open: the cap and an eighth more, for those asked to close that
/// still finish a request.
fn hard_cap(max_connections: usize) -> usize {
    max_connections
        .saturating_add(max_connections / 8)
        .max(max_connections + 1)
}

/// Counts a connection out when its task ends, whether it returns or panics.
struct Ended {
    connections: Arc<Connections>,
    id: u64,
}

impl Drop for Ended {
    fn drop(&mut self) {
        self.connections.end(self.id);
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then asks every connection to
/// close after its request in flight, and returns once all have closed.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let connections = Arc::new(Connections::default());
    let mut backoff = MIN_BACKOFF;
    let mut last_warned = None;
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => {
                backoff = MIN_BACKOFF;
                accepted
            }
            Err(error) if is_per_connection(&error) => continue,
            Err(error) => {
                metrics::counter!("rally_http_accept_errors_total").increment(1);
                // Once a second at most: under a flood this happens every few milliseconds.
                if last_warned.is_none_or(|at: Instant| at.elapsed() >= Duration::from_secs(1)) {
                    last_warned = Some(Instant::now());
                    tracing::warn!(error = %error, backoff_ms = backoff.as_millis() as u64, "cannot accept a connection; closing the oldest and backing off");
                }
                connections.close_oldest();
                tokio::select! {
                    () = &mut shutdown => break,
                    () = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        let open = connections.open.load(Ordering::SeqCst);
        // Past the cap each newcomer asks the oldest to close; connections busy with a request
        // take a moment to go, so a little room past the cap lets them finish, and no more.
        let refused = open >= hard_cap(limits.max_connections)
            || (open >= limits.max_connections && !connections.close_oldest());
        if refused {
            drop(stream);
            metrics::counter!("rally_http_connections_refused_total").increment(1);
            continue;
        }
        let _ = stream.set_nodelay(true);
        let (id, close) = connections.admit();
        let ended = Ended {
            connections: connections.clone(),
            id,
        };
        let router = router.clone();
        tokio::spawn(async move {
            serve_connection(stream, peer, router, limits, close).await;
            drop(ended);
        });
    }
    drop(listener);
    connections.close_all();
    connections.wait_drained().await;
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: ConnectionLimits,
    close: Arc<Notify>,
) {
    let body_timeout = limits.body_timeout;
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let mut request = request.map(|body| Body::new(DeadlineBody::new(body_timeout, body)));
        // What `into_make_service_with_connect_info` would add: the peer, for rate limits.
        request.extensions_mut().insert(ConnectInfo(peer));
        router.clone().oneshot(request)
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let connection = builder
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    tokio::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        () = close.notified() => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(error) = result {
        tracing::debug!(error = %error, "connection ended with an error");
    }
}

/// Errors that concern one connection only (it was reset before we took it): accept again at
/// once. Anything else (out of file descriptors, out of memory) needs a pause.
fn is_per_connection(error: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(
        error.kind(),
        ErrorKind::ConnectionRefused | ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset
    )
}

/// Raises this process's soft limit on open files to its hard limit, where allowed, and
/// returns the soft limit in force.
pub fn raise_file_limit() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(error) => {
            tracing::warn!(error = %error, "cannot raise the open-files limit");
            rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(soft, _)| soft)
        }
    }
}

/// File descriptors kept for everything but client connections: the database and Redis pools,
/// NATS, the SQLite files, logs, WebSocket upgrades in progress.
pub const RESERVED_FILES: u64 = 256;

/// `max_connections` when the settings leave it at 0: the open-files limit less
/// [`RESERVED_FILES`], and never less than 64.
pub fn default_max_connections(file_limit: u64) -> usize {
    usize::try_from(file_limit.saturating_sub(RESERVED_FILES).max(64)).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hard_cap_is_an_eighth_past_the_cap() {
        assert_eq!(hard_cap(768), 864);
        assert_eq!(hard_cap(1), 2);
    }

    #[test]
    fn the_default_cap_leaves_room_for_the_backends() {
        assert_eq!(default_max_connections(1024), 768);
        assert_eq!(default_max_connections(100), 64);
        assert_eq!(default_max_connections(1 << 20), (1 << 20) - 256);
    }

    #[test]
    fn asking_the_oldest_to_close_goes_by_age_and_skips_those_already_asked() {
        let connections = Connections::default();
        let (first, first_close) = connections.admit();
        let (_, second_close) = connections.admit();
        assert!(connections.close_oldest());
        // The oldest was told (a stored permit makes the next `notified()` complete at once).
        let told = futures::FutureExt::now_or_never(first_close.notified());
        assert!(told.is_some());
        assert!(futures::FutureExt::now_or_never(second_close.notified()).is_none());
        assert!(connections.close_oldest());
        assert!(!connections.close_oldest(), "both were already asked");
        connections.end(first);
        assert_eq!(connections.open.load(Ordering::SeqCst), 1);
    }
}
