//! Sorted sets in leaderboard order.

use rally_state::{Ranked, State, StateError};

use crate::conformance;

conformance!(
    ranks_put_the_highest_score_first_and_break_ties_by_member,
    range_by_rank_is_inclusive_and_cut_at_the_end,
    around_gives_the_neighbours_of_a_member_clamped_at_the_top,
    rescoring_and_removing_members_updates_ranks,
    a_nan_score_is_refused_and_negative_zero_equals_zero,
);

fn names(ranked: &[Ranked]) -> Vec<(u64, &str, f64)> {
    ranked
        .iter()
        .map(|r| (r.rank, r.member.as_str(), r.score))
        .collect()
}

/// b, c, e tie on 20 and are ordered by member; then a (10), then d (5).
async fn ladder(state: &State) {
    for (member, score) in [
        ("a", 10.0),
        ("b", 20.0),
        ("c", 20.0),
        ("d", 5.0),
        ("e", 20.0),
    ] {
        assert!(state.zadd("ladder", member, score).await.unwrap());
    }
}

async fn ranks_put_the_highest_score_first_and_break_ties_by_member(state: &State) {
    ladder(state).await;
    let mut ranks = Vec::new();
    for member in ["b", "c", "e", "a", "d"] {
        ranks.push(state.rank("ladder", member).await.unwrap());
    }
    assert_eq!(ranks, vec![Some(0), Some(1), Some(2), Some(3), Some(4)]);
    assert_eq!(state.rank("ladder", "nobody").await.unwrap(), None);
    assert_eq!(state.rank("no-such-set", "a").await.unwrap(), None);
    assert_eq!(state.card("ladder").await.unwrap(), 5);
    assert_eq!(state.card("no-such-set").await.unwrap(), 0);
    assert_eq!(state.zscore("ladder", "c").await.unwrap(), Some(20.0));
    assert_eq!(state.zscore("ladder", "nobody").await.unwrap(), None);
}

async fn range_by_rank_is_inclusive_and_cut_at_the_end(state: &State) {
    ladder(state).await;
    let all = state.range_by_rank("ladder", 0, u64::MAX).await.unwrap();
    assert_eq!(
        names(&all),
        vec![
            (0, "b", 20.0),
            (1, "c", 20.0),
            (2, "e", 20.0),
            (3, "a", 10.0),
            (4, "d", 5.0)
        ]
    );
    let middle = state.range_by_rank("ladder", 1, 3).await.unwrap();
    assert_eq!(
        names(&middle),
        vec![(1, "c", 20.0), (2, "e", 20.0), (3, "a", 10.0)]
    );
    assert_eq!(
        names(&state.range_by_rank("ladder", 4, 9).await.unwrap()),
        vec![(4, "d", 5.0)]
    );
    assert!(
        state
            .range_by_rank("ladder", 5, 9)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        state
            .range_by_rank("ladder", 3, 1)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        state
            .range_by_rank("no-such-set", 0, 9)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn around_gives_the_neighbours_of_a_member_clamped_at_the_top(state: &State) {
    ladder(state).await;
    let near_a = state.around("ladder", "a", 1).await.unwrap();
    assert_eq!(
        names(&near_a),
        vec![(2, "e", 20.0), (3, "a", 10.0), (4, "d", 5.0)]
    );
    let near_c = state.around("ladder", "c", 2).await.unwrap();
    assert_eq!(
        names(&near_c),
        vec![
            (0, "b", 20.0),
            (1, "c", 20.0),
            (2, "e", 20.0),
            (3, "a", 10.0)
        ]
    );
    let just_b = state.around("ladder", "b", 0).await.unwrap();
    assert_eq!(names(&just_b), vec![(0, "b", 20.0)]);
    assert_eq!(
        state.around("ladder", "d", u64::MAX).await.unwrap().len(),
        5
    );
    assert!(
        state
            .around("ladder", "nobody", 3)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        state
            .around("no-such-set", "a", 3)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn rescoring_and_removing_members_updates_ranks(state: &State) {
    ladder(state).await;
    assert!(!state.zadd("ladder", "d", 30.0).await.unwrap());
    assert_eq!(state.rank("ladder", "d").await.unwrap(), Some(0));
    assert_eq!(state.card("ladder").await.unwrap(), 5);
    assert!(state.zrem("ladder", "b").await.unwrap());
    assert!(!state.zrem("ladder", "b").await.unwrap());
    assert_eq!(state.rank("ladder", "c").await.unwrap(), Some(1));
    assert_eq!(state.card("ladder").await.unwrap(), 4);
    assert!(state.clear_set("ladder").await.unwrap());
    assert!(!state.clear_set("ladder").await.unwrap());
    assert_eq!(state.card("ladder").await.unwrap(), 0);
}

async fn a_nan_score_is_refused_and_negative_zero_equals_zero(state: &State) {
    assert!(matches!(
        state.zadd("s", "m", f64::NAN).await,
        Err(StateError::InvalidArgument(_))
    ));
    state.zadd("s", "b", -0.0).await.unwrap();
    state.zadd("s", "a", 0.0).await.unwrap();
    state.zadd("s", "c", -1.5).await.unwrap();
    state.zadd("s", "z", f64::INFINITY).await.unwrap();
    let all = state.range_by_rank("s", 0, 10).await.unwrap();
    assert_eq!(
        names(&all),
        vec![
            (0, "z", f64::INFINITY),
            (1, "a", 0.0),
            (2, "b", 0.0),
            (3, "c", -1.5)
        ]
    );
    assert!(all[2].score.is_sign_positive());
}
