//! Password login. An unknown account and a wrong password get the same answer after the same
//! work: when the account does not exist the password is checked against a fixed dummy hash
//! with the same argon2 parameters, so timing tells nothing (OWASP authentication cheat sheet,
//! "authentication responses"). Failures count per account (or per login text when there is no
//! account) and lock it out for a while once they exceed `login_failure_limit`.

use std::net::IpAddr;

use rally_protocol::{AuthResponse, LoginRequest};
use tokio::sync::OnceCell;

use super::{Accounts, AccountsError, AppealToken, limit, password::Hasher, session, status};
use rally_store::PlayerStatus;

/// The longest login text read (the longest email); longer is simply a wrong login.
const MAX_LOGIN_LEN: usize = 254;
/// The longest password hashed; longer is a wrong password (no account can have one).
const MAX_PASSWORD_LEN: usize = 128;

/// A hash of a password nobody has, made once with the same parameters as real ones (for
/// operators' logins too).
pub(crate) async fn dummy_hash(hasher: &Hasher) -> anyhow::Result<&'static str> {
    static DUMMY: OnceCell<String> = OnceCell::const_new();
    DUMMY
        .get_or_try_init(|| hasher.hash("rally-dummy-password-for-timing".to_owned()))
        .await
        .map(String::as_str)
}

/// Checks the credentials and starts a login, for a client at `address` (attempts per address
/// are rate-limited).
pub async fn login(
    accounts: &Accounts,
    request: LoginRequest,
    address: IpAddr,
) -> Result<AuthResponse, AccountsError> {
    accounts.admit_login(address).await?;
    let store = &accounts.store;
    let state = &accounts.state;
    let too_long = request.login.chars().count() > MAX_LOGIN_LEN
        || request.password.chars().count() > MAX_PASSWORD_LEN;
    // Over-long text is never a login: count it under one key rather than a huge one.
    let login_text = if too_long {
        "-".to_owned()
    } else {
        request.login.to_lowercase()
    };
    let credentials = if too_long || login_text.is_empty() {
        None
    } else {
        store.find_credentials_by_login(&request.login).await?
    };
    let subject = credentials.as_ref().map_or_else(
        || format!("login:{login_text}"),
        |c| format!("player:{}", c.player.id),
    );
    limit::check_login_lock(state, &subject).await?;

    let hash = match &credentials {
        Some(c) => c.password_hash.clone(),
        None => dummy_hash(&accounts.hasher).await?.to_owned(),
    };
    let matches = accounts.hasher.verify(request.password, hash).await?;
    let Some(credentials) = credentials.filter(|_| matches && !too_long) else {
        let quota = accounts.settings.login_failure_quota();
        limit::record_login_failure(state, &subject, quota).await?;
        return Err(AccountsError::InvalidCredentials);
    };
    let player = &credentials.player;
    let status = status::current(store, player.id, player.status).await?;
    if status == PlayerStatus::Banned {
        let token = accounts.appeal_tokens.issue(player.id)?;
        return Err(AccountsError::BannedAtLogin {
            appeal_token: AppealToken(token),
        });
    }
    status::refuse_inactive(status)?;

    // The password check is paid for: the login's write waits its turn at the store rather
    // than being refused and making the player pay for another.
    let answer = rally_store::unsheddable(async {
        let mut tx = store.begin().await?;
        let answer = session::start(accounts, &mut tx, player).await?;
        tx.commit().await?;
        Ok::<_, AccountsError>(answer)
    })
    .await?;
    tracing::info!(player.id = %credentials.player.id, "player logged in");
    Ok(answer)
}
