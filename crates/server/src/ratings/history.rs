//! Match history (newest first, keyset pages with an opaque cursor) and one match's public view.

use std::collections::HashMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rally_protocol::rating::{HistoryEntry, HistoryPage, MatchParticipant, MatchSummary};
use rally_store::{MatchRecord, Participant, StoreError, Timestamp};
use uuid::Uuid;

use super::{Ratings, RatingsError};

/// The most entries a page holds.
pub const MAX_PAGE: u32 = 100;

/// Filters of a history request.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this queue.
    pub mode: Option<String>,
    /// Only this season.
    pub season_id: Option<Uuid>,
}

/// `record` and its `participants` as anyone may see them, with their `names`.
fn summary_of(
    record: &MatchRecord,
    participants: &[Participant],
    names: &HashMap<Uuid, String>,
) -> MatchSummary {
    MatchSummary {
        id: record.id,
        mode: record.mode.clone(),
        region: record.region.clone(),
        season_id: record.season_id,
        state: record.state.as_str().to_owned(),
        created_at: record.created_at.to_offset_date_time(),
        duration_s: record
            .result
            .as_ref()
            .and_then(|r| r.get("duration_s"))
            .and_then(serde_json::Value::as_f64),
        // The matchmaker keeps both in the match's `quality` column.
        win_probabilities: record
            .quality
            .get("win_probabilities")
            .and_then(|p| serde_json::from_value(p.clone()).ok()),
        quality: record
            .quality
            .get("quality")
            .and_then(|q| serde_json::from_value(q.clone()).ok()),
        participants: participants
            .iter()
            .map(|p| MatchParticipant {
                player_id: p.player_id,
                display_name: names.get(&p.player_id).cloned().unwrap_or_default(),
                team: p.team,
                party_id: p.party_id,
                outcome: p.outcome.map(|o| o.as_str().to_owned()),
                placement: p.placement,
                rating_before: p.rating_mean_before,
                rating_after: p.rating_mean_after,
                uncertainty_before: p.rating_uncertainty_before,
                uncertainty_after: p.rating_uncertainty_after,
                volatility_before: p.rating_volatility_before,
                volatility_after: p.rating_volatility_after,
            })
            .collect(),
    }
}

fn encode(at: Timestamp, match_id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{match_id}", at.unix_millis()))
}

fn decode(cursor: &str) -> Result<(Timestamp, Uuid), RatingsError> {
    let bad = || RatingsError::BadCursor;
    let text = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(text).map_err(|_| bad())?;
    let (millis, id) = text.split_once(':').ok_or_else(bad)?;
    let millis: i64 = millis.parse().map_err(|_| bad())?;
    // Years 1970 to 9999: what the store's times can be.
    if !(0..=253_402_300_799_999).contains(&millis) {
        return Err(bad());
    }
    Ok((
        Timestamp::from_unix_millis(millis),
        id.parse().map_err(|_| bad())?,
    ))
}

impl Ratings {
    /// One match as anyone may see it.
    pub async fn summary(
        &self,
        record: &MatchRecord,
        participants: &[Participant],
    ) -> Result<MatchSummary, RatingsError> {
        let ids: Vec<Uuid> = participants.iter().map(|p| p.player_id).collect();
        let names = self.recent.names(&self.store, &ids).await?;
        Ok(summary_of(record, participants, &names))
    }

    /// `GET /v1/matches/{match_id}`.
    pub async fn one(&self, match_id: Uuid) -> Result<MatchSummary, RatingsError> {
        let store = &self.store;
        let record = match store.match_record(match_id).await {
            Ok(record) => record,
            Err(StoreError::NotFound) => return Err(RatingsError::MatchNotFound),
            Err(error) => return Err(error.into()),
        };
        let participants = store.match_participants(match_id).await?;
        self.summary(&record, &participants).await
    }

    /// A page of `player_id`'s history after `cursor`. Filters apply within the page, so a
    /// filtered page may hold fewer than `limit` entries; follow `next_cursor` to the end.
    pub async fn history(
        &self,
        player_id: Uuid,
        cursor: Option<&str>,
        limit: u32,
        filter: &Filter,
    ) -> Result<HistoryPage, RatingsError> {
        let store = &self.store;
        let before = cursor.map(decode).transpose()?;
        let limit = limit.clamp(1, MAX_PAGE);
        let rows = store
            .player_history(player_id, before, i64::from(limit))
            .await?;
        let next_cursor = (rows.len() == limit as usize)
            .then(|| {
                rows.last()
                    .map(|last| encode(last.played_at, last.match_id))
            })
            .flatten();
        // Four queries a page, whatever its length: the rows, their matches, every
        // participant of those, and every participant's name.
        let ids: Vec<Uuid> = rows.iter().map(|row| row.match_id).collect();
        let records: HashMap<Uuid, MatchRecord> = store
            .match_records(&ids)
            .await?
            .into_iter()
            .map(|record| (record.id, record))
            .collect();
        let mut participants: HashMap<Uuid, Vec<Participant>> = HashMap::new();
        for p in store.participants_of(&ids).await? {
            participants.entry(p.match_id).or_default().push(p);
        }
        let players: Vec<Uuid> = participants
            .values()
            .flatten()
            .map(|p| p.player_id)
            .collect();
        let names = self.recent.names(store, &players).await?;
        let mut entries = Vec::with_capacity(rows.len());
        for row in rows {
            let Some(record) = records.get(&row.match_id) else {
                continue;
            };
            if filter.mode.as_ref().is_some_and(|m| *m != record.mode)
                || filter
                    .season_id
                    .is_some_and(|s| Some(s) != record.season_id)
            {
                continue;
            }
            let players = participants
                .get(&row.match_id)
                .map_or(&[][..], Vec::as_slice);
            entries.push(HistoryEntry {
                summary: summary_of(record, players, &names),
                team: row.team,
                outcome: row.outcome.map(|o| o.as_str().to_owned()),
                rating_change: row
                    .rating_mean_after
                    .map(|after| after - row.rating_mean_before),
            });
        }
        Ok(HistoryPage {
            entries,
            next_cursor,
        })
    }
}
