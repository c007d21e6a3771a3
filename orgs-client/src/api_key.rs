//! Notify service API keys: `{key_name}-{service_id}-{secret}`.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use crate::secret::Secret;

/// Characters at the end of a key holding `{service_id}-{secret}`.
const TAIL_LEN: usize = 36 + 1 + 36;

/// A parsed service API key: the service id (the token's issuer) and the secret that signs tokens.
///
/// Parsing follows Notify's own clients: the last 73 characters are a 36-character service id,
/// `-`, and a 36-character secret (`key[-73:-37]` and `key[-36:]` in Python), after an optional
/// `{key_name}-`. Surrounding whitespace (a trailing newline from a file) is ignored.
///
/// `Debug` shows the service id but never the secret; errors never include the key.
///
/// ```
/// use orgs_client::ServiceApiKey;
///
/// let key: ServiceApiKey =
///     "my_key-6ce466d0-fd6a-11e5-82f5-e0accb9d11a6-4f2bf7d6-2f4b-4bb5-a4ae-3e8f1a5b2e44".parse()?;
/// assert_eq!(key.service_id().to_string(), "6ce466d0-fd6a-11e5-82f5-e0accb9d11a6");
/// assert!(!format!("{key:?}").contains("4f2bf7d6"));
/// # Ok::<(), orgs_client::ApiKeyError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ServiceApiKey {
    service_id: Uuid,
    secret: Secret,
}

/// Why a service API key was refused. Never contains the key or any part of its secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiKeyError {
    /// Fewer than the 73 characters of `{service_id}-{secret}`.
    #[error(
        "service API key is too short: {len} characters, expected at least 73 ({{key_name}}-{{service_id}}-{{secret}})"
    )]
    TooShort {
        /// Length of the key in characters.
        len: usize,
    },
    /// The last 73 characters are not all ASCII, so they cannot be a service id and a secret.
    #[error("service API key is malformed: its last 73 characters must be ASCII")]
    NotAscii,
    /// No `-` between the service id and the secret, or between the key name and the service id.
    #[error(
        "service API key is malformed: expected `-` between {0} (format {{key_name}}-{{service_id}}-{{secret}})"
    )]
    MissingSeparator(&'static str),
    /// The 36 characters before the secret are not a UUID.
    #[error("service API key is malformed: the service id is not a UUID")]
    InvalidServiceId,
    /// The secret contains whitespace or control characters.
    #[error("service API key is malformed: the secret contains whitespace or control characters")]
    InvalidSecret,
}

impl ServiceApiKey {
    /// Parses `{key_name}-{service_id}-{secret}`.
    pub fn parse(key: &str) -> Result<ServiceApiKey, ApiKeyError> {
        let key = key.trim();
        let chars = key.chars().count();
        if chars < TAIL_LEN {
            return Err(ApiKeyError::TooShort { len: chars });
        }
        // Byte slicing is only sound when the tail is ASCII (then 73 bytes are 73 characters);
        // `get` refuses a cut inside a multi-byte character instead of panicking.
        let split = key.len() - TAIL_LEN;
        let (name, tail) = match (key.get(..split), key.get(split..)) {
            (Some(name), Some(tail)) if tail.is_ascii() => (name, tail),
            _ => return Err(ApiKeyError::NotAscii),
        };
        if !name.is_empty() && !name.ends_with('-') {
            return Err(ApiKeyError::MissingSeparator(
                "the key name and the service id",
            ));
        }
        let (service_id, rest) = tail.split_at(36);
        let Some(secret) = rest.strip_prefix('-') else {
            return Err(ApiKeyError::MissingSeparator(
                "the service id and the secret",
            ));
        };
        let service_id = Uuid::try_parse(service_id).map_err(|_| ApiKeyError::InvalidServiceId)?;
        if secret
            .bytes()
            .any(|byte| byte.is_ascii_whitespace() || byte.is_ascii_control())
        {
            return Err(ApiKeyError::InvalidSecret);
        }
        Ok(ServiceApiKey {
            service_id,
            secret: Secret::new(secret),
        })
    }

