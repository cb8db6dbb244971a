//! A group of simulated players: a lone player, or a party that queues together. Each runs the
//! loop a real game client runs, through the SDK, until the run's deadline: sign up, open the
//! gateway, (form the party and pass a ready check), queue, `match.found`, `session.ready`,
//! hand the session token to the game server, `rating.updated`, think, queue again; sometimes
//! cancelling while searching, sometimes dropping the socket after a match.

use std::{
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use futures::future::join_all;
use rally_protocol::{
    party::CreatePartyRequest,
    queue::{MatchFound, TicketState},
};
use rally_sdk::{Client, Error, Event};
use rand::{Rng, rngs::StdRng};
use tokio::time::Instant;
use uuid::Uuid;

use super::{
    run::Run,
    server::play_match,
    tally::{Step, Tally},
};

/// How long a player waits for one push before counting it missing.
const PUSH_WITHIN: Duration = Duration::from_secs(30);
/// How long a player waits before trying a call again after an error.
const AGAIN_AFTER: Duration = Duration::from_millis(500);
/// The longest a player waits between turns that failed one after another: the wait doubles
/// from [`AGAIN_AFTER`] with each, as a game client backs off, so an overloaded Rally is not
/// also flooded by its own players' retries.
const AGAIN_AT_MOST: Duration = Duration::from_secs(16);

/// One simulated player: its account, its client and the regions it plays from.
#[derive(Debug, Clone)]
pub(crate) struct Player {
    pub(crate) index: usize,
    pub(crate) client: Client,
    pub(crate) id: Uuid,
}

/// Players who queue as one ticket: the first leads.
#[derive(Debug)]
pub(crate) struct Group {
    pub(crate) mode: &'static str,
    pub(crate) players: Vec<Player>,
    /// Latency to each region, ms (the leader's, for the whole ticket).
    pub(crate) regions: Vec<(String, u32)>,
    /// When the group arrives (its place in the ramp).
    pub(crate) arrives: Instant,
}

impl Group {
    fn ids(&self) -> Vec<Uuid> {
        self.players.iter().map(|p| p.id).collect()
    }

    fn leader(&self) -> &Client {
        &self.players[0].client
    }
}

/// Runs `group` until the run's deadline; its choices (cancel, disconnect, waits) drawn with
/// `rng`.
pub(crate) async fn play(run: Arc<Run>, mut group: Group, mut rng: StdRng) {
    let run = &run;
    tokio::time::sleep_until(group.arrives).await;
    for player in &mut group.players {
        let Some(id) = sign_up(run, player.index, &player.client).await else {
            return;
        };
        player.id = id;
        run.tally.signed_up.fetch_add(1, Ordering::Relaxed);
    }
    let mut online = vec![false; group.players.len()];
    for (i, player) in group.players.iter().enumerate() {
        online[i] = connect(run, &player.client, Step::Connect).await;
        if !online[i] {
            return hang_up(run, &group, &online).await;
        }
    }
    let party = if group.players.len() > 1 {
        match form_party(run, &group).await {
            Some(party) => Some(party),
            None => return hang_up(run, &group, &online).await,
        }
    } else {
        None
    };
    let mut again = AGAIN_AFTER;
    while Instant::now() < run.deadline {
        let played = cycle(run, &group, party, &mut rng).await;
        let wait = if played {
            again = AGAIN_AFTER;
            run.think.draw(&mut rng)
        } else {
            // With jitter, so players who failed together do not come back together.
            let wait = again.mul_f64(rng.random_range(0.5..=1.0));
            again = (again * 2).min(AGAIN_AT_MOST);
            wait
        };
        if played && rng.random_bool(run.disconnect_share) {
            for (player, online) in group.players.iter().zip(&mut online) {
                *online = drop_and_reconnect(run, &player.client, &mut rng).await;
            }
        }
        tokio::time::sleep(wait).await;
    }
    hang_up(run, &group, &online).await;
}

/// Closes the sockets of the group's players that are `online`.
async fn hang_up(run: &Run, group: &Group, online: &[bool]) {
    for (player, _) in group.players.iter().zip(online).filter(|(_, on)| **on) {
        player.client.disconnect().await;
        run.tally.disconnected();
    }
}

/// Registers the player's account (or logs in, when an earlier run made it); its id.
async fn sign_up(run: &Run, index: usize, client: &Client) -> Option<Uuid> {
    let username = format!("lt{}_{index}", run.tag);
    let password = format!("loadtest-password-{}", run.tag);
    while Instant::now() < run.deadline {
        let started = Instant::now();
        let email = format!("{username}@loadtest.invalid");
        match client.register(&username, &email, &password).await {
            Ok(profile) => {
                run.tally.since(Step::Register, started);
                return Some(profile.id);
            }
            Err(error) if error.code() == "username_taken" => {
                let started = Instant::now();
                match client.login(&username, &password).await {
                    Ok(profile) => {
                        run.tally.since(Step::Login, started);
                        return Some(profile.id);
                    }
                    Err(error) => wait_after(run, &error).await,
                }
            }
            Err(error) => wait_after(run, &error).await,
        }
    }
    None
}

/// Counts a failed call and waits as long as Rally asked (or a moment).
async fn wait_after(run: &Run, error: &Error) {
    run.tally.failed(error);
    tokio::time::sleep(error.retry_after().unwrap_or(AGAIN_AFTER)).await;
}

/// Opens the player's gateway and waits for its `hello`; false when it never came.
async fn connect(run: &Run, client: &Client, step: Step) -> bool {
    let started = Instant::now();
    if let Err(error) = client.connect().await {
        run.tally.failed(&error);
        return false;
    }
    let hello = next(client, PUSH_WITHIN, |e| {
        matches!(e, Event::Connected { .. }).then_some(())
    })
    .await;
    if hello.is_none() {
        run.tally.error("no_hello");
        return false;
    }
    run.tally.since(step, started);
    run.tally.connected();
    true
}

/// Drops the player's socket, waits a moment as a phone in a tunnel would, and reconnects;
/// whether it is connected again.
async fn drop_and_reconnect(run: &Run, client: &Client, rng: &mut StdRng) -> bool {
    client.disconnect().await;
    run.tally.disconnected();
    run.tally.disconnects.fetch_add(1, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(rng.random_range(200..2_000))).await;
    connect(run, client, Step::Reconnect).await
}

/// The leader creates the party and invites each member, who joins; the party's id. Each call
/// refused for now is tried again as Rally asked; any other failure leaves the group unformed.
async fn form_party(run: &Run, group: &Group) -> Option<Uuid> {
    let started = Instant::now();
    let request = CreatePartyRequest {
        max_size: Some(group.players.len() as u32),
        open: Some(false),
    };
    let formed = async {
        let party = answered(run, || group.leader().create_party(&request))
            .await?
            .id;
        for member in &group.players[1..] {
            answered(run, || group.leader().invite(party, member.id)).await?;
            answered(run, || member.client.join_party(party)).await?;
        }
        Ok::<_, Error>(party)
    };
    match formed.await {
        Ok(party) => {
            run.tally.since(Step::FormParty, started);
            Some(party)
        }
        Err(error) => {
            run.tally.failed(&error);
            run.tally.error("party_not_formed");
            None
        }
    }
}

/// `call`'s answer, tried again after each refusal for now (503 or 429) as long as Rally asked
/// and the run lasts, as a game client does; the first other error, or the last refusal.
async fn answered<T, F, Fut>(run: &Run, mut call: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    loop {
        match call().await {
            Err(error)
                if matches!(error.status(), Some(503 | 429)) && Instant::now() < run.deadline =>
            {
                wait_after(run, &error).await;
            }
            answer => return answer,
        }
    }
}

/// The leader starts a ready check and every member answers ready; whether it passed.
async fn ready_check(run: &Run, group: &Group, party: Uuid) -> bool {
    let started = Instant::now();
    if let Err(error) = group.leader().start_ready_check(party).await {
        run.tally.failed(&error);
        return false;
    }
    let answers = join_all(
        group
            .players
            .iter()
            .map(|p| p.client.set_ready(party, true)),
    )
    .await;
    for answer in &answers {
        if let Err(error) = answer {
            run.tally.failed(error);
            return false;
        }
    }
    run.tally.since(Step::ReadyCheck, started);
    true
}

/// One turn of the loop: queue, perhaps cancel, else play the match to its ratings. True when
/// the group played (or chose to cancel); false when it should try again shortly.
async fn cycle(run: &Arc<Run>, group: &Group, party: Option<Uuid>, rng: &mut StdRng) -> bool {
    if let Some(party) = party
        && !ready_check(run, group, party).await
    {
        return false;
    }
    let regions: Vec<(&str, u32)> = group
        .regions
        .iter()
        .map(|(r, ms)| (r.as_str(), *ms))
        .collect();
    let started = Instant::now();
    let ticket = match group.leader().join_queue(group.mode, &regions).await {
        Ok(ticket) => ticket.id,
        Err(error) => {
            wait_after(run, &error).await;
            return false;
        }
    };
    let accepted = Instant::now();
    run.tally.record(Step::Queue, accepted - started);
    run.tally.accepted(&group.ids(), accepted);
    run.tally.searching.fetch_add(1, Ordering::Relaxed);
    if rng.random_bool(run.cancel_share) {
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..1_000))).await;
        let started = Instant::now();
        match group.leader().cancel_queue().await {
            Ok(_) => {
                run.tally.since(Step::Cancel, started);
                run.tally.cancels.fetch_add(1, Ordering::Relaxed);
                run.tally.searching.fetch_sub(1, Ordering::Relaxed);
                return true;
            }
            // Matched meanwhile (`not_queued`): the match is played.
            Err(error) => run.tally.failed(&error),
        }
    }
    let game = run.game.draw(rng);
    let outcomes = join_all(
        group
            .players
            .iter()
            .map(|p| through_match(run, p, ticket, started, game)),
    )
    .await;
    run.tally.searching.fetch_sub(1, Ordering::Relaxed);
    if Instant::now() >= run.deadline {
        // The run ended while the ticket searched: it leaves, as a player closing the game.
        let _ = group.leader().cancel_queue().await;
    }
    outcomes.into_iter().all(|played| played)
}

