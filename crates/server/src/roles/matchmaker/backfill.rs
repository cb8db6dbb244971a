//! The matchmaker's side of backfill: open requests of the owned queues followed from the store
//! like tickets, fed to the engine with the match's teams as they are, and a served request
//! written in one fenced transaction with the tickets joining the running match and
//! `session.ready` for the new players.

use rally_engine::{
    BackfillFill, BackfillId, BackfillRequest, Mode, PlayerId, Rating, Region, Separation, TicketId,
};
use rally_protocol::event::{Event, SessionReady};
use rally_store::{Backfill, BackfillState, NewParticipant, StoreError};
use uuid::Uuid;

use super::{Known, MatchmakerRole, WriteFailure, bucket::Bucket, claim_tickets};
use crate::{bus, matchmaking::engine_millis};

impl MatchmakerRole {
    /// Applies the queue's backfill requests changed since its cursor (read an [`OVERLAP`]
    /// back, with the tickets' reads): open ones enter the engine, the others leave it.
    ///
    /// [`OVERLAP`]: super::OVERLAP
    pub(super) async fn apply_backfills(&mut self, mode: Mode, changed: &[Backfill]) {
        let Some(owned) = self.owned.get(&mode) else {
            return;
        };
        let mut cursor = owned.backfill_cursor;
        for backfill in changed {
            cursor = cursor.max(backfill.updated_at);
            let id = BackfillId(backfill.id.as_u128());
            if backfill.state == BackfillState::Open {
                self.admit_backfill(mode, backfill).await;
            } else if self.backfills.remove(&id).is_some() {
                self.engine.cancel_backfill(id);
            }
        }
        if let Some(owned) = self.owned.get_mut(&mode) {
            owned.backfill_cursor = cursor;
        }
    }

    /// Feeds an open backfill request to the engine (once): the match's teams as they are,
    /// without the players it replaces.
    pub(super) async fn admit_backfill(&mut self, mode: Mode, backfill: &Backfill) {
        let id = BackfillId(backfill.id.as_u128());
        if self.backfills.contains_key(&id) {
            return;
        }
        // The request belongs to the bucket of its match's region.
        let Ok(region) = Region::new(&backfill.region) else {
            return;
        };
        let bucket = Bucket::new(mode, region);
        if self.epoch(bucket).is_none() {
            return;
        }
        let Some((_, config)) = self.queues.get(mode.as_str()) else {
            return;
        };
        let participants = match self.store.match_participants(backfill.match_id).await {
            Ok(participants) => participants,
            Err(error) => {
                tracing::warn!(error = %error, "cannot read a backfill's match");
                return;
            }
        };
        let replacing: Vec<Uuid> =
            serde_json::from_value(backfill.replacing.clone()).unwrap_or_default();
        let team_count = participants
            .iter()
            .map(|p| p.team)
            .max()
            .map_or(0, |t| t + 1);
        let teams: Vec<Vec<Rating>> = (0..team_count)
            .map(|team| {
                participants
                    .iter()
                    .filter(|p| p.team == team && !replacing.contains(&p.player_id))
                    .map(|p| Rating::new(p.rating_mean_before, p.rating_uncertainty_before))
                    .collect()
            })
            .collect();
        // Kept apart from the players staying in the match (in the receiving team only, for a
        // queue that separates blocked players by team).
        let staying: Vec<Uuid> = participants
            .iter()
            .filter(|p| !replacing.contains(&p.player_id))
            .filter(|p| config.separation == Separation::Match || p.team == backfill.team)
            .map(|p| p.player_id)
            .collect();
        let avoid = match self.store.avoided_by(&staying).await {
            Ok(avoid) => avoid,
            Err(error) => {
                tracing::warn!(error = %error, "cannot read the blocks of a backfill's match");
                return;
            }
        };
        let role_names: Vec<String> =
            serde_json::from_value(backfill.roles.clone()).unwrap_or_default();
        let roles = role_names
            .iter()
            .filter_map(|name| crate::matchmaking::queues::role_id(config, name))
            .collect();
        let request = BackfillRequest {
            id,
            mode,
            region,
            team: u16::try_from(backfill.team).unwrap_or(u16::MAX),
            slots: u16::try_from(backfill.slots).unwrap_or(u16::MAX),
            roles,
            teams,
            avoid: avoid.iter().map(|p| PlayerId(p.as_u128())).collect(),
        };
        match self
            .engine
            .request_backfill(request, engine_millis(self.now()))
        {
            Ok(()) => {
                self.backfills.insert(id, (bucket, backfill.match_id));
            }
            Err(error) => {
                tracing::warn!(error = %error, backfill = %backfill.id, "the engine refused a backfill request")
            }
        }
    }