    /// The service the key belongs to: the issuer (`iss`) of the tokens it signs.
    pub fn service_id(&self) -> Uuid {
        self.service_id
    }

    pub(crate) fn secret(&self) -> &Secret {
        &self.secret
    }
}

impl FromStr for ServiceApiKey {
    type Err = ApiKeyError;

    fn from_str(key: &str) -> Result<Self, Self::Err> {
        ServiceApiKey::parse(key)
    }
}

impl fmt::Debug for ServiceApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceApiKey")
            .field("service_id", &self.service_id)
            .field("secret", &self.secret)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::{ApiKeyError, ServiceApiKey};

    const ID: &str = "6ce466d0-fd6a-11e5-82f5-e0accb9d11a6";
    const SECRET: &str = "4f2bf7d6-2f4b-4bb5-a4ae-3e8f1a5b2e44";

    fn parse(key: &str) -> Result<ServiceApiKey, ApiKeyError> {
        key.parse()
    }

    #[test]
    fn parses_the_last_73_characters() {
        for name in ["my_key-", "a-key-with-dashes-", ""] {
            let key = parse(&format!("{name}{ID}-{SECRET}")).unwrap();
            assert_eq!(key.service_id().to_string(), ID);
            assert_eq!(key.secret().expose(), SECRET);
        }
        // A non-ASCII key name is fine: only the tail is sliced.
        let key = parse(&format!("clé de l’équipe-{ID}-{SECRET}\n")).unwrap();
        assert_eq!(key.secret().expose(), SECRET);
    }

    #[test]
    fn short_keys_are_refused() {
        assert_eq!(parse(""), Err(ApiKeyError::TooShort { len: 0 }));
        assert_eq!(
            parse(&format!("{ID}-{}", &SECRET[1..])),
            Err(ApiKeyError::TooShort { len: 72 })
        );
    }

    #[test]
    fn malformed_keys_are_refused_without_panicking() {
        // Multi-byte characters where the id should be: slicing by bytes would panic.
        let accented = format!("éééé{}-{SECRET}", &ID[4..]);
        assert_eq!(parse(&accented), Err(ApiKeyError::NotAscii));
        let mut emoji = "🔑".repeat(73);
        assert_eq!(parse(&emoji), Err(ApiKeyError::NotAscii));
        emoji.push_str(&format!("{ID}-{SECRET}"));
        assert!(matches!(
            parse(&emoji),
            Err(ApiKeyError::MissingSeparator(_))
        ));

        assert!(matches!(
            parse(&format!("name-{ID}_{SECRET}")),
            Err(ApiKeyError::MissingSeparator(
                "the service id and the secret"
            ))
        ));
        assert!(matches!(
            parse(&format!("name_{ID}-{SECRET}")),
            Err(ApiKeyError::MissingSeparator(
                "the key name and the service id"
            ))
        ));
        // The admin app's historical dummy key: right length, no service id.
        assert!(matches!(
            parse(&"a".repeat(73)),
            Err(ApiKeyError::MissingSeparator(_))
        ));
        assert_eq!(
            parse(&format!("{}-{SECRET}", "a".repeat(36))),
            Err(ApiKeyError::InvalidServiceId)
        );
        assert_eq!(
            parse(&format!("name-{ID}-{}\t{}", &SECRET[..10], &SECRET[11..])),
            Err(ApiKeyError::InvalidSecret)
        );
    }

    #[test]
    fn neither_debug_nor_errors_show_the_secret() {
        let key = parse(&format!("name-{ID}-{SECRET}")).unwrap();
        let shown = format!("{key:?}");
        assert!(shown.contains(ID), "{shown}");
        assert!(!shown.contains(SECRET), "{shown}");

        let bad = format!("name-not-a-uuid-at-all-{}-{SECRET}", "x".repeat(17));
        let error = parse(&bad).unwrap_err();
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(!shown.contains("xxxx"), "{shown}");
    }
}
