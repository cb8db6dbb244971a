//! Finding players for operators: by id, or by the start of their username, email or display
//! name, in any case.

use uuid::Uuid;

use crate::error::StoreError;
use crate::player::Player;
use crate::store::Store;

const BY_PREFIX: &str = "SELECT id, username, email, display_name, region, avatar_url, status, \
     created_at, updated_at FROM players \
     WHERE lower(username) LIKE $1 ESCAPE '\\' OR lower(email) LIKE $1 ESCAPE '\\' \
        OR lower(display_name) LIKE $1 ESCAPE '\\' \
     ORDER BY lower(username) LIMIT $2";

/// `text` as a `LIKE` pattern matching what starts with it, in lower case, its own `%`, `_`
/// and `\` taken literally.
fn prefix_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 1);
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

impl Store {
    /// Up to `limit` players matching `query`: the player of that id when it is one, else those
    /// whose username, email or display name starts with it (any case), by username.
    #[tracing::instrument(name = "db.query", skip_all, fields(db.system = self.db_system(), db.operation.name = "search_players"))]
    pub async fn search_players(&self, query: &str, limit: i64) -> Result<Vec<Player>, StoreError> {
        let query = query.trim();
        if let Ok(id) = Uuid::parse_str(query) {
            return match self.player(id).await {
                Ok(player) => Ok(vec![player]),
                Err(StoreError::NotFound) => Ok(Vec::new()),
                Err(error) => Err(error),
            };
        }
        if query.is_empty() {
            return Ok(Vec::new());
        }
        let pattern = prefix_pattern(query);
        on_pool!(self, pool => {
            Ok(sqlx::query_as::<_, Player>(BY_PREFIX)
                .bind(&pattern)
                .bind(limit)
                .fetch_all(pool)
                .await?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_takes_its_wildcards_literally() {
        assert_eq!(prefix_pattern("Ada"), "ada%");
        assert_eq!(prefix_pattern("a_b%c\\"), "a\\_b\\%c\\\\%");
    }
}