    /// Writes a served backfill: the tickets join the running match, the request is filled,
    /// and the new players get `session.ready`.
    pub(super) async fn write_fill(&mut self, fill: BackfillFill) {
        let mode = fill.mode;
        let Some((bucket, match_id)) = self.backfills.remove(&fill.request) else {
            return;
        };
        let tickets: Vec<Known> = fill
            .tickets
            .iter()
            .filter_map(|id| self.known.get(id).cloned())
            .collect();
        // Fenced by the request's bucket and each of its tickets'. A bucket let go since the
        // tick (its tickets left the engine with it): the rest go back, and the request too
        // while its bucket is still this node's.
        let fences = self
            .fences(&tickets)
            .filter(|_| tickets.len() == fill.tickets.len())
            .zip(self.epoch(bucket))
            .map(|(mut fences, epoch)| {
                if !fences.iter().any(|(b, _)| *b == bucket) {
                    fences.push((bucket, epoch));
                }
                fences
            });
        let Some(fences) = fences else {
            self.requeue(&tickets).await;
            self.readmit_backfill(bucket, fill.request).await;
            return;
        };
        let result = self.store_fill(&fences, match_id, &fill, &tickets).await;
        match result {
            Ok(()) => {
                for known in &tickets {
                    self.known.remove(&TicketId(known.id.as_u128()));
                }
                metrics::counter!("rally_backfills_filled_total", "mode" => mode.as_str().to_owned()).increment(1);
            }
            Err(failure) => {
                match failure {
                    WriteFailure::Fenced(fenced) => {
                        self.drop_bucket(fenced, "a newer owner wrote");
                    }
                    WriteFailure::TicketGone => {}
                    WriteFailure::Store(error) => {
                        tracing::warn!(error = %error, "cannot write a backfill; its tickets go back");
                    }
                }
                // The tickets still searching go back, and the request while it is still open
                // (withdrawn or filled meanwhile, it is not).
                self.requeue(&tickets).await;
                self.readmit_backfill(bucket, fill.request).await;
            }
        }
    }

    /// Feeds a served request whose write did not happen to the engine again, if it is still
    /// open and its bucket still this node's.
    async fn readmit_backfill(&mut self, bucket: Bucket, request: BackfillId) {
        if self.epoch(bucket).is_none() {
            return;
        }
        match self.store.open_backfills(bucket.mode.as_str()).await {
            Ok(open) => {
                if let Some(backfill) = open.iter().find(|b| BackfillId(b.id.as_u128()) == request)
                {
                    self.admit_backfill(bucket.mode, backfill).await;
                }
            }
            // Read again at the next takeover of its bucket.
            Err(error) => tracing::warn!(error = %error, "cannot read a backfill request again"),
        }
    }

    async fn store_fill(
        &self,
        fences: &[(Bucket, u64)],
        match_id: Uuid,
        fill: &BackfillFill,
        tickets: &[Known],
    ) -> Result<(), WriteFailure> {
        let store = &self.store;
        let endpoint = store.session(match_id).await?.endpoint;
        let mut tx = store.begin().await?;
        let mut fences = fences.to_vec();
        fences.sort_unstable();
        for (bucket, fence) in fences {
            match tx.fence_queue(&bucket.fence_name(), fence).await {
                Err(StoreError::Fenced { .. }) => return Err(WriteFailure::Fenced(bucket)),
                other => other?,
            }
        }
        if !tx.fill_backfill(Uuid::from_u128(fill.request.0)).await? {
            // Withdrawn meanwhile: the tickets go back.
            return Err(WriteFailure::TicketGone);
        }
        claim_tickets(&mut tx, tickets, match_id).await?;
        let participants: Vec<NewParticipant> = fill
            .players
            .iter()
            .map(|placement| NewParticipant {
                player_id: Uuid::from_u128(placement.player.0),
                team: i32::from(fill.team),
                party_id: self.known.get(&placement.ticket).and_then(|k| k.party_id),
                rating_mean_before: placement.rating.mu,
                rating_uncertainty_before: placement.rating.sigma.max(1e-9),
                rating_mean_after: None,
                rating_uncertainty_after: None,
                outcome: None,
            })
            .collect();
        tx.add_participants(match_id, tx.now(), &participants)
            .await?;
        if let Some(endpoint) = endpoint {
            let ready = SessionReady {
                match_id,
                endpoint,
                player_ids: participants.iter().map(|p| p.player_id).collect(),
            };
            bus::outbox::enqueue(&mut tx, match_id, Event::SessionReady(ready)).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
