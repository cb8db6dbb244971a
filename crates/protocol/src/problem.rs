//! The error envelope: every error Rally answers with, whatever the route.
//!
//! Follows RFC 9457 (Problem Details for HTTP APIs), with one extension member, `code`: a stable,
//! machine-readable string a client can branch on (`party_full`, `rate_limited`, ...). `title`
//! and `detail` are for people and may change between releases; `code` does not.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The media type of a [`Problem`] body (RFC 9457, section 3).
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// An error response body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem type; Rally uses `urn:rally:problem:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short, human-readable summary of the problem type.
    pub title: String,
    /// The HTTP status code of this response.
    pub status: u16,
    /// A human-readable explanation of this occurrence. Never carries internals on a 5xx.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The stable machine-readable code of the problem.
    pub code: String,
    /// The request id (`x-request-id`) of the request that failed, to quote in bug reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// For `rate_limited`: how many seconds to wait before trying again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_s: Option<u64>,
    /// Further members particular to one problem type (for example `backends` on `not_ready`).
    #[serde(flatten, default, skip_serializing_if = "serde_json::Map::is_empty")]
    #[schema(value_type = Object)]
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

impl Problem {
    /// A problem with the given status, stable code and title, and no detail.
    pub fn new(status: u16, code: impl Into<String>, title: impl Into<String>) -> Self {
        let code = code.into();
        Self {
            kind: format!("urn:rally:problem:{code}"),
            title: title.into(),
            status,
            detail: None,
            code,
            request_id: None,
            retry_after_s: None,
            extensions: serde_json::Map::new(),
        }
    }

    /// The same problem with a detail for this occurrence.
    #[must_use]
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// The same problem with one more extension member.
    #[must_use]
    pub fn with_extension(mut self, name: &str, value: serde_json::Value) -> Self {
        self.extensions.insert(name.to_owned(), value);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_serializes_with_the_rfc_9457_member_names_and_a_code() {
        let problem = Problem::new(404, "not_found", "Not Found").with_detail("no such route");
        let json = serde_json::to_value(&problem).expect("serializes");
        assert_eq!(json["type"], "urn:rally:problem:not_found");
        assert_eq!(json["status"], 404);
        assert_eq!(json["code"], "not_found");
        assert_eq!(json["detail"], "no such route");
        assert!(json.get("request_id").is_none());
    }
}
