//! [`BlockingClient`]: the [`Client`] with blocking calls.

use std::{future::Future, time::Duration};

use rally_protocol::{
    BlockList, ChatHistory, ChatMessage, CreatePartyRequest, Friend, FriendList, MatchAcceptance,
    Party, PartyInvite, PlayerProfile, PublicProfile, QueueList, QueueRequest, QueueTicket,
    RegisterRequest, UnreadCounts, UpdateProfileRequest, VoiceAccess,
    rating::{HistoryPage, HistoryQuery, LeaderboardPage, LeaderboardQuery, MatchSummary},
    session::SessionInfo,
};
use tokio::runtime::Runtime;
use uuid::Uuid;

use crate::{
    client::Client,
    config::ClientConfig,
    error::Result,
    event::{Event, EventKind},
    inbox::CallbackId,
};

/// A [`Client`] whose calls block. Thread-safe: share it by reference or in an `Arc`.
///
/// ```no_run
/// use rally_sdk::{BlockingClient, ClientConfig, Event};
///
/// let client = BlockingClient::new(ClientConfig::new("http://127.0.0.1:8080"))?;
/// client.login("ada", "correct horse battery")?;
/// client.connect()?;
/// client.join_queue("duel", &[("eu", 30)])?;
/// loop {
///     // once a frame:
///     for event in client.poll_events() {
///         if let Event::SessionReady(session) = event {
///             println!("play at {:?}", session.endpoint);
///             return Ok(());
///         }
///     }
///     std::thread::sleep(std::time::Duration::from_millis(16));
/// }
/// # Ok::<(), rally_sdk::Error>(())
/// ```
#[derive(Debug)]
pub struct BlockingClient {
    runtime: Option<Runtime>,
    client: Client,
}

impl BlockingClient {
    /// A client of the Rally that `config` names, with its own runtime thread.
    pub fn new(config: ClientConfig) -> Result<Self> {
        let runtime = super::runtime()?;
        let client = {
            let _entered = runtime.enter();
            Client::new(config)?
        };
        Ok(Self {
            runtime: Some(runtime),
            client,
        })
    }

    /// The async client underneath, sharing this one's login and events.
    pub fn client(&self) -> &Client {
        &self.client
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime
            .as_ref()
            .expect("BUG: the runtime lives as long as the client")
            .block_on(future)
    }

    /// Every event that arrived since the last call, oldest first, without blocking.
    pub fn poll_events(&self) -> Vec<Event> {
        self.client.poll_events()
    }

    /// The oldest event not yet taken, without blocking.
    pub fn poll_event(&self) -> Option<Event> {
        self.client.poll_event()
    }

    /// The oldest event not yet taken, waiting at most `timeout` for one.
    pub fn wait_event(&self, timeout: Duration) -> Option<Event> {
        // The timer is made inside the runtime: outside of one, tokio cannot make it.
        self.block_on(async { tokio::time::timeout(timeout, self.client.next_event()).await })
            .ok()
    }

    /// Calls `callback` with every event of `kind`, on the SDK's `rally-sdk` thread.
    pub fn on(
        &self,
        kind: EventKind,
        callback: impl Fn(&Event) + Send + Sync + 'static,
    ) -> CallbackId {
        self.client.on(kind, callback)
    }

    /// Calls `callback` with every event, on the SDK's `rally-sdk` thread.
    pub fn on_any(&self, callback: impl Fn(&Event) + Send + Sync + 'static) -> CallbackId {
        self.client.on_any(callback)
    }

    /// Stops calling a callback; whether it was registered.
    pub fn remove_callback(&self, id: CallbackId) -> bool {
        self.client.remove_callback(id)
    }

    /// Closes the gateway, if open.
    pub fn disconnect(&self) {
        self.block_on(self.client.disconnect());
    }
}

impl Drop for BlockingClient {
    /// Closes the gateway (a second at most) and stops the SDK's thread. Inside another
    /// runtime, where blocking is not allowed, the thread is left to stop by itself.
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            super::stop(runtime, self.client.disconnect());
        }
    }
}

/// Blocking forms of [`Client`]'s calls, with the same names and documentation.
macro_rules! blocking {
    ($( fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty; )*) => {
        impl BlockingClient {
            $(
                #[doc = concat!("[`Client::", stringify!($name), "`], blocking.")]
                pub fn $name(&self $(, $arg: $ty)*) -> $ret {
                    self.block_on(self.client.$name($($arg),*))
                }
            )*
        }
    };
}

