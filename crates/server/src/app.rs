//! A running Rally node: its settings, secrets and backends, the HTTP server, and the background
//! loops of its roles, with a bounded, graceful shutdown.

use std::{future::Future, net::SocketAddr, sync::Arc};

use anyhow::Context;
use metrics_exporter_prometheus::PrometheusHandle;
use rally_clock::Clock;
use rally_store::Timestamp;
use tokio::net::TcpListener;
use uuid::Uuid;

use crate::{
    accounts::{self, AccessTokens, Accounts, password::Hasher, scoped_token::ScopedTokens},
    backends::Backends,
    chat::{Chat, WordFilter},
    friends::Friends,
    gateway::{self, Gateway},
    http::{
        acceptor::{self, ConnectionLimits},
        admission::Admission,
        metrics,
    },
    matchmaking::{Queueing, Queues},
    operators::{self, OperatorTokens, Operators},
    parties::Parties,
    ratings::Ratings,
    roles, router,
    sessions::{SessionTokens, Sessions},
    settings::{Secrets, Settings},
    state_epoch::{self, StateEpoch},
    voice::Voice,
};
use tokio_util::sync::CancellationToken;

/// What every handler and loop of a node shares. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    clock: Clock,
    settings: Settings,
    secrets: Secrets,
    backends: Backends,
    metrics: PrometheusHandle,
    gateway: Gateway,
    queues: Queues,
    state_epoch: Arc<StateEpoch>,
    admission: Admission,
    accounts: Accounts,
    operators: Operators,
    ratings: Ratings,
    sessions: Sessions,
    parties: Parties,
    friends: Friends,
    chat: Chat,
    voice: Voice,
    queueing: Queueing,
}

impl AppState {
    /// The node's clock: every time a service stores or sends, every deadline a role keeps.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// The time now, on the node's clock.
    pub fn now(&self) -> Timestamp {
        Timestamp::from(self.inner.clock.now())
    }

    /// The node's settings.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The node's secrets.
    pub fn secrets(&self) -> &Secrets {
        &self.inner.secrets
    }

    /// The node's backends.
    pub fn backends(&self) -> &Backends {
        &self.inner.backends
    }

    /// The configured queues.
    pub fn queues(&self) -> &Queues {
        &self.inner.queues
    }

    /// This node's WebSocket gateway.
    pub fn gateway(&self) -> &Gateway {
        &self.inner.gateway
    }

    /// This node's view of the state backend's epoch (see [`StateEpoch`]).
    pub fn state_epoch(&self) -> &Arc<StateEpoch> {
        &self.inner.state_epoch
    }

    /// The accounts service.
    pub fn accounts(&self) -> &Accounts {
        &self.inner.accounts
    }

    /// The parties service.
    pub fn parties(&self) -> &Parties {
        &self.inner.parties
    }

    /// The friends service.
    pub fn friends(&self) -> &Friends {
        &self.inner.friends
    }

    /// The chat service.
    pub fn chat(&self) -> &Chat {
        &self.inner.chat
    }

    /// The operators service.
    pub fn operators(&self) -> &Operators {
        &self.inner.operators
    }

    /// The voice service.
    pub fn voice(&self) -> &Voice {
        &self.inner.voice
    }

    /// The queueing service.
    pub fn queueing(&self) -> &Queueing {
        &self.inner.queueing
    }

    /// The sessions service.
    pub fn sessions(&self) -> &Sessions {
        &self.inner.sessions
    }

    /// The ratings service.
    pub fn ratings(&self) -> &Ratings {
        &self.inner.ratings
    }

    /// The node's bound on requests in flight.
    pub fn admission(&self) -> &Admission {
        &self.inner.admission
    }

    /// What the node's roles are given (see [`roles::spawn`]).
    pub fn role_parts(&self) -> roles::Parts {
        roles::Parts {
            settings: self.inner.settings.clone(),
            clock: self.inner.clock.clone(),
            backends: self.inner.backends.clone(),
            queues: self.inner.queues.clone(),
            state_epoch: self.inner.state_epoch.clone(),
            gateway: self.inner.gateway.clone(),
            accounts: self.inner.accounts.clone(),
            parties: self.inner.parties.clone(),
            friends: self.inner.friends.clone(),
            chat: self.inner.chat.clone(),
            queueing: self.inner.queueing.clone(),
            sessions: self.inner.sessions.clone(),
            ratings: self.inner.ratings.clone(),
            voice: self.inner.voice.clone(),
        }
    }

