//! The text after `--help`: every environment variable the command reads, with its meaning,
//! and the exit statuses (see [`crate::exit::Status`]). The cache's variables are rendered from
//! the runtime's own list, so they cannot drift from what `Cache::from_env` reads.

/// The Notify API's variables, named as in Notify's admin app.
macro_rules! api_variables {
    () => {
        "  API_HOST_NAME             Base URL of the Notify API, e.g.
                            https://api.notifications.service.gov.uk (required by `organisations`)
  ADMIN_CLIENT_USER_NAME    Client id that request tokens are issued as (default notify-admin);
                            `serve` accepts tokens from this id
  ADMIN_CLIENT_SECRET       Secret that signs request tokens (required by `organisations`, and by
                            `serve` to check them)
  ROUTE_SECRET_KEY_1        Sent as the X-Custom-Forwarder header, as the proxy in front of Notify's
                            API adds it (default: not sent); `serve` then requires it
"
    };
}

/// How `orgs` departs from an application's use of the cache's variables.
macro_rules! cache_notes {
    () => {
        "In `orgs`: with REDIS_URL unset, `organisations` calls the API every time, `demo` uses an
in-process cache and `cache` commands fail (exit 5). Unless CACHE_TIMEOUT is set, `organisations`
and `cache` give each operation 2s, as they connect afresh on every run; `demo` keeps 100ms.
`cache` commands see only the keys under CACHE_KEY_PREFIX.
"
    };
}

/// Width of the help's name column: the longest name and two spaces, as clap aligns options.
const NAME_COLUMN: usize = 28;
/// Where the help's lines are wrapped.
const LINE_WIDTH: usize = 100;

/// The cache's variables, rendered from the list `cache::Cache::from_env` documents: name,
/// meaning, default and an example, wrapped under the name column.
fn cache_variables() -> String {
    let mut text = String::new();
    for variable in cache::environment::VARIABLES {
        let words = format!(
            "{} (default: {}; e.g. {})",
            variable.meaning, variable.default, variable.example
        );
        let mut line = format!("  {:<width$}", variable.name, width = NAME_COLUMN - 2);
        let mut empty = true;
        for word in words.split_whitespace() {
            if !empty && line.len() + 1 + word.len() > LINE_WIDTH {
                text.push_str(line.trim_end());
                text.push('\n');
                line = " ".repeat(NAME_COLUMN);
                empty = true;
            }
            if !empty {
                line.push(' ');
            }
            line.push_str(word);
            empty = false;
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

/// The variables every command reads.
macro_rules! general_variables {
    () => {
        "  RUST_LOG                  What to log on standard error, e.g. info, debug, cache=debug
                            (default warn; `cache` commands report the cache's errors instead)
  NO_COLOR                  Set and not empty: no colour unless --color always
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
pub(crate) fn top() -> String {
    [
        "Environment variables:\n",
        api_variables!(),
        &cache_variables(),
        general_variables!(),
        "\n",
        cache_notes!(),
        "\n",
        exit_statuses!(),
    ]
    .concat()
}

/// After `orgs cache --help`: the cache's variables and the exit statuses.
pub(crate) fn cache() -> String {
    [
        "Environment variables:\n",
        &cache_variables(),
        general_variables!(),
        "\n",
        cache_notes!(),
        "\n",
        exit_statuses!(),
    ]
    .concat()
}
