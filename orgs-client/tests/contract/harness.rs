//! The suite's own runner (`harness = false`). A check that cannot be made against this API
//! (no user to act with), or that the API could not play its part in (an environment problem,
//! such as an email queue it cannot reach), is reported as *ignored* with its reason, and
//! counted so: libtest could only call such a test "ok", and a run against a real API would
//! claim to have checked what it had not. Output and options follow libtest's (filters,
//! `--exact`, `--skip`, `--list`, `--test-threads`, `-q`), so `cargo test` and tools reading
//! its summary line see an ordinary run.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Instant;

/// Why a check was not made, or not made in full: reported as `ignored, <reason>`.
#[derive(Debug)]
pub struct Skipped(pub String);

/// What a check returns: `Ok` when it passed; a panic is a failure.
pub type Checked = Result<(), Skipped>;

/// Ends a check as ignored, with `reason`.
pub fn skip(reason: impl Into<String>) -> Checked {
    Err(Skipped(reason.into()))
}

/// One check: its name (`module::function`) and its body.
pub struct Check {
    pub name: &'static str,
    pub run: fn() -> Pin<Box<dyn Future<Output = Checked> + Send>>,
}

/// `checks![module::function, ...]`: the suite's checks, named as libtest would name them.
#[macro_export]
macro_rules! checks {
    ($($module:ident :: $function:ident),* $(,)?) => {
        vec![$($crate::harness::Check {
            name: concat!(stringify!($module), "::", stringify!($function)),
            run: || Box::pin($module::$function()),
        }),*]
    };
}

enum Outcome {
    Passed,
    Ignored(String),
    Failed,
}

/// The options libtest takes that this runner honours; the rest are accepted and change nothing.
struct Options {
    filters: Vec<String>,
    skips: Vec<String>,
    exact: bool,
    list: bool,
    only_ignored: bool,
    terse: bool,
    threads: usize,
}

fn parse(mut args: VecDeque<String>) -> Result<Options, String> {
    let default_threads = std::env::var("RUST_TEST_THREADS")
        .ok()
        .and_then(|n| n.parse().ok())
        .or_else(|| std::thread::available_parallelism().ok().map(usize::from))
        .unwrap_or(1);
    let mut options = Options {
        filters: Vec::new(),
        skips: Vec::new(),
        exact: false,
        list: false,
        only_ignored: false,
        terse: false,
        threads: default_threads,
    };
    while let Some(arg) = args.pop_front() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.pop_front())
                .ok_or_else(|| format!("option `{name}` needs a value"))
        };
        match flag.as_str() {
            "--exact" => options.exact = true,
            "--list" => options.list = true,
            "--ignored" => options.only_ignored = true,
            "-q" | "--quiet" => options.terse = true,
            "--include-ignored" | "--nocapture" | "--show-output" => {}
            "--skip" => options.skips.push(value("--skip")?),
            "--test-threads" => {
                let threads = value("--test-threads")?;
                options.threads = threads.parse().ok().filter(|&n| n > 0).ok_or_else(|| {
                    format!("--test-threads: `{threads}` is not a positive number")
                })?;
            }
            "--format" => match value("--format")?.as_str() {
                "pretty" => options.terse = false,
                "terse" => options.terse = true,
                other => {
                    return Err(format!(
                        "--format {other}: this suite prints pretty or terse"
                    ));
                }
            },
            "--color" | "-Z" => {
                value(&flag)?;
            }
            "-h" | "--help" => {
                return Err(
                    "usage: contract [FILTER...] [--exact] [--skip FILTER] [--list] \
                            [--ignored] [--test-threads N] [-q] [--format pretty|terse]"
                        .into(),
                );
            }
            other if other.starts_with('-') => {
                return Err(format!("unrecognized option `{other}`"));
            }
            _ => options.filters.push(arg),
        }
    }
    Ok(options)
}

