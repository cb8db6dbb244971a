//! [`AuthenticatedOperator`]: the extractor of every `/admin/v1/*` route but the login. It
//! reads `Authorization: Bearer <operator token>` and has the operators service admit it: the
//! token is an operator token of this server (a player's is refused) and the operator is not
//! disabled. Each handler then checks the role it needs ([`crate::operators::Acting::require`]).

use axum::{extract::FromRequestParts, http::request::Parts};

use super::{ApiError, authenticated::bearer};
use crate::{app::AppState, operators::Acting};

/// The operator a request is authenticated as, as stored now.
#[derive(Debug, Clone)]
pub struct AuthenticatedOperator(pub Acting);

impl FromRequestParts<AppState> for AuthenticatedOperator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let acting = app.operators().authenticate(bearer(parts)?).await?;
        Ok(Self(acting))
    }
}
