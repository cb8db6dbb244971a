//! `/v1/chat/*`: sending to a channel, its history, edits, deletes, read marks, unread counts of
//! direct messages, and reports. The rules are in [`crate::chat`].

use axum::{extract::State, http::StatusCode};
use rally_protocol::{
    ChatHistory, ChatHistoryQuery, ChatMessage, ChatRead, ChatReport, ChatText, Problem,
    UnreadCounts,
};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    app::AppState,
    chat,
    http::{ApiError, AuthenticatedPlayer, Json, Path, Query},
};

/// The chat routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(history, post))
        .routes(routes!(read))
        .routes(routes!(edit, delete))
        .routes(routes!(report))
        .routes(routes!(unread))
}

/// Sends a message to a channel (`party:<id>`, `match:<id>`, `team:<match_id>:<team>`,
/// `dm:<player_id>`); it is pushed to the channel's players as `chat.message`.
#[utoipa::path(post, path = "/v1/chat/channels/{channel}/messages", tag = "chat", security(("bearer" = [])),
    params(("channel" = String, Path, description = "The channel's name")),
    request_body = ChatText,
    responses(
        (status = 201, description = "The message as stored (masked by the word filter)", body = ChatMessage),
        (status = 403, description = "`not_in_channel`, `chat_closed`, `blocked`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`channel_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid` (`body`), `message_refused`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn post(
    State(app): State<AppState>,
    caller: AuthenticatedPlayer,
    Path(channel): Path<String>,
    Json(text): Json<ChatText>,
) -> Result<(StatusCode, Json<ChatMessage>), ApiError> {
    let message = chat::post(app.chat(), caller.player_id, &channel, &text.body).await?;
    Ok((StatusCode::CREATED, Json(message)))
}

/// A page of a channel's history, newest first; deleted messages are left out.
#[utoipa::path(get, path = "/v1/chat/channels/{channel}/messages", tag = "chat", security(("bearer" = [])),
    params(("channel" = String, Path, description = "The channel's name"), ChatHistoryQuery),
    responses(
        (status = 200, description = "Newest first; `next_before` starts the older page", body = ChatHistory),
        (status = 403, description = "`not_in_channel`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`channel_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid` (`limit`)", body = Problem, content_type = "application/problem+json"),
    ))]
async fn history(
    State(app): State<AppState>,
    caller: AuthenticatedPlayer,
    Path(channel): Path<String>,
    Query(query): Query<ChatHistoryQuery>,
) -> Result<Json<ChatHistory>, ApiError> {
    let page = chat::history(
        app.chat(),
        caller.player_id,
        &channel,
        query.before,
        query.limit,
    )
    .await?;
    Ok(Json(page))
}

/// Marks a channel read up to a message (a later mark stays).
#[utoipa::path(post, path = "/v1/chat/channels/{channel}/read", tag = "chat", security(("bearer" = [])),
    params(("channel" = String, Path, description = "The channel's name")),
    request_body = ChatRead,
    responses(
        (status = 204, description = "Marked"),
        (status = 403, description = "`not_in_channel`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`channel_not_found`, `message_not_found`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn read(
    State(app): State<AppState>,
    caller: AuthenticatedPlayer,
    Path(channel): Path<String>,
    Json(body): Json<ChatRead>,
) -> Result<StatusCode, ApiError> {
    chat::mark_read(app.chat(), caller.player_id, &channel, body.message_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Edits the caller's message, within `chat_edit_window_s` of sending it.
#[utoipa::path(patch, path = "/v1/chat/messages/{id}", tag = "chat", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The message")),
    request_body = ChatText,
    responses(
        (status = 200, description = "The message as edited", body = ChatMessage),
        (status = 403, description = "`not_your_message`, `not_in_channel`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`message_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`edit_window_closed`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid` (`body`), `message_refused`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn edit(
    State(app): State<AppState>,
    caller: AuthenticatedPlayer,
    Path(id): Path<Uuid>,
    Json(text): Json<ChatText>,
) -> Result<Json<ChatMessage>, ApiError> {
    Ok(Json(
        chat::edit(app.chat(), caller.player_id, id, &text.body).await?,
    ))
}

/// Deletes the caller's message, within `chat_edit_window_s` of sending it: it is gone from
/// history for everyone.
#[utoipa::path(delete, path = "/v1/chat/messages/{id}", tag = "chat", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The message")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "`not_your_message`, `not_in_channel`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`message_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`edit_window_closed`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn delete(
    State(app): State<AppState>,
    caller: AuthenticatedPlayer,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    chat::delete(app.chat(), caller.player_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reports a message of a channel the caller can read, for moderators.
#[utoipa::path(post, path = "/v1/chat/messages/{id}/report", tag = "chat", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The message")),
    request_body = ChatReport,
    responses(
        (status = 202, description = "Reported"),
        (status = 403, description = "`not_in_channel`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`message_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_reported`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid` (`reason`), `cannot_report_own`", body = Problem, content_type = "application/problem+json"),
    ))]
async fn report(
    State(app): State<AppState>,
    caller: AuthenticatedPlayer,
    Path(id): Path<Uuid>,
    Json(body): Json<ChatReport>,
) -> Result<StatusCode, ApiError> {
    chat::report(app.chat(), caller.player_id, id, &body.reason).await?;
    Ok(StatusCode::ACCEPTED)
}

/// The caller's direct channels with messages they have not read.
#[utoipa::path(get, path = "/v1/chat/unread", tag = "chat", security(("bearer" = [])),
    responses(
        (status = 200, description = "Each direct channel with unread messages, most first", body = UnreadCounts),
    ))]
async fn unread(
    State(app): State<AppState>,
    caller: AuthenticatedPlayer,
) -> Result<Json<UnreadCounts>, ApiError> {
    Ok(Json(chat::unread(app.chat(), caller.player_id).await?))
}