/// Records a `match.found` as it arrives on a player's socket: from the match made (the node
/// stamps it with its round's time; this machine shares its clock), and from the last of its
/// tickets accepted.
pub(crate) fn match_found_arrived(tally: &Tally, found: &MatchFound) {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let made_ago = u64::try_from(now_ms - found.created_at_ms).unwrap_or(0);
    tally.record(Step::MadeToFound, Duration::from_millis(made_ago));
    let everyone = found.teams.iter().flatten().map(|p| p.player_id);
    if let Some(last) = tally.last_accepted(everyone) {
        tally.record(
            Step::Matchmaking,
            Instant::now().saturating_duration_since(last),
        );
    }
}

/// One player's match: `match.found`, `session.ready`, the token handed to the game server
/// (the host's player also runs the game server, for a game of `game`), `rating.updated`.
/// False when a push never came or the session ended without a result.
async fn through_match(
    run: &Arc<Run>,
    player: &Player,
    ticket: Uuid,
    queued: Instant,
    game: Duration,
) -> bool {
    let tally = &run.tally;
    // `session.ready` (and `match.cancelled`) travel apart from `match.found` and may
    // overtake it.
    let mut early = Vec::new();
    let mut cancelled_early = Vec::new();
    // A match whose allocation failed goes back to the queue with its tickets: the players
    // wait for the next `match.found` of the same ticket.
    let (found, found_at, session, ready_at, hosts) = loop {
        // A ticket searches as long as its queue lets it (a sparse queue widens slowly): the
        // wait ends with a match, the ticket's end, or the run's.
        let until_the_end = run.deadline.saturating_duration_since(Instant::now());
        let found = next(&player.client, until_the_end, |e| match e {
            Event::MatchFound(found) => Some(Ok(found.clone())),
            Event::SessionReady(ready) => {
                early.push((ready.clone(), Instant::now()));
                None
            }
            Event::MatchCancelled(cancelled) => {
                cancelled_early.push(cancelled.clone());
                None
            }
            Event::QueueCancelled(cancelled) if cancelled.ticket_id == ticket => {
                Some(Err(cancelled.reason.clone()))
            }
            _ => None,
        })
        .await;
        let found_at = Instant::now();
        let found = match found {
            Some(Ok(found)) => found,
            Some(Err(reason)) if reason == "timed_out" => {
                tally.timed_out.fetch_add(1, Ordering::Relaxed);
                return false;
            }
            Some(Err(reason)) => {
                tally.error(&format!("queue_cancelled_{reason}"));
                return false;
            }
            None => {
                missed_match(run, player).await;
                return false;
            }
        };
        tally.record(Step::QueueToFound, found_at - queued);
        let hosts = found
            .teams
            .first()
            .and_then(|t| t.first())
            .map(|p| p.player_id)
            == Some(player.id);
        if hosts {
            tally.matched(found.quality);
        }
        let ready = match (
            early.iter().find(|(r, _)| r.match_id == found.match_id),
            cancelled_early
                .iter()
                .find(|c| c.match_id == found.match_id),
        ) {
            (Some(ready), _) => Some(Ok(ready.clone())),
            (None, Some(cancelled)) => Some(Err(cancelled.clone())),
            (None, None) => {
                next(&player.client, PUSH_WITHIN, |e| match e {
                    Event::SessionReady(ready) if ready.match_id == found.match_id => {
                        Some(Ok((ready.clone(), Instant::now())))
                    }
                    Event::MatchCancelled(cancelled) if cancelled.match_id == found.match_id => {
                        Some(Err(cancelled.clone()))
                    }
                    _ => None,
                })
                .await
            }
        };
        match ready {
            Some(Ok((session, ready_at))) => break (found, found_at, session, ready_at, hosts),
            Some(Err(cancelled)) => {
                if hosts {
                    tally.cancelled_matches.fetch_add(1, Ordering::Relaxed);
                }
                if !cancelled.requeued {
                    tally.error(&format!("match_cancelled_{}", cancelled.reason));
                    return false;
                }
            }
            None => {
                tally.error("no_session_ready");
                return false;
            }
        }
    };
    tally.record(
        Step::FoundToReady,
        ready_at.saturating_duration_since(found_at),
    );
    let Some(token) = session.token else {
        tally.error("session_without_token");
        return false;
    };
    let started = Instant::now();
    match run.game_server.verify(found.match_id, &token).await {
        Ok(answer) if answer.valid => tally.since(Step::Verify, started),
        Ok(answer) => tally.error(&format!(
            "session_token_refused_{}",
            answer.reason.as_deref().unwrap_or("without_reason")
        )),
        Err(error) => tally.failed(&error),
    }
    if hosts {
        tokio::spawn(play_match(run.clone(), found.clone(), game));
    }
    rated(run, player, &found).await
}

