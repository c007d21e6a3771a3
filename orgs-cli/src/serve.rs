//! `orgs serve`: the stand-in API as a standalone process.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use notify_stub::{StubConfig, StubServer};

use crate::Failure;
use crate::output::note;

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
}

pub(crate) async fn run(args: ServeArgs) -> Result<(), Failure> {
    let mut config = StubConfig::new(args.admin_secret)
        .admin_client_id(args.admin_client_id)
        .listen(args.listen)
        .latency(Duration::from_millis(args.latency))
        .proxy(!args.no_proxy);
    if let Some(secret) = args.route_secret {
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
    server.serve_until_ctrl_c().await?;
    Ok(())
}