impl Options {
    fn selects(&self, name: &str) -> bool {
        let matches = |filter: &String| {
            if self.exact {
                name == filter
            } else {
                name.contains(filter.as_str())
            }
        };
        (self.filters.is_empty() || self.filters.iter().any(matches))
            && !self.skips.iter().any(matches)
    }
}

/// Runs the selected checks and prints libtest's report; 101 when one failed, as libtest exits.
pub fn main(checks: Vec<Check>) -> ExitCode {
    let options = match parse(std::env::args().skip(1).collect()) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(101);
        }
    };
    let total = checks.len();
    // No check is ignored before it runs: whether one can be made is known only then.
    let selected: VecDeque<Check> = checks
        .into_iter()
        .filter(|check| options.selects(check.name) && !options.only_ignored)
        .collect();
    let filtered_out = total - selected.len();
    if options.list {
        for check in &selected {
            println!("{}: test", check.name);
        }
        if !options.terse {
            println!("\n{} tests, 0 benchmarks", selected.len());
        }
        return ExitCode::SUCCESS;
    }

    let started = Instant::now();
    println!("\nrunning {} tests", selected.len());
    let count = selected.len();
    let queue = Arc::new(Mutex::new(selected));
    let (report, outcomes) = mpsc::channel();
    for _ in 0..options.threads.min(count) {
        let (queue, report) = (Arc::clone(&queue), report.clone());
        std::thread::spawn(move || {
            while let Some(check) = next(&queue) {
                let _ = report.send((check.name, run(&check)));
            }
        });
    }
    drop(report);

    let (mut passed, mut ignored, mut failed) = (0, 0, Vec::new());
    for (name, outcome) in outcomes {
        match (&outcome, options.terse) {
            (Outcome::Passed, false) => println!("test {name} ... ok"),
            (Outcome::Ignored(reason), false) => println!("test {name} ... ignored, {reason}"),
            (Outcome::Failed, false) => println!("test {name} ... FAILED"),
            (Outcome::Passed, true) => print!("."),
            (Outcome::Ignored(_), true) => print!("i"),
            (Outcome::Failed, true) => print!("F"),
        }
        match outcome {
            Outcome::Passed => passed += 1,
            Outcome::Ignored(_) => ignored += 1,
            Outcome::Failed => failed.push(name),
        }
    }
    if options.terse {
        println!();
    }
    if !failed.is_empty() {
        println!("\nfailures:");
        for name in &failed {
            println!("    {name}");
        }
    }
    let verdict = if failed.is_empty() { "ok" } else { "FAILED" };
    println!(
        "\ntest result: {verdict}. {passed} passed; {} failed; {ignored} ignored; 0 measured; \
         {filtered_out} filtered out; finished in {:.2}s\n",
        failed.len(),
        started.elapsed().as_secs_f64()
    );
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(101)
    }
}

fn next(queue: &Mutex<VecDeque<Check>>) -> Option<Check> {
    queue
        .lock()
        .unwrap_or_else(|poison| poison.into_inner())
        .pop_front()
}

/// Runs one check on a thread of its own (named after it, as libtest names its threads, so a
/// panic message says which check failed), in a runtime of its own like `#[tokio::test]`'s.
fn run(check: &Check) -> Outcome {
    let body = check.run;
    let thread = std::thread::Builder::new()
        .name(check.name.to_owned())
        .spawn(move || {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a Tokio runtime")
                .block_on(body())
        });
    match thread.map(|thread| thread.join()) {
        Ok(Ok(Ok(()))) => Outcome::Passed,
        Ok(Ok(Err(Skipped(reason)))) => Outcome::Ignored(reason),
        // The panic has been printed by the panic hook, naming the check's thread.
        Ok(Err(_)) => Outcome::Failed,
        Err(error) => {
            eprintln!("{}: could not start its thread: {error}", check.name);
            Outcome::Failed
        }
    }
}
