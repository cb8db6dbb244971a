//! The gateway connection: one task per client that keeps `/v1/ws` open, pings it, reconnects
//! with backoff and jitter, resumes the session so missed pushes arrive in order and once, and
//! hands every push to the [`Inbox`].

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use futures::{SinkExt, StreamExt};
use rally_protocol::gateway::{
    ClientMessage, ClientRequest, GATEWAY_VERSION, GatewayError, Hello, ServerEvent, ServerMessage,
    close_code,
};
use tokio::{
    net::TcpStream,
    sync::{mpsc, oneshot, watch},
};
use tokio_tungstenite::{
    Connector, MaybeTlsStream, WebSocketStream,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

use crate::{
    backoff::Backoff,
    credentials::{Credentials, ends_login},
    cursor::Cursor,
    error::{Error, Result},
    event::Event,
    inbox::Inbox,
};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long opening a socket (TCP, TLS, upgrade) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a new connection may take to say `hello`.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a closing handshake may take when the client stops.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);
/// How long [`Gateway::stop`] waits for the task before aborting it.
const STOP_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a connection must stay up before the reconnect waits start over.
const STABLE: Duration = Duration::from_secs(10);

/// Close reasons after which a fresh access token may get in.
const STALE_TOKEN: [&str; 3] = ["token_expired", "invalid_token", "unauthorized"];

/// The answer to a request sent over the gateway: the reply, or the gateway's refusal.
pub(crate) type Reply = Result<ServerEvent, GatewayError>;

/// A request waiting to be sent, and where its reply goes.
#[derive(Debug)]
struct Pending {
    request: ClientRequest,
    reply: oneshot::Sender<Reply>,
}

/// A running gateway connection; stopped when [`Gateway::stop`] is called or it is dropped.
#[derive(Debug)]
pub(crate) struct Gateway {
    stop: watch::Sender<bool>,
    requests: mpsc::UnboundedSender<Pending>,
    task: tokio::task::JoinHandle<()>,
}

impl Gateway {
    /// Starts the connection task on the current tokio runtime.
    pub(crate) fn start(
        base_url: &str,
        credentials: Arc<Credentials>,
        inbox: Arc<Inbox>,
        backoff: Backoff,
    ) -> Self {
        let (stop, stopped) = watch::channel(false);
        let (requests, queued) = mpsc::unbounded_channel();
        let url = format!(
            "{}/v1/ws",
            base_url
                .replacen("https://", "wss://", 1)
                .replacen("http://", "ws://", 1)
        );
        let connection = Connection {
            url,
            credentials,
            inbox,
            backoff,
            stopped,
            cursor: Cursor::default(),
            connected_at: None,
            queued,
            waiting: HashMap::new(),
            sent: 0,
        };
        Self {
            stop,
            requests,
            task: tokio::spawn(connection.run()),
        }
    }

    /// Sends `request` once the socket is open; its reply arrives on the receiver, which is
    /// closed if the connection drops first.
    pub(crate) fn request(&self, request: ClientRequest) -> oneshot::Receiver<Reply> {
        let (reply, answer) = oneshot::channel();
        let _ = self.requests.send(Pending { request, reply });
        answer
    }

    /// Closes the socket and ends the task.
    pub(crate) async fn stop(mut self) {
        let _ = self.stop.send(true);
        if tokio::time::timeout(STOP_TIMEOUT, &mut self.task)
            .await
            .is_err()
        {
            self.task.abort();
        }
    }

