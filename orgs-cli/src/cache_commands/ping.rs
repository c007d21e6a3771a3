//! `orgs cache ping`: a readiness probe.

use std::time::Duration;

use cache::Cache;
use serde::Serialize;

use crate::Failure;
use crate::human;
use crate::output::Output;

/// What `ping --json` prints.
#[derive(Serialize)]
struct Pong<'a> {
    /// The store, password hidden.
    store: &'a str,
    round_trip_ms: f64,
}

/// One `PING`: its round trip, or the real reason the store cannot be reached.
pub(crate) async fn run(cache: &Cache, out: &Output) -> Result<(), Failure> {
    let round_trip: Duration = cache.ping().await?;
    let store = cache.backend_description();
    let pong = Pong {
        store,
        round_trip_ms: round_trip.as_secs_f64() * 1000.0,
    };
    out.print(&pong, |_| {
        format!("{store}: answered in {}", human::round_trip(round_trip))
    })
}