/// At the run's end with no `match.found`: an error only if the ticket was in fact matched
/// (the push was lost); a ticket still searching is no error.
async fn missed_match(run: &Run, player: &Player) {
    match player.client.ticket().await {
        Ok(Some(ticket)) if ticket.state == TicketState::Matched => {
            run.tally.error("match_found_missing");
        }
        Ok(_) => {}
        Err(error) => run.tally.failed(&error),
    }
}

/// Waits for the player's `rating.updated` of `found`'s match.
async fn rated(run: &Run, player: &Player, found: &MatchFound) -> bool {
    let within = run.game.mean.mul_f64(2.0) + PUSH_WITHIN;
    let rated = next(&player.client, within, |e| match e {
        Event::RatingUpdated(change) if change.match_id == found.match_id => Some(Ok(())),
        // A session that ended with its result (`completed`) still rates its players.
        Event::SessionEnded(ended)
            if ended.match_id == found.match_id && ended.reason != "completed" =>
        {
            Some(Err(ended.reason.clone()))
        }
        _ => None,
    })
    .await;
    match rated {
        Some(Ok(())) => {
            if let Some(reported) = run.tally.reported_at(found.match_id) {
                run.tally.record(Step::ResultToRating, reported.elapsed());
            }
            true
        }
        Some(Err(reason)) => {
            run.tally.error(&format!("session_ended_{reason}"));
            false
        }
        None => {
            run.tally.error("no_rating_updated");
            false
        }
    }
}

/// The first event `wanted` maps to something, within `within`; others are passed over.
async fn next<T>(
    client: &Client,
    within: Duration,
    mut wanted: impl FnMut(&Event) -> Option<T>,
) -> Option<T> {
    let give_up = Instant::now() + within;
    loop {
        let event = tokio::select! {
            event = client.next_event() => event,
            () = tokio::time::sleep_until(give_up) => return None,
        };
        if let Some(found) = wanted(&event) {
            return Some(found);
        }
    }
}
