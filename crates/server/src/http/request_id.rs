//! The request id: taken from `x-request-id` when the client sent a sane one, generated
//! otherwise; on every log line of the request (through its span), on the response, and inside
//! any problem body so a player's bug report can be matched to the server's logs.

use std::time::Instant;

use axum::{
    body::{Body, to_bytes},
    extract::{MatchedPath, Request},
    http::{HeaderName, HeaderValue, header},
    middleware::Next,
    response::Response,
};
use rally_protocol::{PROBLEM_CONTENT_TYPE, Problem};
use tracing::Instrument;

use crate::bus::Cause;

/// The header that carries the request id both ways.
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The W3C trace-context header a client may send.
static TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");

/// The largest problem body the middleware will reopen to add the request id.
const PROBLEM_BODY_LIMIT: usize = 64 * 1024;

/// A request's id, in the request's extensions for handlers that want it.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Middleware: assigns the request id, opens the request's span, logs the outcome.
pub async fn request_id(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .filter(|value| is_sane(value))
        .map_or_else(|| uuid::Uuid::now_v7().to_string(), str::to_owned);
    let value = HeaderValue::from_str(&id).expect("BUG: a sane request id is a valid header");
    request
        .headers_mut()
        .insert(REQUEST_ID.clone(), value.clone());
    request.extensions_mut().insert(RequestId(id.clone()));

    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let method = request.method().clone();
    let span = tracing::info_span!("request", request.id = %id, http.method = %method, http.route = %route);
    // Events the request writes carry its id as their correlation id, and the client's trace.
    let cause = Cause::request(
        &id,
        request
            .headers()
            .get(&TRACEPARENT)
            .and_then(|value| value.to_str().ok()),
    );
    let started = Instant::now();
    let mut response = cause
        .scope(next.run(request))
        .instrument(span.clone())
        .await;
    let status = response.status().as_u16();
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| {
        if status >= 500 {
            tracing::warn!(http.status = status, duration_ms, "request finished");
        } else {
            tracing::debug!(http.status = status, duration_ms, "request finished");
        }
    });

    if is_problem(&response) {
        response = with_request_id_in_problem(response, &id).await;
    }
    response.headers_mut().insert(REQUEST_ID.clone(), value);
    response
}

/// Ids from clients are echoed into logs and headers: keep them short and plain.
fn is_sane(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

fn is_problem(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes() == PROBLEM_CONTENT_TYPE.as_bytes())
}

async fn with_request_id_in_problem(response: Response, id: &str) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, PROBLEM_BODY_LIMIT).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let body = match serde_json::from_slice::<Problem>(&bytes) {
        Ok(mut problem) => {
            problem.request_id = Some(id.to_owned());
            serde_json::to_vec(&problem).expect("BUG: a problem always serializes")
        }
        Err(_) => bytes.to_vec(),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}

#[cfg(test)]
mod tests {
    use super::is_sane;

    #[test]
    fn request_ids_with_odd_characters_or_excess_length_are_replaced() {
        assert!(is_sane("0b9e2c1e-6b1f-4d8e-9a4c-3f2e1d0c9b8a"));
        assert!(!is_sane("id with spaces"));
        assert!(!is_sane("line\nbreak"));
        assert!(is_sane(&"x".repeat(64)));
        assert!(!is_sane(&"x".repeat(65)));
        assert!(!is_sane(""));
    }
}
