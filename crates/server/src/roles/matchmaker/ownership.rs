//! Step 1 of a round, ownership: which buckets this node owns, taking a bucket's lease and
//! rebuilding it from the store, letting one go with its tickets, and the fences a write of
//! owned tickets is checked against.

use std::collections::{HashMap, VecDeque};

use rally_engine::BackfillId;
use rally_store::StoreError;

use super::{FULL_RESYNC, Known, MatchmakerRole, OVERLAP, Owned, OwnedBucket, bucket::Bucket};

impl MatchmakerRole {
    /// Every bucket of every queue.
    pub(super) fn buckets(&self) -> Vec<Bucket> {
        self.queues
            .iter()
            .flat_map(|(mode, config)| config.regions.iter().map(move |&r| Bucket::new(mode, r)))
            .collect()
    }

    /// The buckets this node owns.
    pub(super) fn owned_buckets(&self) -> Vec<Bucket> {
        self.owned
            .iter()
            .flat_map(|(&mode, owned)| owned.buckets.keys().map(move |&r| Bucket::new(mode, r)))
            .collect()
    }

    /// The store's epoch of an owned bucket (`None`: not owned).
    pub(super) fn epoch(&self, bucket: Bucket) -> Option<u64> {
        self.owned
            .get(&bucket.mode)?
            .buckets
            .get(&bucket.region)
            .map(|b| b.epoch)
    }

    /// The buckets `tickets` belong to, each with its epoch, once; `None` when one of them is
    /// no longer owned.
    pub(super) fn fences(&self, tickets: &[Known]) -> Option<Vec<(Bucket, u64)>> {
        let mut fences: Vec<(Bucket, u64)> = Vec::new();
        for known in tickets {
            let bucket = known.bucket();
            if !fences.iter().any(|(b, _)| *b == bucket) {
                fences.push((bucket, self.epoch(bucket)?));
            }
        }
        Some(fences)
    }

    pub(super) async fn ownership(&mut self) {
        let state = self.state.clone();
        let ttl = self.settings.matchmaker_lease();
        for bucket in self.leases.lost() {
            self.drop_bucket(bucket, "lease taken over");
        }
        let wanted: Vec<Bucket> = self
            .buckets()
            .into_iter()
            .filter(|b| self.settings.takes_region(b.region))
            .collect();
        for bucket in wanted {
            if self.epoch(bucket).is_some() {
                continue;
            }
            let sent = self.clock.elapsed();
            match state
                .acquire_lease(&bucket.lease_name(), &self.holder, ttl)
                .await
            {
                Ok(Some(lease)) => {
                    self.leases.hold(bucket, lease.fence, sent + ttl);
                    if let Err(error) = self.take_over(bucket, lease.fence).await {
                        tracing::warn!(error = %error, bucket = %bucket, "cannot rebuild the bucket; releasing it");
                        self.drop_bucket(bucket, "rebuild failed");
                    }
                }
                Ok(None) => {}
                Err(error) => tracing::warn!(error = %error, "cannot try a bucket lease"),
            }
        }
        // Per bucket, 1 while this node owns it: an alert names the bucket nobody owns.
        for bucket in self.buckets() {
            leases_held(bucket, self.epoch(bucket).is_some());
        }
    }

    async fn take_over(&mut self, bucket: Bucket, fence: u64) -> Result<(), StoreError> {
        let mode = bucket.mode;
        let cursor = self.now();
        let epoch = self.store.take_queue(&bucket.fence_name()).await?;
        let tickets = self.store.open_tickets_of_mode(mode.as_str()).await?;
        let backfills = self.store.open_backfills(mode.as_str()).await?;
        let resync_at = self.clock.elapsed() + FULL_RESYNC;
        let owned = self.owned.entry(mode).or_insert_with(|| Owned {
            buckets: HashMap::new(),
            cursor,
            backfill_cursor: cursor,
            resync_at,
            resync_after: None,
            resync_read: None,
            trail: cursor.plus(-time::Duration::try_from(OVERLAP).expect("BUG: a small duration")),
        });
        owned.buckets.insert(
            bucket.region,
            OwnedBucket {
                epoch,
                waits: VecDeque::new(),
            },
        );
        let before = self.known.len();
        for ticket in tickets {
            self.admit(mode, &ticket);
        }
        for backfill in backfills {
            self.admit_backfill(mode, &backfill).await;
        }
        tracing::info!(
            bucket = %bucket,
            fence,
            tickets = self.known.len().saturating_sub(before),
            "took over a bucket"
        );
        Ok(())
    }

    pub(super) fn drop_bucket(&mut self, bucket: Bucket, why: &str) {
        // Let the lease go, so the next acquisition (here or elsewhere) starts a new ownership.
        if let Some(fence) = self.leases.forget(bucket) {
            let state = self.state.clone();
            let (name, holder) = (bucket.lease_name(), self.holder.clone());
            tokio::spawn(async move {
                let _ = state.release_lease(&name, &holder, fence).await;
            });
        }
        let Some(owned) = self.owned.get_mut(&bucket.mode) else {
            return;
        };
        if owned.buckets.remove(&bucket.region).is_none() {
            return;
        }
        if owned.buckets.is_empty() {
            self.owned.remove(&bucket.mode);
        }
        for id in self.known.of_bucket(bucket) {
            self.engine.cancel(id);
            self.known.remove(&id);
        }
        let requests: Vec<BackfillId> = self
            .backfills
            .iter()
            .filter(|(_, (b, _))| *b == bucket)
            .map(|(id, _)| *id)
            .collect();
        for id in requests {
            self.engine.cancel_backfill(id);
            self.backfills.remove(&id);
        }
        tracing::warn!(bucket = %bucket, why, "gave up a bucket");
    }
}

/// Sets `rally_matchmaker_leases_held` for `bucket`.
pub(super) fn leases_held(bucket: Bucket, held: bool) {
    metrics::gauge!(
        "rally_matchmaker_leases_held",
        "mode" => bucket.mode.as_str().to_owned(),
        "region" => bucket.region.as_str().to_owned()
    )
    .set(if held { 1.0 } else { 0.0 });
}
