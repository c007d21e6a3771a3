//! Every annotated call runs in a `tracing` span with its function, key and outcome: a layer
//! records the spans a real subscriber sees, over a real Redis.
//!
//! Each test installs its subscriber for its own thread only (`with_default` around a
//! current-thread runtime), so tests running in parallel never see each other's spans.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cache::Cache;
use cache_tests::RedisServer;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

const USER: &str = concat!(module_path!(), "::user");
const UPDATE: &str = concat!(module_path!(), "::update");

/// A span as the subscriber saw it: its name and fields (strings as they are, the rest as
/// `Debug`), and the messages of the events recorded inside it.
#[derive(Debug, Clone, Default)]
struct Seen {
    name: &'static str,
    /// The name of the span it was opened in, if any.
    parent: Option<&'static str>,
    fields: BTreeMap<&'static str, String>,
    events: Vec<String>,
}

/// Records every span (by id, while it is open) and which span each event happened in.
#[derive(Clone, Default)]
struct Capture {
    open: Arc<Mutex<BTreeMap<u64, Seen>>>,
    closed: Arc<Mutex<Vec<Seen>>>,
}

struct Fields<'a>(&'a mut BTreeMap<&'static str, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name(), format!("{value:?}"));
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, context: Context<'_, S>) {
        let mut seen = Seen {
            name: attrs.metadata().name(),
            parent: context
                .span(id)
                .and_then(|span| span.parent())
                .map(|parent| parent.name()),
            ..Seen::default()
        };
        attrs.record(&mut Fields(&mut seen.fields));
        self.open.lock().unwrap().insert(id.into_u64(), seen);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        if let Some(seen) = self.open.lock().unwrap().get_mut(&id.into_u64()) {
            values.record(&mut Fields(&mut seen.fields));
        }
    }

    fn on_event(&self, event: &Event<'_>, context: Context<'_, S>) {
        let Some(span) = context.event_span(event) else {
            return;
        };
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        if let Some(seen) = self.open.lock().unwrap().get_mut(&span.id().into_u64()) {
            seen.events
                .push(fields.remove("message").unwrap_or_default());
        }
    }

    fn on_close(&self, id: Id, _: Context<'_, S>) {
        if let Some(seen) = self.open.lock().unwrap().remove(&id.into_u64()) {
            self.closed.lock().unwrap().push(seen);
        }
    }
}

impl Capture {
    /// Runs `future` on a current-thread runtime with this layer's subscriber (every level on)
    /// as the thread's default, and returns the spans closed meanwhile, in the order they closed.
    fn spans_of<T>(&self, future: impl Future<Output = T>) -> (T, Vec<Seen>) {
        let subscriber = tracing_subscriber::registry().with(self.clone());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let output = tracing::subscriber::with_default(subscriber, || runtime.block_on(future));
        let closed = std::mem::take(&mut *self.closed.lock().unwrap());
        (output, closed)
    }
}

struct Client {
    cache: Cache,
}

impl Client {
    #[cache::set("user-{id}", cache = self.cache)]
    async fn user(&self, id: u32) -> Result<String, String> {
        tracing::info!("the API call");
        Ok(format!("user {id}"))
    }

    #[cache::delete("user-{id}", cache = self.cache)]
    async fn update(&self, id: u32) -> Result<(), String> {
        let _ = id;
        Ok(())
    }

    /// Another attribute macro below ours sees the `async fn` it expects (see the macros'
    /// `thin`): its span covers the whole call, the cache's included.
    #[cache::set("traced-{id}", cache = self.cache)]
    #[tracing::instrument(name = "traced", skip_all)]
    async fn traced(&self, id: u32) -> u32 {
        id
    }
}

/// Only our spans: `cache.read` and `cache.invalidate`.
fn ours(spans: Vec<Seen>) -> Vec<Seen> {
    spans
        .into_iter()
        .filter(|span| span.name.starts_with("cache."))
        .collect()
}

fn field<'a>(span: &'a Seen, name: &str) -> &'a str {
    span.fields
        .get(name)
        .unwrap_or_else(|| panic!("no field {name} in {span:?}"))
}

