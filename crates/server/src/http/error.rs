//! The one API error type: every failure a handler can meet, with one `match` from variant to
//! status and stable code, rendered as `application/problem+json` (RFC 9457).

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use rally_protocol::{PROBLEM_CONTENT_TYPE, Problem};

/// An error answered to an API client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No route matches the path.
    #[error("no route for {0}")]
    RouteNotFound(String),
    /// The route exists but not for this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The body is not JSON, or not the JSON this route expects.
    #[error("{0}")]
    BadJson(String),
    /// A path parameter does not parse.
    #[error("{0}")]
    BadPath(String),
    /// A query parameter does not parse.
    #[error("{0}")]
    BadQuery(String),
    /// A field is present but invalid (`field`: why).
    #[error("{field}: {reason}")]
    Invalid {
        /// The field, as the client named it.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The node is not ready: a backend it depends on does not answer.
    #[error("not ready: {detail}")]
    NotReady {
        /// Which backends are down, without secrets.
        detail: String,
        /// The readiness report, for the `backends` member.
        report: serde_json::Value,
    },
    /// Something failed that the client cannot fix; logged where it happened, never shown.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// The HTTP status and the stable code of this error.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::RouteNotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::BadJson(_) => (StatusCode::BAD_REQUEST, "bad_json"),
            ApiError::BadPath(_) => (StatusCode::BAD_REQUEST, "bad_path"),
            ApiError::BadQuery(_) => (StatusCode::BAD_REQUEST, "bad_query"),
            ApiError::Invalid { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            ApiError::NotReady { .. } => (StatusCode::SERVICE_UNAVAILABLE, "not_ready"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// The problem body of this error. A 5xx other than readiness carries no detail at all.
    pub fn to_problem(&self) -> Problem {
        let (status, code) = self.status_and_code();
        let title = status.canonical_reason().unwrap_or("Error");
        let problem = Problem::new(status.as_u16(), code, title);
        match self {
            ApiError::Internal(_) => problem,
            ApiError::NotReady { report, .. } => problem
                .with_detail(self.to_string())
                .with_extension("backends", report.clone()),
            _ => problem.with_detail(self.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(error) = &self {
            tracing::error!(error = format!("{error:#}"), "request failed");
        }
        problem_response(&self.to_problem())
    }
}

/// A problem as a response with its status and media type.
pub fn problem_response(problem: &Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(problem).expect("BUG: a problem always serializes");
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
    );
    if let Some(seconds) = problem.retry_after_s {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        ApiError::Internal(error)
    }
}
