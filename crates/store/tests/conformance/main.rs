//! The store's conformance suite: every test runs on SQLite and on PostgreSQL
//! (`RALLY_TEST_DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`; the
//! PostgreSQL half fails, never skips, when the server is unreachable).
#![allow(clippy::unwrap_used)]

mod fixture;
mod harness;

mod acceptance;
mod announced_ticket;
mod appeal;
mod backfill;
mod ban;
mod block;
mod chat;
mod connection;
mod friendship;
mod leaderboard;
mod match_batch;
mod match_lock;
mod matches;
mod operator;
mod outbox;
mod party;
mod party_change;
mod player;
mod player_search;
mod profile;
mod rating;
mod recovery;
mod refresh_token;
mod report;
mod sanction;
mod season;
mod seed;
mod session;
mod shedding;
mod ticket;
mod voice_room;
