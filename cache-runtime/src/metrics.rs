//! Metrics of annotated calls, through the [`metrics`](https://docs.rs/metrics) facade, so any
//! exporter (Prometheus, StatsD, OpenTelemetry...) can publish them. Only with the `metrics`
//! feature.
//!
//! The metrics ([`CALLS`], [`CALL_DURATION`] and [`INVALIDATIONS`]) and their labels:
//!
#![doc = include_str!("../docs/metrics.md")]
//!
//! Nothing is recorded until the application installs a recorder (an exporter); [`describe`]
//! gives it the help texts and units.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let recorder = metrics_util::debugging::DebuggingRecorder::new();
//! let snapshotter = recorder.snapshotter();
//! metrics::set_global_recorder(recorder).unwrap();
//! cache::metrics::describe();
//!
//! #[cache::set("greeting-{name}", cache = cache::Cache::in_memory())]
//! async fn greeting(name: &str) -> String {
//!     format!("Hello, {name}")
//! }
//! greeting("Ada").await;
//!
//! let calls = snapshotter.snapshot().into_vec().into_iter().filter(|(key, ..)| {
//!     key.key().name() == cache::metrics::CALLS
//!         && key.key().labels().any(|label| label.value() == "miss")
//! });
//! assert_eq!(calls.count(), 1);
//! # }
//! ```

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use ::metrics::{
    Key, Label, Level, Metadata, Unit, describe_counter, describe_histogram, with_recorder,
};

use crate::observe::{Invalidated, Outcome};

/// Counter of `#[cache::set]` calls, labelled `function` and `outcome`.
pub const CALLS: &str = "cache_calls_total";
/// Histogram of `#[cache::set]` call durations in seconds (the body included when it ran),
/// labelled `function` and `outcome`.
pub const CALL_DURATION: &str = "cache_call_duration_seconds";
/// Counter of invalidations by `#[cache::delete]` and `#[cache::delete_by_pattern]` calls,
/// labelled `function` and `outcome`.
pub const INVALIDATIONS: &str = "cache_invalidations_total";

/// Gives the installed recorder the metrics' help texts and units. Call it after installing
/// the recorder (a description given to none is lost); calling it again does no harm.
pub fn describe() {
    describe_counter!(
        CALLS,
        Unit::Count,
        "Calls of #[cache::set] functions, by function and outcome (hit, miss, coalesced, error, skipped)."
    );
    describe_histogram!(
        CALL_DURATION,
        Unit::Seconds,
        "Duration of #[cache::set] calls, the body included when it ran, by function and outcome."
    );
    describe_counter!(
        INVALIDATIONS,
        Unit::Count,
        "Invalidations by #[cache::delete] and #[cache::delete_by_pattern] calls, by function and outcome (ok, error, skipped)."
    );
}

/// One `#[cache::set]` call.
pub(crate) fn read(function: &'static str, outcome: Outcome, elapsed: Duration) {
    let keys = keys(function, outcome.as_str());
    with_recorder(|recorder| {
        recorder
            .register_counter(&keys.calls, &METADATA)
            .increment(1);
        recorder
            .register_histogram(&keys.call_duration, &METADATA)
            .record(elapsed.as_secs_f64());
    });
}

/// One invalidating call.
pub(crate) fn invalidation(function: &'static str, outcome: Invalidated) {
    let keys = keys(function, outcome.as_str());
    with_recorder(|recorder| {
        recorder
            .register_counter(&keys.invalidations, &METADATA)
            .increment(1);
    });
}

static METADATA: Metadata<'static> =
    Metadata::new(module_path!(), Level::INFO, Some(module_path!()));

/// The keys of one function's calls with one outcome, for each metric.
struct Keys {
    calls: Key,
    call_duration: Key,
    invalidations: Key,
}

/// The keys of `function`'s calls with `outcome`, made once and kept: a key built from
/// `'static` parts is registered without copying them (labels built for each call cost the
/// recorder several allocations per call), and a kept key is not hashed again for each call.
/// At most a few per annotated function.
fn keys(function: &'static str, outcome: &'static str) -> &'static Keys {
    type Interned =
        HashMap<(usize, usize, usize), &'static Keys, BuildHasherDefault<AddressHasher>>;
    static INTERNED: OnceLock<Mutex<Interned>> = OnceLock::new();
    let mut interned = INTERNED
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    // By address: `function` is a literal per annotated function, `outcome` a literal too.
    let address = (
        function.as_ptr() as usize,
        function.len(),
        outcome.as_ptr() as usize,
    );
    interned.entry(address).or_insert_with(|| {
        let labels: &'static [Label] = Box::leak(Box::new([
            Label::from_static_parts("function", function),
            Label::from_static_parts("outcome", outcome),
        ]));
        Box::leak(Box::new(Keys {
            calls: Key::from_static_parts(CALLS, labels),
            call_duration: Key::from_static_parts(CALL_DURATION, labels),
            invalidations: Key::from_static_parts(INVALIDATIONS, labels),
        }))
    })
}

/// Hashes the addresses that key [`keys`]' map: they are few and distinct, so a multiply
/// spreads them well enough, where the default SipHash cost a hit more than the look-up itself.
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = (self.0.rotate_left(5) ^ value).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}
