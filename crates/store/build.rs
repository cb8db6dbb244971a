//! Rebuilds the store when a migration is added or changed: `sqlx::migrate!` embeds the
//! migration files when the crate compiles, and cargo does not otherwise watch them.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
