//! Operators: the studio's staff, apart from players. An admin adds them from the server's
//! command line (`rally operator add NAME --role admin|moderator|viewer`); they log in on
//! `POST /admin/v1/login` for a short-lived operator token ([`OperatorTokens`]) good only on
//! `/admin/v1/*`; every request reads their role and whether they are disabled from the store,
//! so a disable bites at once. Every operator action (their logins included) is a line of the
//! audit log, written in the transaction of the change it records when there is one.
//!
//! An operator may have a second factor ([`Totp`], enrolled with `rally operator add --totp` or
//! `rally operator totp NAME`): their login then needs the code of the moment too, each code
//! accepted once. Login answers an unknown name, a disabled operator, a wrong password and a
//! wrong code alike, after the same argon2 work (`totp_required` only once the password is
//! right); attempts are rate-limited per client address and locked out per name
//! after `login_failure_limit` failures, as players' are.

pub mod appeals;
mod error;
pub mod operations;
pub mod players;
pub mod reports;
pub mod sanctions;
mod totp;

use std::{net::IpAddr, sync::Arc};

use rally_protocol::admin::{AuditLine, AuditPage, OperatorLogin, OperatorRoleName, OperatorView};
use rally_state::State;
use rally_store::{NewAuditEntry, NewOperator, Operator, OperatorRole, Store, StoreError, new_id};
use uuid::Uuid;

use crate::{
    accounts::{ban, limit, login::dummy_hash, password::Hasher, scoped_token::ScopedTokenError},
    settings::AccountSettings,
};

pub use crate::accounts::scoped_token::ScopedTokens as OperatorTokens;
pub use error::OperatorError;

/// How long an operator token lives: a working session, then log in again.
pub const OPERATOR_TOKEN_TTL: std::time::Duration = std::time::Duration::from_secs(15 * 60);
pub use totp::Totp;

/// The longest name read at login; longer is simply a wrong name.
const MAX_NAME_LEN: usize = 32;
/// Operators' passwords: longer than players' least, as staff accounts reach every player.
const PASSWORD_CHARS: std::ops::RangeInclusive<usize> = 12..=128;
/// The most audit lines one page holds.
pub const AUDIT_PAGE_MAX: i64 = 200;

/// The operators service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Operators {
    store: Store,
    state: State,
    hasher: Hasher,
    tokens: Arc<OperatorTokens>,
    settings: AccountSettings,
}

/// `text` trimmed, if it is 1 to [`ban::MAX_REASON_LEN`] characters: the reasons operators
/// give (for a sanction, a lift, a resolution, a decision) and that the audit log keeps.
pub(crate) fn checked_reason<'a>(
    field: &'static str,
    text: &'a str,
) -> Result<&'a str, OperatorError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > ban::MAX_REASON_LEN {
        return Err(OperatorError::Invalid {
            field,
            reason: format!("1 to {} characters", ban::MAX_REASON_LEN),
        });
    }
    Ok(text)
}

/// Who did something, as the audit log records it: an operator, or the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The operator, when one acted.
    pub operator_id: Option<Uuid>,
    /// Their name, or `cli`.
    pub name: String,
}

impl Actor {
    /// The command line on the server itself.
    pub fn cli() -> Self {
        Self {
            operator_id: None,
            name: "cli".to_owned(),
        }
    }

    /// The audit line of this actor doing `action` to `target`, for `reason`, with `detail`.
    pub fn did(
        &self,
        action: &str,
        target: Option<String>,
        reason: Option<String>,
        detail: serde_json::Value,
    ) -> NewAuditEntry {
        NewAuditEntry {
            operator_id: self.operator_id,
            actor: self.name.clone(),
            action: action.to_owned(),
            target,
            reason,
            detail,
        }
    }
}

/// An operator a request is authenticated as, as stored now.
#[derive(Debug, Clone)]
pub struct Acting {
    /// Who.
    pub operator: Operator,
}

impl Acting {
    /// The operator, as the audit log records them.
    pub fn actor(&self) -> Actor {
        Actor {
            operator_id: Some(self.operator.id),
            name: self.operator.name.clone(),
        }
    }

    /// Refused unless the operator's role is at least `least`.
    pub fn require(&self, least: OperatorRoleName) -> Result<(), OperatorError> {
        if role_name(self.operator.role) >= least {
            Ok(())
        } else {
            Err(OperatorError::Forbidden(match least {
                OperatorRoleName::Admin => "admin",
                OperatorRoleName::Moderator => "moderator",
                OperatorRoleName::Viewer => "viewer",
            }))
        }
    }
}

impl Operators {
    /// The service over these parts.
    pub fn new(
        store: Store,
        state: State,
        hasher: Hasher,
        tokens: OperatorTokens,
        settings: AccountSettings,
    ) -> Self {
        Self {
            store,
            state,
            hasher,
            tokens: Arc::new(tokens),
            settings,
        }
    }

