//! `orgs serve`: the stand-in API as a standalone process.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use notify_stub::{StubConfig, StubServer};
use orgs_client::{ApiClient, OrganisationsClient};

use crate::output::note;
use crate::page::{self, Page};
use crate::{Failure, metrics_http};

/// Prefix of the keys the page served with `--metrics` writes.
const KEY_PREFIX: &str = "orgs-serve:";

#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:6011")]
    listen: SocketAddr,
    /// Secret the admin client signs its tokens with.
    #[arg(long, env = "ADMIN_CLIENT_SECRET", hide_env_values = true)]
    admin_secret: String,
    /// Client id (token issuer) of the admin client.
    #[arg(long, env = "ADMIN_CLIENT_USER_NAME", default_value = notify_stub::DEFAULT_ADMIN_CLIENT_ID)]
    admin_client_id: String,
    /// Require `X-Custom-Forwarder: <secret>` on every request, as the proxy in front of
    /// Notify's API does.
    #[arg(long, env = "ROUTE_SECRET_KEY_1", hide_env_values = true)]
    route_secret: Option<String>,
    /// Be the API application alone, without the proxy in front of it: `X-Custom-Forwarder`
    /// is not checked (the real API application never checks it itself).
    #[arg(long)]
    no_proxy: bool,
    /// Keep the data in this SQLite file (seeded when new); a temporary one otherwise.
    #[arg(long, value_name = "PATH")]
    database: Option<PathBuf>,
    /// Milliseconds to wait before each answer, standing in for network distance.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    latency: u64,
    /// Also listen on ADDR for Prometheus scrapes of the cache's metrics (/metrics), and serve
    /// the demo's page there (/page/ORG_ID): its three API calls go through the cache, so its
    /// renders are what the metrics count (the API itself caches nothing). The cache is Redis
    /// when REDIS_URL is set, in-process otherwise; its keys are prefixed with `orgs-serve:`.
    #[arg(long, value_name = "ADDR")]
    metrics: Option<SocketAddr>,
}

pub(crate) async fn run(args: ServeArgs) -> Result<(), Failure> {
    let mut config = StubConfig::new(args.admin_secret.clone())
        .admin_client_id(args.admin_client_id.clone())
        .listen(args.listen)
        .latency(Duration::from_millis(args.latency))
        .proxy(!args.no_proxy);
    if let Some(secret) = args.route_secret.clone() {
        config = config.route_secret(secret);
    }
    if let Some(path) = args.database {
        config = config.database_path(path);
    }
    let server = StubServer::start(config).await?;
    let seed = server.seed();
    note(format_args!(
        "orgs serve: stand-in Notify API at {} ({} organisations, {} services, {} users); Ctrl-C stops it",
        server.url(),
        seed.organisations,
        seed.services,
        seed.users
    ));
    if let Some(addr) = args.metrics {
        let mut api = ApiClient::builder(server.url())
            .client_id(&args.admin_client_id)
            .secret(&args.admin_secret);
        if let Some(secret) = &args.route_secret {
            api = api.route_secret(secret);
        }
        let cache = page::cache(KEY_PREFIX)?;
        let described = page::describe(&cache);
        let page = Page::new(OrganisationsClient::new(api.build()?, cache));
        let bound = metrics_http::start(addr, page).await?;
        note(format_args!(
            "orgs serve: metrics at http://{bound}/metrics; the cached page at http://{bound}/page/{} (cache: {described})",
            seed.examples.organisation_id
        ));
    }
    server.serve_until_ctrl_c().await?;
    Ok(())
}
