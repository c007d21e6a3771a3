//! Exit statuses, and which failure ends with which. The table is in `orgs --help` (see
//! [`crate::help`]) and orgs-cli/README.md; tests run the binary for each status.

use std::fmt;
use std::process::ExitCode;

use crate::Failure;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// 0: it did what was asked, or standard output was closed before it finished (`| head`).
    Success = 0,
    /// 1: anything not below (the stand-in API cannot listen, the demo fails).
    Failure = 1,
    /// 2: the arguments are invalid (clap's own status), or a destructive command was refused
    /// as given (`cache delete-pattern` without `--yes`, or matching every key).
    Usage = 2,
    /// 3: what was asked for does not exist (the API answered 404; no organisation has a domain).
    NotFound = 3,
    /// 4: the API answered with an error or not at all, or is not configured.
    Api = 4,
    /// 5: no cache configured for a `cache` command, an invalid cache setting, or Redis failed.
    Cache = 5,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        ExitCode::from(status as u8)
    }
}

macro_rules! message_error {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub(crate) struct $name(pub(crate) String);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::error::Error for $name {}
    };
}

message_error!(
    /// A command refused as given; the message says what to add. Exits with [`Status::Usage`].
    Refused
);
message_error!(
    /// What was asked for does not exist. Exits with [`Status::NotFound`].
    NotFound
);
message_error!(
    /// A `cache` command with no cache to work on. Exits with [`Status::Cache`].
    NoCache
);

/// The status a failure ends the process with.
pub(crate) fn status_of(error: &Failure) -> Status {
    if is_closed_stdout(error) {
        Status::Success
    } else if error.is::<Refused>() {
        Status::Usage
    } else if error.is::<NotFound>() {
        Status::NotFound
    } else if let Some(api) = error.downcast_ref::<orgs_client::Error>() {
        if api.is_not_found() {
            Status::NotFound
        } else if api.is_cache() {
            // A write not sent because Redis could not clear its keys first.
            Status::Cache
        } else {
            Status::Api
        }
    } else if error.is::<cache::Error>() || error.is::<NoCache>() {
        Status::Cache
    } else {
        Status::Failure
    }
}

/// Whether `error` is standard output closed under us: the reader (`head`, a pager) has all it
/// wanted, which is not a failure and not worth a word.
pub(crate) fn is_closed_stdout(error: &Failure) -> bool {
    error
        .downcast_ref::<crate::output::StdoutError>()
        .is_some_and(|error| error.0.kind() == std::io::ErrorKind::BrokenPipe)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(error: impl std::error::Error + Send + Sync + 'static) -> Status {
        status_of(&(Box::new(error) as Failure))
    }

    #[test]
    fn each_failure_has_its_status() {
        assert_eq!(status(Refused("add --yes".into())), Status::Usage);
        assert_eq!(status(NotFound("no such domain".into())), Status::NotFound);
        assert_eq!(
            status(NoCache("REDIS_URL is not set".into())),
            Status::Cache
        );
        assert_eq!(
            status(cache::Error::Config("CACHE_TIMEOUT".into())),
            Status::Cache
        );
        assert_eq!(
            status(orgs_client::Error::Config(
                "API_HOST_NAME is not set".into()
            )),
            Status::Api
        );
        assert_eq!(
            status(orgs_client::Error::NoResponse {
                reason: "refused".into()
            }),
            Status::Api
        );
        let missing = orgs_client::Error::Api {
            status: 404,
            message: "No result found".into(),
            details: None,
        };
        assert_eq!(status(missing), Status::NotFound);
        let unsent = orgs_client::Error::from(cache::Error::Config("Redis is down".into()));
        assert_eq!(status(unsent), Status::Cache);
        let closed = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        assert_eq!(status(crate::output::StdoutError(closed)), Status::Success);
        // Not standard output: a failure like any other.
        let closed = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        assert_eq!(status(closed), Status::Failure);
    }
}