    /// The Prometheus recorder, for `/metrics`.
    pub fn metrics(&self) -> &PrometheusHandle {
        &self.inner.metrics
    }
}

/// Whether `App::build` runs the store's migrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Migrations {
    /// Bring the schema up to date before serving (the default of `rally serve`).
    Run,
    /// Serve on the schema as it is (`rally serve --no-migrate`).
    Skip,
}

/// A node, connected and ready to serve.
#[derive(Debug)]
pub struct App {
    state: AppState,
    listener: TcpListener,
    /// The separate listener for `/metrics`, when `metrics_listen` is set.
    metrics_listener: Option<TcpListener>,
    /// Players whose last gateway session on this node ended.
    movements: tokio::sync::mpsc::UnboundedReceiver<gateway::Movement>,
}

impl App {
    /// Resolves secrets, connects the backends, migrates (unless told not to) and binds the
    /// listener, on the system clock. Fails with a message naming what is wrong; never
    /// half-starts.
    pub async fn build(settings: Settings, migrations: Migrations) -> anyhow::Result<Self> {
        Self::build_on(settings, migrations, Clock::system()).await
    }

    /// [`App::build`] on `clock` (a test's manual clock, so that deadlines pass when the test
    /// advances it).
    pub async fn build_on(
        settings: Settings,
        migrations: Migrations,
        clock: Clock,
    ) -> anyhow::Result<Self> {
        let secrets = Secrets::resolve(&settings)?;
        let backends = Backends::connect(&settings, &clock).await?;
        if migrations == Migrations::Run {
            backends
                .store
                .migrate()
                .await
                .context("cannot migrate the store")?;
        }
        let listener = TcpListener::bind(settings.node.listen)
            .await
            .with_context(|| format!("cannot listen on {}", settings.node.listen))?;
        let metrics_listener = match settings.telemetry.metrics_listen {
            Some(address) => Some(
                TcpListener::bind(address)
                    .await
                    .with_context(|| format!("cannot listen on {address} for /metrics"))?,
            ),
            None => None,
        };
        let queues = Queues::from_settings(&settings);
        let previous: Vec<&str> = settings
            .keys
            .previous_session_token_keys
            .iter()
            .map(|k| k.expose())
            .collect();
        let session_tokens = SessionTokens::new(secrets.session_token_key.expose(), &previous);
        let (gateway, movements) = Gateway::new(
            Uuid::new_v4(),
            backends.events.clone(),
            backends.state.clone(),
            clock.clone(),
            gateway::Limits::from_settings(&settings),
        );
        let state_epoch = Arc::new(StateEpoch::new(backends.state.clone()));
        let admission = Admission::new(settings.http.max_requests_in_flight);
        let hasher = Hasher::for_this_machine();
        let accounts = Accounts::new(
            backends.store.clone(),
            backends.state.clone(),
            hasher.clone(),
            AccessTokens::new(&settings, &secrets, clock.clone()),
            ScopedTokens::new(
                &settings,
                &secrets,
                clock.clone(),
                "appeals",
                accounts::APPEAL_TOKEN_TTL,
            ),
            settings.accounts.clone(),
        );
        let operators = Operators::new(
            backends.store.clone(),
            backends.state.clone(),
            hasher,
            OperatorTokens::new(
                &settings,
                &secrets,
                clock.clone(),
                "operators",
                operators::OPERATOR_TOKEN_TTL,
            ),
            settings.accounts.clone(),
        );
        let parties = Parties::new(backends.store.clone(), settings.parties.clone());
        let friends = Friends::new(
            backends.store.clone(),
            backends.state.clone(),
            settings.friends.clone(),
        );
        let filter = match &settings.chat.chat_word_filter {
            Some(path) => WordFilter::load(path, settings.chat.chat_word_filter_mode)
                .with_context(|| format!("cannot read the word filter {}", path.display()))?,
            None => WordFilter::default(),
        };
        let chat = Chat::new(
            backends.store.clone(),
            backends.state.clone(),
            settings.chat.clone(),
            filter,
        );
        let voice = Voice::new(backends.store.clone(), &settings.voice, &queues);
        let queueing = Queueing::new(
            backends.store.clone(),
            backends.state.clone(),
            queues.clone(),
        );
        let sessions = Sessions::new(
            backends.store.clone(),
            backends.state.clone(),
            backends.events.clone(),
            clock.clone(),
            queues.clone(),
            settings.sessions.clone(),
            session_tokens,
        );
        let ratings = Ratings::new(
            backends.store.clone(),
            backends.state.clone(),
            queues.clone(),
            settings.ratings.clone(),
        );
        let state = AppState {
            inner: Arc::new(Inner {
                clock,
                settings,
                secrets,
                backends,
                metrics: metrics::recorder(),
                gateway,
                queues,
                state_epoch,
                admission,
                accounts,
                operators,
                ratings,
                sessions,
                parties,
                friends,
                chat,
                voice,
                queueing,
            }),
        };
        Ok(Self {
            state,
            listener,
            metrics_listener,
            movements,
        })
    }