    /// Whether the task still runs; it ends by itself when the login ends.
    pub(crate) fn is_running(&self) -> bool {
        !self.task.is_finished()
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// How one connection ended.
enum Ended {
    /// The client stopped it.
    Stopped,
    /// Rally closed it, or it broke; `code` is the close code when there was one.
    Lost { code: Option<u16>, reason: String },
}

/// The state of the connection task.
struct Connection {
    url: String,
    credentials: Arc<Credentials>,
    inbox: Arc<Inbox>,
    backoff: Backoff,
    stopped: watch::Receiver<bool>,
    /// The gateway session to resume and the last push delivered in it.
    cursor: Cursor,
    /// When the current socket said `hello`.
    connected_at: Option<Instant>,
    /// Requests from the client, sent while a socket is open.
    queued: mpsc::UnboundedReceiver<Pending>,
    /// Requests sent on this socket and not answered yet, by frame id.
    waiting: HashMap<String, oneshot::Sender<Reply>>,
    /// Frames sent, for their ids.
    sent: u64,
}

impl Connection {
    async fn run(mut self) {
        if let Some(reason) = self.connect_until_stopped().await {
            self.inbox.deliver(Event::Disconnected {
                reason,
                retry_in: None,
            });
        }
    }

    /// Connects, serves and reconnects until the client stops it (`None`) or the login ends
    /// (why).
    async fn connect_until_stopped(&mut self) -> Option<String> {
        loop {
            let token = match self.credentials.access_token().await {
                Ok(token) => token,
                Err(error @ (Error::LoggedOut { .. } | Error::NotLoggedIn)) => {
                    return Some(error.to_string());
                }
                Err(error) => {
                    if self.wait(error.to_string()).await {
                        return None;
                    }
                    continue;
                }
            };
            let mut stopped = self.stopped.clone();
            let opened = tokio::select! {
                opened = tokio::time::timeout(CONNECT_TIMEOUT, self.open(&token)) => opened,
                _ = stopped.changed() => return None,
            };
            let ended = match opened {
                Ok(Ok(socket)) => {
                    let ended = self.serve(socket).await;
                    // Their replies will not come on another socket: the callers learn it now.
                    self.waiting.clear();
                    ended
                }
                Ok(Err(error)) => Ended::Lost {
                    code: None,
                    reason: error.to_string(),
                },
                Err(_) => Ended::Lost {
                    code: None,
                    reason: "the connection attempt timed out".into(),
                },
            };
            // Only a connection that stayed up starts the waits over, so a node that accepts
            // and drops at once is not hammered.
            if self
                .connected_at
                .take()
                .is_some_and(|at| at.elapsed() >= STABLE)
            {
                self.backoff.reset();
            }
            let (code, reason) = match ended {
                Ended::Stopped => return None,
                Ended::Lost { code, reason } => (code, reason),
            };
            if code == Some(close_code::POLICY_VIOLATION) {
                if STALE_TOKEN.contains(&reason.as_str()) {
                    // A passing failure to refresh is retried with the next attempt.
                    if let Err(error @ (Error::LoggedOut { .. } | Error::NotLoggedIn)) =
                        self.credentials.refresh_after(&token).await
                    {
                        return Some(error.to_string());
                    }
                } else if ends_login(&reason) {
                    self.credentials.clear().await;
                    self.credentials.logged_out(&reason);
                    return Some(format!("logged out: {reason}"));
                }
            }
            let reason = match code {
                Some(code) => format!("closed with {code}: {reason}"),
                None => reason,
            };
            if self.wait(reason).await {
                return None;
            }
        }
    }

    /// Tells the game the connection is down and waits before the next attempt; whether the
    /// client stopped meanwhile.
    async fn wait(&mut self, reason: String) -> bool {
        let delay = self.backoff.next_delay();
        tracing::debug!(delay_ms = delay.as_millis() as u64, %reason, "gateway reconnecting");
        self.inbox.deliver(Event::Disconnected {
            reason,
            retry_in: Some(delay),
        });
        tokio::select! {
            () = tokio::time::sleep(delay) => false,
            _ = self.stopped.changed() => true,
        }
    }

    async fn open(&self, token: &str) -> Result<Socket> {
        let url = match self.cursor.resume_query() {
            Some(query) => format!("{}?{query}", self.url),
            None => self.url.clone(),
        };
        let mut request = url
            .into_client_request()
            .map_err(|e| Error::InvalidArgument(e.to_string()))?;
        let bearer = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|e| Error::Protocol(e.to_string()))?;
        request.headers_mut().insert("authorization", bearer);
        let connector = if self.url.starts_with("wss://") {
            Some(Connector::Rustls(Arc::new(crate::tls::client_config()?)))
        } else {
            None
        };
        let (socket, _) =
            tokio_tungstenite::connect_async_tls_with_config(request, None, true, connector)
                .await
                .map_err(|e| Error::Transport(e.to_string()))?;
        Ok(socket)
    }

    async fn serve(&mut self, mut socket: Socket) -> Ended {
        let mut stopped = self.stopped.clone();
        let first = tokio::select! {
            first = tokio::time::timeout(HELLO_TIMEOUT, first_frame(&mut socket)) => first,
            _ = stopped.changed() => return Ended::Stopped,
        };
        let hello = match first {
            Ok(Ok(hello)) => hello,
            Ok(Err(ended)) => return ended,
            Err(_) => {
                return Ended::Lost {
                    code: None,
                    reason: "no hello in time".into(),
                };
            }
        };
        self.connected_at = Some(Instant::now());
        self.cursor.hello(&hello);
        self.inbox.deliver(Event::Connected {
            session_id: hello.session_id,
            resumed: hello.resumed,
        });
        let idle = Duration::from_millis(hello.idle_timeout_ms.max(1_000));
        let mut ping = tokio::time::interval(Duration::from_millis(
            hello.ping_interval_ms.clamp(100, 300_000),
        ));
        let mut heard = Instant::now();
        loop {
            tokio::select! {
                _ = self.stopped.changed() => {
                    let _ = tokio::time::timeout(CLOSE_TIMEOUT, socket.close(None)).await;
                    return Ended::Stopped;
                }
                _ = ping.tick() => {
                    if heard.elapsed() > idle {
                        return Ended::Lost { code: None, reason: "no frame within the idle timeout".into() };
                    }
                    if let Err(ended) = self.send(&mut socket, ClientRequest::Ping).await {
                        return ended;
                    }
                }
                Some(pending) = self.queued.recv() => {
                    // A caller that gave up while the socket was down wants no answer.
                    if pending.reply.is_closed() {
                        continue;
                    }
                    match self.send(&mut socket, pending.request).await {
                        Ok(id) => {
                            self.waiting.insert(id, pending.reply);
                        }
                        Err(ended) => return ended,
                    }
                }
                frame = socket.next() => {
                    heard = Instant::now();
                    match frame {
                        Some(Ok(Message::Text(text))) => self.receive(text.as_str()),
                        Some(Ok(Message::Close(frame))) => {
                            return Ended::Lost {
                                code: frame.as_ref().map(|f| u16::from(f.code)),
                                reason: frame.map_or_else(String::new, |f| f.reason.to_string()),
                            };
                        }
                        Some(Ok(_)) => {}
                        Some(Err(error)) => return Ended::Lost { code: None, reason: error.to_string() },
                        None => return Ended::Lost { code: None, reason: "connection closed".into() },
                    }
                }
            }
        }
    }

    /// Sends one request frame; its id.
    async fn send(&mut self, socket: &mut Socket, request: ClientRequest) -> Result<String, Ended> {
        self.sent += 1;
        let id = format!("sdk-{}", self.sent);
        let frame = ClientMessage {
            v: GATEWAY_VERSION,
            id: id.clone(),
            request,
        };
        let text = serde_json::to_string(&frame).expect("BUG: a request serializes");
        match socket.send(Message::Text(text.into())).await {
            Ok(()) => Ok(id),
            Err(error) => Err(Ended::Lost {
                code: None,
                reason: error.to_string(),
            }),
        }
    }

    /// One frame after `hello`: a push (delivered unless already seen) or a reply.
    fn receive(&mut self, text: &str) {
        let message: ServerMessage = match serde_json::from_str(text) {
            Ok(message) => message,
            Err(error) => {
                tracing::warn!(%error, "gateway frame not understood; is the SDK older than Rally?");
                return;
            }
        };
        if message.seq.is_none()
            && let Some(reply) = self.waiting.remove(&message.id)
        {
            let _ = reply.send(match message.event {
                ServerEvent::Error(refusal) => Err(refusal),
                event => Ok(event),
            });
            return;
        }
        if !self.cursor.admit(message.seq) {
            return;
        }
        if let Some(event) = Event::from_push(message.event) {
            self.inbox.deliver(event);
        }
    }
}

/// The first frame of a connection, which must be `hello`.
async fn first_frame(socket: &mut Socket) -> Result<Hello, Ended> {
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) => {
                return match serde_json::from_str::<ServerMessage>(text.as_str()) {
                    Ok(ServerMessage {
                        event: ServerEvent::Hello(hello),
                        ..
                    }) => Ok(hello),
                    _ => Err(Ended::Lost {
                        code: None,
                        reason: "the first frame was not hello".into(),
                    }),
                };
            }
            Some(Ok(Message::Close(frame))) => {
                return Err(Ended::Lost {
                    code: frame.as_ref().map(|f| u16::from(f.code)),
                    reason: frame.map_or_else(String::new, |f| f.reason.to_string()),
                });
            }
            Some(Ok(_)) => {}
            Some(Err(error)) => {
                return Err(Ended::Lost {
                    code: None,
                    reason: error.to_string(),
                });
            }
            None => {
                return Err(Ended::Lost {
                    code: None,
                    reason: "connection closed".into(),
                });
            }
        }
    }
}
