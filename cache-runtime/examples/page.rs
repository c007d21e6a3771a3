//! Replays Notify's 2018 experiment: a page that needs three sequential API calls (service, user,
//! templates), rendered with no cache, then caching one, two and all three calls.
//!
//! The "API" is an in-process stand-in that sleeps for `--api-latency` milliseconds per call
//! (default 20), so the figures show what the cache saves, not what this machine's network costs.
//! The cache is Redis when `REDIS_URL` is set, in-process otherwise.
//!
//! ```text
//! cargo run --release -p cache-runtime --example page -- [--requests N] [--api-latency MS]
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cache::{BackendKind, Cache};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Service {
    id: u32,
    name: String,
    active: bool,
    restricted: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct User {
    id: u32,
    name: String,
    email_address: String,
    permissions: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Template {
    id: u32,
    name: String,
    content: String,
}

#[derive(Debug)]
struct ApiError;

/// Stands in for the API: every call costs `latency` and is counted.
struct Api {
    latency: Duration,
    calls: AtomicU64,
}

impl Api {
    async fn call(&self) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(self.latency).await;
    }
}

/// Which of the three calls go through the cache.
#[derive(Clone, Copy)]
struct Cached {
    service: bool,
    user: bool,
    templates: bool,
}

struct Client {
    api: Api,
    cache: Cache,
    off: Cache,
    cached: Cached,
}

impl Client {
    fn pick(&self, on: bool) -> &Cache {
        if on { &self.cache } else { &self.off }
    }

    #[cache::set("service-{service_id}", cache = self.pick(self.cached.service))]
    async fn get_service(&self, service_id: u32) -> Result<Service, ApiError> {
        self.api.call().await;
        Ok(Service {
            id: service_id,
            name: format!("Service {service_id}"),
            active: true,
            restricted: false,
        })
    }

    #[cache::set("user-{user_id}", cache = self.pick(self.cached.user))]
    async fn get_user(&self, user_id: u32) -> Result<User, ApiError> {
        self.api.call().await;
        Ok(User {
            id: user_id,
            name: format!("User {user_id}"),
            email_address: format!("user{user_id}@example.gov.uk"),
            permissions: vec!["manage_templates".into(), "send_messages".into()],
        })
    }

    #[cache::set("service-{service_id}-templates", cache = self.pick(self.cached.templates))]
    async fn get_service_templates(&self, service_id: u32) -> Result<Vec<Template>, ApiError> {
        self.api.call().await;
        Ok((0..20)
            .map(|id| Template {
                id,
                name: format!("Template {id} of service {service_id}"),
                content: "Hello ((name)), your reference is ((reference)).".into(),
            })
            .collect())
    }

    /// One page render: three sequential calls, as in the admin app.
    async fn render_page(&self) -> Result<usize, ApiError> {
        let service = self.get_service(1).await?;
        let user = self.get_user(7).await?;
        let templates = self.get_service_templates(service.id).await?;
        Ok(service.name.len() + user.name.len() + templates.len())
    }
}

struct Options {
    requests: usize,
    api_latency: Duration,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        requests: 50,
        api_latency: Duration::from_millis(20),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .and_then(|v| v.parse::<u64>().ok())
                .ok_or(format!("{name} takes a whole number"))
        };
        match arg.as_str() {
            "--requests" => options.requests = value("--requests")?.max(1) as usize,
            "--api-latency" => options.api_latency = Duration::from_millis(value("--api-latency")?),
            "-h" | "--help" => {
                return Err("usage: page [--requests N] [--api-latency MS]".into());
            }
            other => return Err(format!("unknown argument `{other}`; try --help")),
        }
    }
    Ok(options)
}

/// Milliseconds, or microseconds below one millisecond (an in-process hit takes a few µs).
fn duration(time: Duration) -> String {
    if time < Duration::from_millis(1) {
        format!("{:.1} µs", time.as_secs_f64() * 1e6)
    } else {
        format!("{:.2} ms", time.as_secs_f64() * 1e3)
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

#[tokio::main]
async fn main() {
    let options = match options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let cache = match std::env::var("REDIS_URL") {
        Ok(url) => Cache::redis(&url).unwrap_or_else(|error| {
            eprintln!("{error}");
            std::process::exit(2);
        }),
        Err(_) => Cache::in_memory(),
    };
    let which = match cache.backend_kind() {
        BackendKind::Redis => "Redis (REDIS_URL)",
        _ => "in-process (set REDIS_URL to use Redis)",
    };
    println!(
        "One page = 3 sequential API calls of {} ms each (simulated); cache: {which}; median of {} requests per row.\n",
        options.api_latency.as_millis(),
        options.requests
    );
    println!("| | no cache | cache service | + user | + templates |");
    println!("|---|---|---|---|---|");
    let configurations = [
        Cached {
            service: false,
            user: false,
            templates: false,
        },
        Cached {
            service: true,
            user: false,
            templates: false,
        },
        Cached {
            service: true,
            user: true,
            templates: false,
        },
        Cached {
            service: true,
            user: true,
            templates: true,
        },
    ];
    let mut medians = Vec::new();
    let mut api_calls = Vec::new();
    for cached in configurations {
        // Start each row from an empty cache so its first request is a real miss.
        cache
            .delete(["service-1", "user-7", "service-1-templates"])
            .await
            .expect("clear the demo keys");
        let client = Client {
            api: Api {
                latency: options.api_latency,
                calls: AtomicU64::new(0),
            },
            cache: cache.clone(),
            off: Cache::disabled(),
            cached,
        };
        let mut samples = Vec::with_capacity(options.requests);
        for _ in 0..options.requests {
            let started = Instant::now();
            client
                .render_page()
                .await
                .expect("the stand-in API never fails");
            samples.push(started.elapsed());
        }
        medians.push(median(samples));
        api_calls.push(client.api.calls.load(Ordering::Relaxed));
    }
    let row = |cells: Vec<String>| println!("| {} |", cells.join(" | "));
    let mut times = vec!["request time".to_owned()];
    times.extend(medians.iter().map(|m| duration(*m)));
    row(times);
    let mut improvements = vec!["improvement".to_owned()];
    improvements.extend(medians.iter().map(|m| {
        format!(
            "{:.0}%",
            (medians[0].as_secs_f64() / m.as_secs_f64() - 1.0) * 100.0
        )
    }));
    row(improvements);
    let mut calls = vec!["API calls".to_owned()];
    calls.extend(api_calls.iter().map(u64::to_string));
    row(calls);
    let stats = cache.stats();
    println!(
        "\ncache: {} hits, {} misses, {} sets, {} errors",
        stats.hits, stats.misses, stats.sets, stats.errors
    );
}