    /// The address the node listens on (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("BUG: a bound listener has an address")
    }

    /// The address `/metrics` is served on when `metrics_listen` is set (useful with port 0).
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener
            .as_ref()
            .and_then(|listener| listener.local_addr().ok())
    }

    /// The shared state, for tests and tools that drive the node in-process.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then stops accepting, lets in-flight requests finish
    /// within the configured shutdown timeout, stops the role loops and returns.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Self {
            state,
            listener,
            metrics_listener,
            movements,
        } = self;
        let settings = state.settings().clone();
        let loops_stopped = CancellationToken::new();

        let mut loops = tokio::task::JoinSet::new();
        loops.spawn(metrics::upkeep(
            state.metrics().clone(),
            loops_stopped.clone(),
        ));
        loops.spawn(crate::telemetry::backend_watch::watch(
            state.backends().clone(),
            loops_stopped.clone(),
        ));
        loops.spawn(state_epoch::watch(
            state.state_epoch().clone(),
            loops_stopped.clone(),
        ));
        roles::spawn(state.role_parts(), movements, &mut loops, &loops_stopped);

        let roles = settings.node.roles.to_string();
        tracing::info!(listen = %settings.node.listen, roles, "rally is serving");

        let (draining_tx, draining_rx) = tokio::sync::oneshot::channel::<()>();
        let gateway = state.gateway().clone();
        let file_limit = acceptor::raise_file_limit();
        let limits = ConnectionLimits {
            max_connections: match settings.http.max_connections {
                0 => acceptor::default_max_connections(file_limit),
                configured => configured,
            },
            header_timeout: settings.http_header_timeout(),
            body_timeout: settings.http_body_timeout(),
        };
        tracing::info!(
            max_connections = limits.max_connections,
            file_limit,
            "connections are bounded"
        );
        let (stop_metrics, metrics_stopped) = tokio::sync::oneshot::channel::<()>();
        if let Some(listener) = metrics_listener {
            let router = router::metrics_router(state.clone());
            let limits = ConnectionLimits {
                max_connections: 64,
                ..limits
            };
            tokio::spawn(acceptor::serve(listener, router, limits, async move {
                let _ = metrics_stopped.await;
            }));
        }
        let app = router::router(state.clone());
        let server = acceptor::serve(listener, app, limits, async move {
            shutdown.await;
            tracing::info!("shutting down: draining in-flight requests");
            // Sockets are not requests: tell them to go, so clients reconnect elsewhere.
            gateway.shut_down();
            let _ = draining_tx.send(());
        });
        let mut server = tokio::spawn(server);

        let grace = settings.shutdown_timeout();
        tokio::select! {
            result = &mut server => result.context("the HTTP server task failed")?,
            _ = draining_rx => {
                match tokio::time::timeout(grace, &mut server).await {
                    Ok(result) => result.context("the HTTP server task failed")?,
                    Err(_) => {
                        tracing::warn!(timeout_s = grace.as_secs(), "in-flight requests did not finish in time; stopping anyway");
                        server.abort();
                    }
                }
            }
        }
        let _ = stop_metrics.send(());

        loops_stopped.cancel();
        if tokio::time::timeout(grace, async { while loops.join_next().await.is_some() {} })
            .await
            .is_err()
        {
            loops.abort_all();
        }
        tracing::info!("rally stopped");
        Ok(())
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}