#[test]
fn each_call_has_a_span_with_its_function_key_and_outcome() {
    let server = RedisServer::start();
    let client = Client {
        cache: Cache::builder()
            .redis(server.url())
            .key_prefix("app:")
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap(),
    };
    let capture = Capture::default();
    let ((), spans) = capture.spans_of(async {
        client.user(1).await.unwrap();
        client.user(1).await.unwrap();
        client.update(1).await.unwrap();
    });
    let spans = ours(spans);
    assert_eq!(spans.len(), 3, "{spans:#?}");
    let (miss, hit, update) = (&spans[0], &spans[1], &spans[2]);
    for read in [miss, hit] {
        assert_eq!(read.name, "cache.read");
        assert_eq!(field(read, "function"), USER);
        assert_eq!(
            field(read, "key"),
            "app:user-1",
            "the key as stored, prefix included"
        );
    }
    assert_eq!(field(miss, "outcome"), "miss");
    assert_eq!(field(hit, "outcome"), "hit");
    // The body runs inside the call's span, so its events are the call's.
    assert!(
        miss.events.iter().any(|message| message == "the API call"),
        "{miss:?}"
    );
    assert!(
        !hit.events.iter().any(|message| message == "the API call"),
        "a hit does not run the body: {hit:?}"
    );
    assert_eq!(update.name, "cache.invalidate");
    assert_eq!(field(update, "function"), UPDATE);
    assert_eq!(field(update, "keys"), r#"["app:user-1"]"#);
    assert_eq!(field(update, "outcome"), "ok");
}

#[test]
fn a_failing_or_disabled_cache_shows_in_the_outcome() {
    let mut server = RedisServer::start();
    let client = Client {
        cache: Cache::builder()
            .redis(server.url())
            .timeout(Duration::from_secs(2))
            .circuit_breaker(0, Duration::ZERO)
            .build()
            .unwrap(),
    };
    let disabled = Client {
        cache: Cache::disabled(),
    };
    server.kill();
    let capture = Capture::default();
    let ((), spans) = capture.spans_of(async {
        client.user(2).await.unwrap();
        disabled.user(2).await.unwrap();
    });
    let outcomes: Vec<(String, String)> = ours(spans)
        .iter()
        .map(|span| {
            (
                field(span, "key").to_owned(),
                field(span, "outcome").to_owned(),
            )
        })
        .collect();
    let expected = [("user-2", "error"), ("user-2", "skipped")]
        .map(|(key, outcome)| (key.to_owned(), outcome.to_owned()));
    assert_eq!(outcomes, expected);
}

/// An annotated `async fn` compiles to a plain `fn` returning its call (see the macros' `thin`),
/// but the call's span still opens at the first poll, as an `async fn`'s would: a future made
/// outside any span and instrumented afterwards (as `tokio::spawn(call.instrument(span))` does)
/// runs its call in that span, and a future dropped unpolled opens none.
#[test]
fn a_call_opens_its_span_where_its_future_first_runs() {
    use tracing::Instrument;

    let client = Client {
        cache: Cache::in_memory(),
    };
    let capture = Capture::default();
    let ((), spans) = capture.spans_of(async {
        let read = client.user(3);
        let update = client.update(3);
        drop(client.user(4));
        drop(client.update(4));
        read.instrument(tracing::info_span!("request"))
            .await
            .unwrap();
        update
            .instrument(tracing::info_span!("request"))
            .await
            .unwrap();
        client.traced(5).await;
    });
    let spans = ours(spans);
    let summary: Vec<(&str, &str, Option<&str>)> = spans
        .iter()
        .map(|span| {
            let key = span
                .fields
                .get("key")
                .or_else(|| span.fields.get("keys"))
                .map_or("", String::as_str);
            (span.name, key, span.parent)
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("cache.read", "user-3", Some("request")),
            ("cache.invalidate", r#"["user-3"]"#, Some("request")),
            ("cache.read", "traced-5", Some("traced")),
        ],
        "{spans:#?}"
    );
}
