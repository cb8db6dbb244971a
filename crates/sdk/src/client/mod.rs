//! [`Client`]: a player's connection to Rally, for game clients.
//!
//! Typed calls for every player-facing endpoint are grouped by resource: [`account`] (register,
//! login, tokens, profiles), [`party`], [`queue`] (queues, tickets, game sessions), [`record`]
//! (match history and leaderboards) and [`presence`] (over the gateway). The gateway
//! connection and the events it delivers are here.

pub mod account;
pub mod chat;
pub mod friends;
pub mod party;
pub mod presence;
pub mod queue;
pub mod record;

use std::sync::Arc;

use serde::de::DeserializeOwned;
use tokio::sync::Mutex;

use crate::{
    backoff::Backoff,
    config::ClientConfig,
    credentials::{Credentials, ends_login},
    error::{Error, Result},
    event::{Event, EventKind},
    gateway::Gateway,
    http::{Call, Http},
    inbox::{CallbackId, Inbox},
};

/// A player's connection to Rally: HTTP calls with the tokens handled, and the gateway's
/// pushes as [`Event`]s. Cheap to clone; clones share the login, the connection and the events.
///
/// ```no_run
/// # async fn quickplay() -> rally_sdk::Result<()> {
/// use rally_sdk::{Client, ClientConfig, Event};
///
/// let client = Client::new(ClientConfig::new("http://127.0.0.1:8080"))?;
/// client.login("ada", "correct horse battery").await?;
/// client.connect().await?;
/// loop {
///     // In a game loop: `for event in client.poll_events() { ... }` once a frame.
///     match client.next_event().await {
///         Event::SessionReady(session) => break println!("play at {:?}", session.endpoint),
///         other => println!("{other:?}"),
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: ClientConfig,
    http: Http,
    inbox: Arc<Inbox>,
    credentials: Arc<Credentials>,
    gateway: Mutex<Option<Gateway>>,
}

impl Client {
    /// A client of the Rally that `config` names; nothing is sent until the first call.
    pub fn new(config: ClientConfig) -> Result<Self> {
        let http = Http::new(&config.base_url, config.request_timeout)?;
        let inbox = Arc::new(Inbox::new(config.event_queue_capacity));
        let credentials = Arc::new(Credentials::new(
            http.clone(),
            Arc::clone(&inbox),
            config.refresh_margin,
        ));
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                http,
                inbox,
                credentials,
                gateway: Mutex::new(None),
            }),
        })
    }

    /// Opens the gateway (`/v1/ws`) for the logged-in player, unless it is open. From then on
    /// the SDK keeps it open: it pings, reconnects with backoff and jitter, and resumes the
    /// session so pushes missed meanwhile arrive in order and none twice. When Rally cannot
    /// resume (the grace passed, or the pushes are gone), [`Event::Connected`] says
    /// `resumed: false`. The task runs on the current tokio runtime until [`Client::disconnect`]
    /// or the end of the login.
    pub async fn connect(&self) -> Result<()> {
        let token = self.inner.credentials.access_token().await;
        self.closed_if_logged_out(token).await?;
        let mut gateway = self.inner.gateway.lock().await;
        // A task that ended with its login is replaced, for the player logged in now.
        if !gateway.as_ref().is_some_and(Gateway::is_running) {
            let config = &self.inner.config;
            *gateway = Some(Gateway::start(
                self.inner.http.base(),
                Arc::clone(&self.inner.credentials),
                Arc::clone(&self.inner.inbox),
                Backoff::new(config.reconnect_min, config.reconnect_max),
            ));
        }
        Ok(())
    }

    /// Closes the gateway, if open. Pushes made while it is closed are not delivered.
    pub async fn disconnect(&self) {
        let gateway = self.inner.gateway.lock().await.take();
        if let Some(gateway) = gateway {
            gateway.stop().await;
        }
    }

    /// Every event that arrived since the last call, oldest first, without blocking: call it
    /// once a frame from the game loop.
    pub fn poll_events(&self) -> Vec<Event> {
        self.inner.inbox.drain()
    }

    /// The oldest event not yet taken, without blocking.
    pub fn poll_event(&self) -> Option<Event> {
        self.inner.inbox.pop()
    }

    /// The oldest event not yet taken, waiting for one.
    pub async fn next_event(&self) -> Event {
        self.inner.inbox.next().await
    }

    /// Calls `callback` with every event of `kind`, on the SDK's connection thread (see
    /// [`crate::inbox`]). Events still go to the queue as well, unless its capacity is 0.
    pub fn on(
        &self,
        kind: EventKind,
        callback: impl Fn(&Event) + Send + Sync + 'static,
    ) -> CallbackId {
        self.inner.inbox.on(Some(kind), callback)
    }

    /// Calls `callback` with every event, of whatever kind.
    pub fn on_any(&self, callback: impl Fn(&Event) + Send + Sync + 'static) -> CallbackId {
        self.inner.inbox.on(None, callback)
    }

    /// Stops calling a callback; whether it was registered.
    pub fn remove_callback(&self, id: CallbackId) -> bool {
        self.inner.inbox.remove(id)
    }

    /// How many events were dropped because the queue was full (nobody polled it).
    pub fn dropped_events(&self) -> u64 {
        self.inner.inbox.dropped()
    }

    /// A call without a login.
    async fn public<T: DeserializeOwned>(&self, call: Call) -> Result<T> {
        self.inner.http.json(call).await
    }

    /// A call as the logged-in player: a refused, stale access token is refreshed and the call
    /// made once more; a refusal that ends the login logs the client out and closes the gateway.
    async fn authed<T: DeserializeOwned>(&self, call: impl Fn() -> Result<Call>) -> Result<T> {
        let answer = self.authed_once(call).await;
        self.closed_if_logged_out(answer).await
    }

    /// `answer`, after closing the gateway when it says the login ended.
    async fn closed_if_logged_out<T>(&self, answer: Result<T>) -> Result<T> {
        if let Err(Error::LoggedOut { .. }) = &answer {
            self.disconnect().await;
        }
        answer
    }

    async fn authed_once<T: DeserializeOwned>(&self, call: impl Fn() -> Result<Call>) -> Result<T> {
        let credentials = &self.inner.credentials;
        let token = credentials.access_token().await?;
        let mut answer = self.inner.http.json(call()?.bearer(&token)).await;
        if let Err(error) = &answer
            && matches!(error.code(), "token_expired" | "invalid_token")
        {
            let token = credentials.refresh_after(&token).await?;
            answer = self.inner.http.json(call()?.bearer(&token)).await;
        }
        match answer {
            Err(error) if ends_login(error.code()) => {
                credentials.clear().await;
                Err(credentials.logged_out(error.code()))
            }
            answer => answer,
        }
    }
}

/// `Ok(None)` for the refusal `code` ("you have none"), the value otherwise.
fn none_on<T>(answer: Result<T>, code: &str) -> Result<Option<T>> {
    match answer {
        Ok(value) => Ok(Some(value)),
        Err(error) if error.code() == code => Ok(None),
        Err(error) => Err(error),
    }
}
