//! Leaderboard reads run alongside their player's admission (one round trip to Redis for
//! both), yet a refused player gets the refusal, never the read, whatever the read answered
//! (here, with no season started, `season_not_found`).

use crate::accounts::{on_both_backends, problem, register, token};

const BOARD: &str = "/v1/leaderboard/current?mode=duel";
const AROUND_ME: &str = "/v1/leaderboard/current/me?mode=duel";

on_both_backends! {
    async fn a_banned_player_is_refused_the_leaderboard_not_told_what_the_read_found(backend: Backend) {
        let app = backend.spawn(&[]).await;
        let auth = register(&app, "banned_reader").await;
        let id: uuid::Uuid = auth["player"]["id"].as_str().unwrap().parse().unwrap();
        let access = token(&auth, "access_token");
        for path in [BOARD, AROUND_ME] {
            let read = app.call("GET", path, None, Some(&access)).await;
            assert_eq!(problem(&read), (404, "season_not_found".to_owned()), "{path}");
        }

        rally_server::accounts::profile::set_status(app.state().accounts(), id, rally_store::PlayerStatus::Banned)
            .await
            .unwrap();
        for path in [BOARD, AROUND_ME] {
            let refused = app.call("GET", path, None, Some(&access)).await;
            assert_eq!(problem(&refused), (403, "account_banned".to_owned()), "{path}");
        }
    }

    async fn a_player_over_the_api_budget_is_refused_the_leaderboard(backend: Backend) {
        let app = backend.spawn(&[("api_limit_per_minute", "2")]).await;
        let access = token(&register(&app, "eager_reader").await, "access_token");
        for path in [BOARD, AROUND_ME] {
            let read = app.call("GET", path, None, Some(&access)).await;
            assert_eq!(problem(&read).1, "season_not_found", "{path}");
        }
        for path in [BOARD, AROUND_ME] {
            let refused = app.call("GET", path, None, Some(&access)).await;
            assert_eq!(problem(&refused), (429, "rate_limited".to_owned()), "{path}");
            assert!(refused.headers.contains_key("retry-after"), "{path}");
        }
    }
}
