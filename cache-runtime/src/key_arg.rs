//! Notify's key rule for string arguments: one that reads as a UUID goes into keys lower-case,
//! so `6CE466D0-…` and `6ce466d0-…` name one key, as they do in Notify's Python app (a `Uuid`
//! argument is lower-case already). [`Verbatim`] opts an argument out.
//!
//! Generated code writes each placeholder as `(&KeyArg(&value)).key_part()`: method
//! resolution picks [`KeyStr`] for string types and [`KeyDisplay`] (the value's own `Display`)
//! for every other type, at compile time.

use std::borrow::Cow;
use std::fmt;
use std::rc::Rc;
use std::sync::Arc;

use crate::__private::KeyPart;

/// A key argument on its way into a key.
pub struct KeyArg<'a, T: ?Sized>(pub &'a T);

/// The string types the rule applies to.
pub trait AsKeyStr {
    /// The text of the argument.
    fn as_key_str(&self) -> &str;
}

impl AsKeyStr for str {
    fn as_key_str(&self) -> &str {
        self
    }
}

impl AsKeyStr for String {
    fn as_key_str(&self) -> &str {
        self
    }
}

impl AsKeyStr for Cow<'_, str> {
    fn as_key_str(&self) -> &str {
        self
    }
}

impl AsKeyStr for Box<str> {
    fn as_key_str(&self) -> &str {
        self
    }
}

impl AsKeyStr for Arc<str> {
    fn as_key_str(&self) -> &str {
        self
    }
}

impl AsKeyStr for Rc<str> {
    fn as_key_str(&self) -> &str {
        self
    }
}

impl<T: AsKeyStr + ?Sized> AsKeyStr for &T {
    fn as_key_str(&self) -> &str {
        (**self).as_key_str()
    }
}

/// Picked for string arguments: written by [`UuidLower`].
pub trait KeyStr<'a> {
    /// The argument as it goes into the key.
    fn key_part(&self) -> UuidLower<'a>;
}

impl<'a, T: AsKeyStr + ?Sized> KeyStr<'a> for KeyArg<'a, T> {
    fn key_part(&self) -> UuidLower<'a> {
        UuidLower(self.0.as_key_str())
    }
}

/// Picked for every other argument: written with its own `Display`.
///
/// The `KeyPart` bound is checked here, once, at the placeholder's value: its message says what
/// a key needs in the user's words, and the `&dyn Display` returned spares `format_args!` a
/// second error about the same value.
pub trait KeyDisplay<'a, T> {
    /// The argument as it goes into the key.
    fn key_part(&self) -> &'a dyn fmt::Display
    where
        T: KeyPart;
}

impl<'a, T> KeyDisplay<'a, T> for &KeyArg<'a, T> {
    fn key_part(&self) -> &'a dyn fmt::Display
    where
        T: KeyPart,
    {
        self.0
    }
}

/// A string written as it is, or lower-case if it reads as a UUID.
pub struct UuidLower<'a>(pub &'a str);

impl fmt::Display for UuidLower<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0;
        // Nothing changes for a string too short for a UUID or with no upper-case letter (most
        // strings): a length check, or one branch-free scan, and no copy.
        if text.len() < 32
            || !text
                .bytes()
                .fold(false, |upper, b| upper | b.is_ascii_uppercase())
            || !reads_as_uuid(text)
        {
            return f.write_str(text);
        }
        // A UUID form is all ASCII: lower-case it in stack-sized pieces.
        let mut buffer = [0u8; 64];
        for chunk in text.as_bytes().chunks(buffer.len()) {
            let piece = &mut buffer[..chunk.len()];
            piece.copy_from_slice(chunk);
            piece.make_ascii_lowercase();
            f.write_str(std::str::from_utf8(piece).map_err(|_| fmt::Error)?)?;
        }
        Ok(())
    }
}

/// Whether Python's `uuid.UUID(text)` accepts `text`, for the forms it documents: 32 hex
/// digits, with any hyphens, optionally in braces or after `urn:uuid:`.
pub(crate) fn reads_as_uuid(text: &str) -> bool {
    let text = text
        .strip_prefix("urn:uuid:")
        .or_else(|| text.strip_prefix("uuid:"))
        .unwrap_or(text);
    let text = text.trim_matches(['{', '}']);
    let mut digits = 0;
    for byte in text.bytes() {
        match byte {
            b'-' => {}
            _ if byte.is_ascii_hexdigit() => digits += 1,
            _ => return false,
        }
    }
    digits == 32
}

/// A key argument written exactly as its `Display` writes it: opts a string out of the UUID
/// rule (so `Verbatim("6CE466D0-…")` stays upper-case in the key).
///
/// ```
/// # use cache::{Cache, Verbatim};
/// struct Codes { cache: Cache }
///
/// impl Codes {
///     // `code` is case-sensitive: an upper-case UUID-like code keeps its own key.
///     #[cache::set("code-{code}", cache = self.cache)]
///     async fn lookup(&self, code: Verbatim<String>) -> u32 {
///         code.0.len() as u32
///     }
/// }
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let codes = Codes { cache: Cache::in_memory() };
/// let code = "6CE466D0-1B7C-4C2C-9C47-7A1B8A2C3D4E".to_owned();
/// codes.lookup(Verbatim(code.clone())).await;
/// let ttl = codes.cache.ttl(&format!("code-{code}")).await.unwrap();
/// assert!(!matches!(ttl, cache::KeyTtl::Missing), "stored under the upper-case key");
/// # });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Verbatim<T>(pub T);

impl<T: fmt::Display> fmt::Display for Verbatim<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_of<T: fmt::Display + ?Sized>(value: &T) -> String {
        format!("s-{value}")
    }

    #[test]
    fn strings_that_read_as_uuids_are_lower_cased() {
        let upper = "6CE466D0-1B7C-4C2C-9C47-7A1B8A2C3D4E";
        let lower = "6ce466d0-1b7c-4c2c-9c47-7a1b8a2c3d4e";
        for form in [
            upper.to_owned(),
            upper.replace('-', ""),
            format!("{{{upper}}}"),
            format!("urn:uuid:{upper}"),
        ] {
            assert_eq!(
                key_of(&UuidLower(&form)),
                format!("s-{}", form.to_ascii_lowercase())
            );
        }
        assert_eq!(key_of(&UuidLower(lower)), format!("s-{lower}"));
        for other in [
            "ABC",
            "6CE466D0-1B7C-4C2C-9C47-7A1B8A2C3D4",
            "Zürich",
            "G".repeat(32).as_str(),
        ] {
            assert_eq!(key_of(&UuidLower(other)), format!("s-{other}"), "{other}");
        }
    }

    #[test]
    #[allow(clippy::needless_borrow)] // written as generated code writes it
    fn method_resolution_picks_the_rule_for_strings_only() {
        use super::{KeyDisplay as _, KeyStr as _};
        let upper = String::from("6CE466D0-1B7C-4C2C-9C47-7A1B8A2C3D4E");
        let slice: &str = &upper;
        assert_eq!(
            format!("{}", (&KeyArg(&upper)).key_part()),
            upper.to_lowercase()
        );
        assert_eq!(
            format!("{}", (&KeyArg(&slice)).key_part()),
            upper.to_lowercase()
        );
        let verbatim = Verbatim(upper.clone());
        assert_eq!(format!("{}", (&KeyArg(&verbatim)).key_part()), upper);
        assert_eq!(format!("{}", (&KeyArg(&42u32)).key_part()), "42");
    }
}
