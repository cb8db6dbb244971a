//! The request id and the request's span, from `tower-http`: a client's `x-request-id` is kept
//! when it is sane (short and plain; anything else is dropped), a uuid v7 is minted otherwise
//! (`SetRequestId`); it is on the request's span, so on every log line of the request
//! (`Trace`), on the response (`PropagateRequestId`), inside any problem body so a player's bug
//! report can be matched to the server's logs, and it opens the request's event chain
//! ([`Cause::request`]) with the client's W3C `traceparent`.

use std::time::Duration;

use axum::{
    Router,
    body::{Body, to_bytes},
    extract::{MatchedPath, Request},
    http::{HeaderName, HeaderValue, header},
    middleware::{self, Next},
    response::Response,
};
use rally_protocol::{PROBLEM_CONTENT_TYPE, Problem};
use tower_http::{
    request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    trace::TraceLayer,
};
use tracing::Span;

use crate::{bus::Cause, telemetry::trace_context};

/// The header that carries the request id both ways.
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The W3C trace-context header a client may send.
static TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");

/// The largest problem body the middleware will reopen to add the request id.
const PROBLEM_BODY_LIMIT: usize = 64 * 1024;

/// `router` with the request-id and trace layers around it (outermost first: insane client ids
/// dropped, an id minted where none is left, the id copied to the response, the request's span
/// and its outcome logged, the event chain opened and the id put into problems).
pub fn around<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router
        .layer(middleware::from_fn(chain_and_problem))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(span)
                .on_request(())
                .on_response(finished)
                .on_eos(())
                .on_failure(()),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), Mint))
        .layer(middleware::map_request(drop_insane))
}

/// Mints request ids: uuid v7, so they sort by time.
#[derive(Debug, Clone, Copy)]
struct Mint;

impl MakeRequestId for Mint {
    fn make_request_id<B>(&mut self, _request: &axum::http::Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&uuid::Uuid::now_v7().to_string())
            .ok()
            .map(RequestId::new)
    }
}

/// Drops a client's request id that is not sane, so one is minted instead.
async fn drop_insane(mut request: Request) -> Request {
    let insane = request
        .headers()
        .get(&REQUEST_ID)
        .is_some_and(|value| !value.to_str().is_ok_and(is_sane));
    if insane {
        request.headers_mut().remove(&REQUEST_ID);
    }
    request
}

/// The request's id, as set by the layers.
fn id_of(request: &Request) -> &str {
    request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
}

/// The request's span: its id, method and route.
fn span(request: &Request) -> Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str);
    let span = tracing::info_span!("request", request.id = %id_of(request), http.method = %request.method(), http.route = %route, trace_id = tracing::field::Empty);
    // A caller that sends its trace context has this request join its trace.
    let traceparent = request
        .headers()
        .get(&TRACEPARENT)
        .and_then(|value| value.to_str().ok());
    trace_context::continue_from(&span, traceparent);
    trace_context::record_trace_id(&span);
    span
}

/// Logs the outcome: a warning for a server error, debug otherwise.
fn finished(response: &Response, latency: Duration, span: &Span) {
    let status = response.status().as_u16();
    let duration_ms = latency.as_secs_f64() * 1000.0;
    span.in_scope(|| {
        if worth_a_warning(status) {
            tracing::warn!(http.status = status, duration_ms, "request finished");
        } else {
            tracing::debug!(http.status = status, duration_ms, "request finished");
        }
    });
}

/// Whether a request answered `status` is logged as a warning: a server error, except 503. A
/// 503 asks the client to come back (`Retry-After`); an overloaded node answers thousands a
/// second, and a line for each would spend the CPU it is short of and bury the errors that
/// matter (a 10,000-player run wrote 547,078 such lines in seven minutes on one api node).
/// They are counted instead (`rally_http_requests_total` by status, and
/// `rally_http_requests_shed_total`); a backend outage behind them is logged by the work that
/// meets it and shows in `/readyz`.
fn worth_a_warning(status: u16) -> bool {
    status >= 500 && status != 503
}

/// Opens the request's event chain around the handler, and puts the request id into a problem.
async fn chain_and_problem(request: Request, next: Next) -> Response {
    let id = id_of(&request).to_owned();
    let cause = Cause::request(
        &id,
        request
            .headers()
            .get(&TRACEPARENT)
            .and_then(|value| value.to_str().ok()),
    );
    let response = cause.scope(next.run(request)).await;
    if is_problem(&response) {
        with_request_id_in_problem(response, &id).await
    } else {
        response
    }
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
    use super::{is_sane, worth_a_warning};

    #[test]
    fn server_errors_are_warnings_but_a_refusal_for_now_is_not() {
        assert!(worth_a_warning(500));
        assert!(worth_a_warning(502));
        assert!(!worth_a_warning(503));
        assert!(!worth_a_warning(404));
        assert!(!worth_a_warning(429));
    }

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