    /// The operator of a bearer token, if the token verifies and they are not disabled.
    pub async fn authenticate(&self, token: &str) -> Result<Acting, OperatorError> {
        let id = self.tokens.verify(token).map_err(|error| match error {
            ScopedTokenError::Invalid => OperatorError::InvalidToken,
            ScopedTokenError::Expired => OperatorError::TokenExpired,
        })?;
        match self.store.operator(id).await {
            Ok(operator) if operator.disabled_at.is_none() => Ok(Acting { operator }),
            Ok(_) | Err(StoreError::NotFound) => Err(OperatorError::InvalidToken),
            Err(error) => Err(error.into()),
        }
    }
}

/// Adds an operator, with a second factor when `totp` is given, recorded in the audit log as
/// done by `actor` (`cli` from the command line). The password is hashed here; it is never
/// stored or logged as given.
pub async fn add(
    store: &Store,
    hasher: &Hasher,
    name: &str,
    role: OperatorRole,
    password: String,
    totp: Option<&Totp>,
    by: &Actor,
) -> Result<Operator, OperatorError> {
    let name = name.trim();
    let name_ok = (3..=MAX_NAME_LEN).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !name_ok {
        return Err(OperatorError::Invalid {
            field: "name",
            reason: "3 to 32 letters, digits, `_`, `-` or `.`".to_owned(),
        });
    }
    if !PASSWORD_CHARS.contains(&password.chars().count()) {
        return Err(OperatorError::Invalid {
            field: "password",
            reason: "12 to 128 characters".to_owned(),
        });
    }
    let password_hash = hasher.hash(password).await?;
    let new = NewOperator {
        id: new_id(),
        name: name.to_owned(),
        role,
        password_hash,
        totp_secret: totp.map(Totp::to_base32),
    };
    let operator = match store.create_operator(&new).await {
        Ok(operator) => operator,
        Err(StoreError::Conflict { .. }) => return Err(OperatorError::NameTaken),
        Err(error) => return Err(error.into()),
    };
    let detail = serde_json::json!({
        "operator_id": operator.id,
        "role": role.as_str(),
        "totp": totp.is_some(),
    });
    store
        .audit(&by.did("operator.add", Some(operator.name.clone()), None, detail))
        .await?;
    Ok(operator)
}

/// The operator named `name`, for the command line.
async fn named(store: &Store, name: &str) -> Result<Operator, OperatorError> {
    match store.operator_by_name(name).await {
        Ok(operator) => Ok(operator),
        Err(StoreError::NotFound) => Err(OperatorError::Invalid {
            field: "name",
            reason: format!("no operator is named {name}"),
        }),
        Err(error) => Err(error.into()),
    }
}

/// Gives the operator named `name` a new second factor (replacing any they had); the secret,
/// to show them once as an `otpauth://` URI.
pub async fn enrol_totp(store: &Store, name: &str, by: &Actor) -> Result<Totp, OperatorError> {
    let operator = named(store, name).await?;
    let totp = Totp::generate();
    store
        .set_operator_totp(operator.id, Some(&totp.to_base32()))
        .await?;
    let detail = serde_json::json!({ "operator_id": operator.id });
    store
        .audit(&by.did("operator.totp", Some(operator.name.clone()), None, detail))
        .await?;
    Ok(totp)
}

/// Disables the operator named `name` (they may no longer log in, and their tokens stop
/// working at once); whether they were enabled until now.
pub async fn disable(store: &Store, name: &str, by: &Actor) -> Result<bool, OperatorError> {
    let operator = named(store, name).await?;
    let disabled = store.disable_operator(operator.id).await?;
    if disabled {
        let detail = serde_json::json!({ "operator_id": operator.id });
        store
            .audit(&by.did(
                "operator.disable",
                Some(operator.name.clone()),
                None,
                detail,
            ))
            .await?;
    }
    Ok(disabled)
}

/// How long the last step of an operator's accepted code is kept: past it, the step is too old
/// to be accepted anyway.
const TOTP_USED_TTL: std::time::Duration = std::time::Duration::from_secs(120);