blocking! {
    fn register(&self, username: &str, email: &str, password: &str) -> Result<PlayerProfile>;
    fn register_with(&self, request: RegisterRequest) -> Result<PlayerProfile>;
    fn login(&self, login: &str, password: &str) -> Result<PlayerProfile>;
    fn login_with_refresh_token(&self, refresh_token: &str) -> Result<PlayerProfile>;
    fn logout(&self, everywhere: bool) -> Result<()>;
    fn player(&self) -> Option<PlayerProfile>;
    fn refresh_token(&self) -> Option<String>;
    fn profile(&self) -> Result<PlayerProfile>;
    fn update_profile(&self, request: &UpdateProfileRequest) -> Result<PlayerProfile>;
    fn public_profile(&self, player_id: Uuid) -> Result<PublicProfile>;
    fn connect(&self) -> Result<()>;
    fn presence(&self, player_ids: &[Uuid]) -> Result<Vec<Uuid>>;
    fn refresh(&self) -> Result<()>;
    fn friends(&self) -> Result<FriendList>;
    fn request_friend(&self, player_id: Uuid) -> Result<Friend>;
    fn accept_friend(&self, player_id: Uuid) -> Result<Friend>;
    fn decline_friend(&self, player_id: Uuid) -> Result<()>;
    fn cancel_friend_request(&self, player_id: Uuid) -> Result<()>;
    fn remove_friend(&self, player_id: Uuid) -> Result<()>;
    fn blocked_players(&self) -> Result<BlockList>;
    fn block_player(&self, player_id: Uuid) -> Result<()>;
    fn unblock_player(&self, player_id: Uuid) -> Result<()>;
    fn send_message(&self, channel: &str, body: &str) -> Result<ChatMessage>;
    fn chat_history(&self, channel: &str, before: Option<Uuid>, limit: Option<u32>) -> Result<ChatHistory>;
    fn edit_message(&self, id: Uuid, body: &str) -> Result<ChatMessage>;
    fn delete_message(&self, id: Uuid) -> Result<()>;
    fn mark_read(&self, channel: &str, message_id: Uuid) -> Result<()>;
    fn unread_messages(&self) -> Result<UnreadCounts>;
    fn report_message(&self, id: Uuid, reason: &str) -> Result<()>;
    fn create_party(&self, request: &CreatePartyRequest) -> Result<Party>;
    fn my_party(&self) -> Result<Option<Party>>;
    fn party_voice(&self, party_id: Uuid) -> Result<VoiceAccess>;
    fn party(&self, party_id: Uuid) -> Result<Party>;
    fn join_party(&self, party_id: Uuid) -> Result<Party>;
    fn leave_party(&self, party_id: Uuid) -> Result<()>;
    fn invite(&self, party_id: Uuid, player_id: Uuid) -> Result<PartyInvite>;
    fn decline_invite(&self, party_id: Uuid) -> Result<()>;
    fn kick(&self, party_id: Uuid, player_id: Uuid) -> Result<Party>;
    fn promote(&self, party_id: Uuid, player_id: Uuid) -> Result<Party>;
    fn set_ready(&self, party_id: Uuid, ready: bool) -> Result<Party>;
    fn start_ready_check(&self, party_id: Uuid) -> Result<Party>;
    fn queues(&self) -> Result<QueueList>;
    fn join_queue(&self, mode: &str, regions: &[(&str, u32)]) -> Result<QueueTicket>;
    fn join_queue_with(&self, request: &QueueRequest) -> Result<QueueTicket>;
    fn ticket(&self) -> Result<Option<QueueTicket>>;
    fn cancel_queue(&self) -> Result<QueueTicket>;
    fn accept_match(&self, match_id: Uuid) -> Result<MatchAcceptance>;
    fn match_acceptance(&self, match_id: Uuid) -> Result<MatchAcceptance>;
    fn decline_match(&self, match_id: Uuid) -> Result<MatchAcceptance>;
    fn session(&self, match_id: Uuid) -> Result<SessionInfo>;
    fn match_voice(&self, match_id: Uuid) -> Result<VoiceAccess>;
    fn history(&self, query: &HistoryQuery) -> Result<HistoryPage>;
    fn match_summary(&self, match_id: Uuid) -> Result<MatchSummary>;
    fn leaderboard(&self, season: &str, query: &LeaderboardQuery) -> Result<LeaderboardPage>;
    fn leaderboard_me(&self, season: &str, query: &LeaderboardQuery) -> Result<LeaderboardPage>;
}
