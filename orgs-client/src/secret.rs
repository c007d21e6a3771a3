//! Secret text that never shows itself in `Debug` or `Display`.

use std::fmt;
use std::sync::Arc;

/// A secret (admin secret, route secret, API key secret): readable only through
/// [`expose`](Secret::expose), shown as `***` everywhere else.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(Arc<str>);

impl Secret {
    pub(crate) fn new(value: impl Into<String>) -> Self {
        Secret(Arc::from(value.into()))
    }

    /// The secret itself: only for signing tokens and setting headers.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    pub(crate) fn is_blank(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"***\"")
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn debug_hides_the_value() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "\"***\"");
        assert_eq!(format!("{:?}", Some(secret.clone())), "Some(\"***\")");
        assert_eq!(secret.expose(), "hunter2");
    }
}