/// Checks an operator's name and password (and their one-time code, when they have a second
/// factor), from a client at `address`, and issues their token.
pub async fn login(
    operators: &Operators,
    name: &str,
    password: String,
    totp: Option<&str>,
    address: IpAddr,
) -> Result<OperatorLogin, OperatorError> {
    let state = &operators.state;
    let settings = &operators.settings;
    limit::check(
        state,
        &format!("limit:operator-login:{address}"),
        settings.login_quota(),
    )
    .await
    .map_err(rate_limited)?;
    let too_long =
        name.chars().count() > MAX_NAME_LEN || password.chars().count() > *PASSWORD_CHARS.end();
    let subject = if too_long {
        "operator:-".to_owned()
    } else {
        format!("operator:{}", name.to_lowercase())
    };
    limit::check_login_lock(state, &subject)
        .await
        .map_err(rate_limited)?;
    let found = if too_long || name.is_empty() {
        None
    } else {
        match operators.store.operator_by_name(name).await {
            Ok(operator) => Some(operator),
            Err(StoreError::NotFound) => None,
            Err(error) => return Err(error.into()),
        }
    };
    let hash = match &found {
        Some(operator) => operator.password_hash.clone(),
        None => dummy_hash(&operators.hasher).await?.to_owned(),
    };
    let matches = operators.hasher.verify(password, hash).await?;
    let Some(operator) = found.filter(|o| matches && !too_long && o.disabled_at.is_none()) else {
        limit::record_login_failure(state, &subject, settings.login_failure_quota())
            .await
            .map_err(rate_limited)?;
        return Err(OperatorError::InvalidCredentials);
    };
    if let Some(secret) = &operator.totp_secret {
        let Some(code) = totp else {
            return Err(OperatorError::TotpRequired);
        };
        if !second_factor(operators, &operator, secret, code).await? {
            limit::record_login_failure(state, &subject, settings.login_failure_quota())
                .await
                .map_err(rate_limited)?;
            return Err(OperatorError::InvalidCredentials);
        }
    }
    let by = Acting {
        operator: operator.clone(),
    }
    .actor();
    let detail = serde_json::json!({ "address": address.to_string() });
    operators
        .store
        .audit(&by.did("operator.login", None, None, detail))
        .await?;
    tracing::info!(operator.id = %operator.id, "operator logged in");
    Ok(OperatorLogin {
        access_token: operators.tokens.issue(operator.id)?,
        token_type: "Bearer".to_owned(),
        expires_in: OPERATOR_TOKEN_TTL.as_secs(),
        operator: view(&operator),
    })
}

/// Whether `code` is the operator's one-time code now, of a step later than the last one used;
/// the step it was made in is claimed (in the state backend, first come first served) and kept
/// as the last used, so neither it nor an earlier one is accepted again.
async fn second_factor(
    operators: &Operators,
    operator: &Operator,
    secret: &str,
    code: &str,
) -> Result<bool, OperatorError> {
    let Some(totp) = Totp::from_base32(secret) else {
        tracing::warn!(operator.id = %operator.id, "an operator's TOTP secret does not read");
        return Ok(false);
    };
    let key = format!("operator-totp:{}", operator.id);
    let used = operators
        .state
        .get(&key)
        .await?
        .and_then(|v| String::from_utf8(v).ok())
        .and_then(|v| v.parse::<u64>().ok());
    let now = u64::try_from(operators.store.now().unix_millis() / 1000).unwrap_or(0);
    let Some(step) = totp.accepts(code, now, used) else {
        return Ok(false);
    };
    // Two logins racing with one code: the first to claim its step wins.
    let claim = format!("{key}:{step}");
    if !operators
        .state
        .set_if_absent(&claim, b"1", TOTP_USED_TTL)
        .await?
    {
        return Ok(false);
    }
    operators
        .state
        .set_with_ttl(&key, step.to_string().as_bytes(), TOTP_USED_TTL)
        .await?;
    Ok(true)
}

/// Up to `limit` audit lines, newest first, older than `before` when given.
pub async fn audit_log(
    operators: &Operators,
    before: Option<Uuid>,
    limit: i64,
) -> Result<AuditPage, OperatorError> {
    let limit = limit.clamp(1, AUDIT_PAGE_MAX);
    let lines = operators.store.audit_log(before, limit).await?;
    let next_before = lines
        .last()
        .filter(|_| i64::try_from(lines.len()).unwrap_or(i64::MAX) == limit)
        .map(|l| l.id);
    Ok(AuditPage {
        lines: lines
            .into_iter()
            .map(|l| AuditLine {
                id: l.id,
                operator_id: l.operator_id,
                actor: l.actor,
                action: l.action,
                target: l.target,
                reason: l.reason,
                detail: l.detail,
                at: l.at.to_offset_date_time(),
            })
            .collect(),
        next_before,
    })
}

/// An operator as the admin API shows them.
pub fn view(operator: &Operator) -> OperatorView {
    OperatorView {
        id: operator.id,
        name: operator.name.clone(),
        role: role_name(operator.role),
        created_at: operator.created_at.to_offset_date_time(),
    }
}

fn role_name(role: OperatorRole) -> OperatorRoleName {
    match role {
        OperatorRole::Admin => OperatorRoleName::Admin,
        OperatorRole::Moderator => OperatorRoleName::Moderator,
        OperatorRole::Viewer => OperatorRoleName::Viewer,
    }
}

/// A limiter's refusal, as the operators service says it.
fn rate_limited(error: crate::accounts::AccountsError) -> OperatorError {
    match error {
        crate::accounts::AccountsError::RateLimited { retry_after } => {
            OperatorError::RateLimited { retry_after }
        }
        crate::accounts::AccountsError::State(error) => OperatorError::State(error),
        other => OperatorError::Other(anyhow::anyhow!(other.to_string())),
    }
}
