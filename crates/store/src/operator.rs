//! Operators: the studio's staff, apart from players, each with a role (`admin`, `moderator`,
//! `viewer`) and their own password. Names are unique whatever their case
//! (`operators_name_key`); an operator is disabled, never deleted, so the audit log keeps
//! naming who did what.

use uuid::Uuid;

use crate::error::StoreError;
use crate::store::Store;
use crate::timestamp::Timestamp;

text_enum! {
    /// What an operator may do.
    OperatorRole {
        /// Everything, operators and configuration included.
        Admin = "admin",
        /// Players, reports, appeals and sanctions.
        Moderator = "moderator",
        /// Reading only.
        Viewer = "viewer",
    }
}

/// An operator to add.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewOperator {
    /// Their id.
    pub id: Uuid,
    /// Their login name (3 to 32 characters).
    pub name: String,
    /// Their role.
    pub role: OperatorRole,
    /// Their password's argon2id hash (PHC string).
    pub password_hash: String,
    /// Their TOTP secret (base32), when they use a second factor.
    pub totp_secret: Option<String>,
}

/// An operator as stored.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Operator {
    /// Their id.
    pub id: Uuid,
    /// Their login name.
    pub name: String,
    /// Their role.
    pub role: OperatorRole,
    /// Their password's argon2id hash.
    pub password_hash: String,
    /// Their TOTP secret (base32), when they use a second factor.
    pub totp_secret: Option<String>,
    /// When they were added.
    pub created_at: Timestamp,
    /// When they were disabled (they may no longer log in), if they were.
    pub disabled_at: Option<Timestamp>,
}

/// The password hash and the TOTP secret never print.
impl std::fmt::Debug for Operator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Operator")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("role", &self.role)
            .field("totp", &self.totp_secret.is_some())
            .field("created_at", &self.created_at)
            .field("disabled_at", &self.disabled_at)
            .finish_non_exhaustive()
    }
}

const COLUMNS: &str = "id, name, role, password_hash, totp_secret, created_at, disabled_at";
const INSERT: &str = "INSERT INTO operators \
     (id, name, role, password_hash, totp_secret, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
     RETURNING id, name, role, password_hash, totp_secret, created_at, disabled_at";
const SET_TOTP: &str = "UPDATE operators SET totp_secret = $2 WHERE id = $1";
const DISABLE: &str = "UPDATE operators SET disabled_at = $2 \
     WHERE id = $1 AND disabled_at IS NULL";

impl Store {
    /// Adds an operator. [`StoreError::Conflict`] on `operators_name_key` when the name is
    /// taken (in any case); [`StoreError::Invalid`] on `operators_name_len`.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "create_operator"))]
    pub async fn create_operator(&self, new: &NewOperator) -> Result<Operator, StoreError> {
        let now = self.now();
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Operator>(INSERT)
                .bind(new.id)
                .bind(&new.name)
                .bind(new.role)
                .bind(&new.password_hash)
                .bind(&new.totp_secret)
                .bind(now)
                .fetch_one(pool)
                .await?)
        })
    }

    /// The operator named `name` (in any case); [`StoreError::NotFound`] for none.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "operator_by_name"))]
    pub async fn operator_by_name(&self, name: &str) -> Result<Operator, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM operators WHERE lower(name) = lower($1)");
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Operator>(sqlx::AssertSqlSafe(sql))
                .bind(name)
                .fetch_one(pool)
                .await?)
        })
    }

    /// The operator `id`; [`StoreError::NotFound`] for none.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "operator"))]
    pub async fn operator(&self, id: Uuid) -> Result<Operator, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM operators WHERE id = $1");
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Operator>(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_one(pool)
                .await?)
        })
    }

    /// Every operator, by name.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "operators"))]
    pub async fn operators(&self) -> Result<Vec<Operator>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM operators ORDER BY lower(name)");
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Operator>(sqlx::AssertSqlSafe(sql))
                .fetch_all(pool)
                .await?)
        })
    }

    /// Sets (or with `None` removes) the operator's TOTP secret; whether they exist.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "set_operator_totp"))]
    pub async fn set_operator_totp(
        &self,
        id: Uuid,
        secret: Option<&str>,
    ) -> Result<bool, StoreError> {
        on_pool!(self, pool => {
            Ok(sqlx::query(SET_TOTP)
                .bind(id)
                .bind(secret)
                .execute(pool)
                .await?
                .rows_affected()
                == 1)
        })
    }

    /// Disables the operator `id`; whether they were enabled until now.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "disable_operator"))]
    pub async fn disable_operator(&self, id: Uuid) -> Result<bool, StoreError> {
        let now = self.now();
        on_pool!(self, pool => {
            Ok(sqlx::query(DISABLE)
                .bind(id)
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected()
                == 1)
        })
    }
}
