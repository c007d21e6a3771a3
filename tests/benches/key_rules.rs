//! What Notify's key rule (a string argument that reads as a UUID goes in lower-case) costs key
//! building, measured in one run, in pairs: hand-written `format!` (the baseline), the key as
//! generated code built it before the rule (`__private::key` on the raw argument), and as it
//! builds it now (each argument through `__private::KeyArg`), for a UUID type, lower- and
//! upper-case UUID strings, and a short string.
//!
//! Run with `cargo bench -p cache-tests --bench key_rules`. It prints, per argument, the median
//! time of each and the ratios before/format!, now/format! and now/before per round
//! (min/median/max over the rounds), with the load average.

use std::fmt;
use std::hint::black_box;
use std::time::Instant;

use cache::Cache;

/// A UUID as the `uuid` crate displays it (as in `hit_path`): one `write_str` of 36 bytes.
#[derive(Clone, Copy)]
struct Uuid(u128);

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut text = [0u8; 36];
        let mut nibble = 0;
        for (index, byte) in text.iter_mut().enumerate() {
            if matches!(index, 8 | 13 | 18 | 23) {
                *byte = b'-';
            } else {
                *byte = HEX[((self.0 >> (124 - 4 * nibble)) & 0xf) as usize];
                nibble += 1;
            }
        }
        f.write_str(std::str::from_utf8(&text).expect("ASCII"))
    }
}

const ROUNDS: usize = 60;
const BATCH: usize = 20_000;

fn batch_ns(call: &mut impl FnMut() -> String) -> f64 {
    let start = Instant::now();
    for _ in 0..BATCH {
        black_box(call());
    }
    start.elapsed().as_nanos() as f64 / BATCH as f64
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn spread(values: &[f64]) -> String {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(0.0, f64::max);
    format!("{min:.3} / {:.3} / {max:.3}", median(values.to_vec()))
}

/// Rounds of the three, in rotating order, then the ratios per round.
fn measure(
    what: &str,
    mut baseline: impl FnMut() -> String,
    mut before: impl FnMut() -> String,
    mut now: impl FnMut() -> String,
) {
    assert_eq!(before(), baseline(), "{what}: same key before");
    for _ in 0..3 {
        batch_ns(&mut baseline);
        batch_ns(&mut before);
        batch_ns(&mut now);
    }
    let (mut base, mut old, mut new) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let mut times = [0.0; 3];
        for step in 0..3 {
            let which = (round + step) % 3;
            times[which] = match which {
                0 => batch_ns(&mut baseline),
                1 => batch_ns(&mut before),
                _ => batch_ns(&mut now),
            };
        }
        base.push(times[0]);
        old.push(times[1]);
        new.push(times[2]);
    }
    let ratio =
        |a: &[f64], b: &[f64]| -> Vec<f64> { a.iter().zip(b).map(|(a, b)| a / b).collect() };
    println!(
        "{what:<24} format! {:>6.1} ns  before {:>6.1} ns  now {:>6.1} ns | before/format! {} | now/format! {} | now/before {}",
        median(base.clone()),
        median(old.clone()),
        median(new.clone()),
        spread(&ratio(&old, &base)),
        spread(&ratio(&new, &base)),
        spread(&ratio(&new, &old)),
    );
}

/// What generated code now writes for each placeholder.
macro_rules! part {
    ($value:expr) => {{
        #[allow(unused_imports)]
        use cache::__private::{KeyDisplay as _, KeyStr as _};
        (&cache::__private::KeyArg(&$value)).key_part()
    }};
}

fn main() {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "key building, {ROUNDS} rounds of {BATCH} keys each (ratios min / median / max); load average {}",
        load.trim()
    );
    let cache = Cache::builder()
        .in_memory()
        .build()
        .expect("an in-memory handle");
    let cache = &cache;
    let uuid = Uuid(0x6f1c_2a3b_4d5e_4f60_8a71_b2c3_d4e5_f607);
    measure(
        "Uuid",
        || format!("service-{}-templates", black_box(uuid)),
        || cache::__private::key(cache, format_args!("service-{}-templates", black_box(uuid))),
        || {
            let id = black_box(uuid);
            cache::__private::key(cache, format_args!("service-{}-templates", part!(id)))
        },
    );
    for (what, text) in [
        (
            "String, lower-case UUID",
            "6f1c2a3b-4d5e-4f60-8a71-b2c3d4e5f607",
        ),
        (
            "String, upper-case UUID",
            "6F1C2A3B-4D5E-4F60-8A71-B2C3D4E5F607",
        ),
        ("String, short", "org-42"),
    ] {
        let owned = text.to_owned();
        let owned = &owned;
        measure(
            what,
            || format!("service-{}-templates", black_box(owned)),
            || {
                cache::__private::key(
                    cache,
                    format_args!("service-{}-templates", black_box(owned)),
                )
            },
            || {
                let id = black_box(owned);
                cache::__private::key(cache, format_args!("service-{}-templates", part!(*id)))
            },
        );
    }
}
