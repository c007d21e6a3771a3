//! The text after `--help`: every environment variable the command reads, with its meaning,
//! and the exit statuses (see [`crate::exit::Status`]). Kept as literals so that clap can show
//! them as they are.

/// The Notify API's variables, named as in Notify's admin app.
macro_rules! api_variables {
    () => {
        "  API_HOST_NAME           Base URL of the Notify API, e.g.
                          https://api.notifications.service.gov.uk (required by `organisations`)
  ADMIN_CLIENT_USER_NAME  Client id that request tokens are issued as (default notify-admin);
                          `serve` accepts tokens from this id
  ADMIN_CLIENT_SECRET     Secret that signs request tokens (required by `organisations`, and by
                          `serve` to check them)
  ROUTE_SECRET_KEY_1      Sent as the X-Custom-Forwarder header, as the proxy in front of Notify's
                          API adds it (default: not sent); `serve` then requires it
"
    };
}

/// The cache's variables, as `cache::Cache::from_env` reads them.
macro_rules! cache_variables {
    () => {
        "  REDIS_URL               Redis to cache in: redis://[user:password@]host[:port][/db], or
                          rediss://… for TLS. Unset: no cache (`organisations` calls the API
                          every time, `demo` uses an in-process cache, `cache` commands fail)
  REDIS_ENABLED           0, false, no or off: no cache even with REDIS_URL; 1, true, yes or on:
                          REDIS_URL is required (default: on when REDIS_URL is set)
  CACHE_KEY_PREFIX        Text put before every key, a namespace; `cache` commands see only the
                          keys under it (default: none, keys named as Notify's admin app names them)
  CACHE_DEFAULT_TTL       Time to live of a cached value whose key template names none, e.g. 24h,
                          7d; whole seconds (default 24h)
  CACHE_TIMEOUT           Bound on each cache operation, e.g. 100ms; at most 60s (default 2s for
                          `organisations` and `cache`, which connect afresh on every run; 100ms
                          for `demo`, as in an application)
  CACHE_CONNECT_TIMEOUT   Bound on making a connection to Redis: TCP, TLS, AUTH, SELECT
                          (default 5s)
  CACHE_NEAR_CAPACITY_BYTES Bytes of a near cache in front of one Redis server: copies
                          served in process while Redis's client tracking vouches for them
                          (default 0: none)
  REDIS_TLS_CA_FILE       PEM file of the CA certificates to trust for rediss:// (default: the
                          system's)
  REDIS_TLS_CERT_FILE     Client certificate (PEM) for mutual TLS; set with REDIS_TLS_KEY_FILE
  REDIS_TLS_KEY_FILE      The client certificate's private key (PEM); set with REDIS_TLS_CERT_FILE
  REDIS_TLS_INSECURE      1: accept any server certificate, for development only (default 0)
"
    };
}

/// The variables every command reads.
macro_rules! general_variables {
    () => {
        "  RUST_LOG                What to log on standard error, e.g. info, debug, cache=debug
                          (default warn; `cache` commands report the cache's errors instead)
  NO_COLOR                Set and not empty: no colour unless --color always
"
    };
}

/// The exit statuses.
macro_rules! exit_statuses {
    () => {
        "Exit status:
  0  Success; also when standard output is closed early, as by `orgs organisations list | head`
  1  Any other failure (`serve` cannot listen, `demo` fails)
  2  Usage: invalid arguments, or `cache delete-pattern` refused: no --yes, or a pattern of
     wildcards alone (`*`) without --all or a CACHE_KEY_PREFIX
  3  Not found: the API answered 404, or no organisation has the domain
  4  API error: the API answered with an error or not at all, or API_HOST_NAME or
     ADMIN_CLIENT_SECRET is not set
  5  Cache error: no cache configured for a `cache` command (REDIS_URL unset, or REDIS_ENABLED=0),
     an invalid cache setting, or Redis unreachable, refusing or too slow
"
    };
}

/// After `orgs --help` and `orgs organisations --help`: everything.
pub(crate) const TOP: &str = concat!(
    "Environment variables:\n",
    api_variables!(),
    cache_variables!(),
    general_variables!(),
    "\n",
    exit_statuses!()
);

/// After `orgs cache --help`: the cache's variables and the exit statuses.
pub(crate) const CACHE: &str = concat!(
    "Environment variables:\n",
    cache_variables!(),
    general_variables!(),
    "\n",
    exit_statuses!()
);
