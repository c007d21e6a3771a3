//! Redis glob patterns: matching (for the in-process backend) and escaping (for argument values).
//!
//! The matcher follows Redis's `stringmatchlen`: `*`, `?`, `[abc]`, `[^a]`, `[a-z]` and `\x` escapes,
//! so a pattern deletes the same keys whichever backend is behind the handle.

use std::fmt;

/// Displays a value with every Redis glob metacharacter (`*`, `?`, `[`, `]`, `\`) escaped by `\`,
/// so that the value matches only itself inside a `SCAN MATCH` pattern.
pub struct GlobEscaped<T>(pub T);

impl<'a, T: crate::__private::KeyPart + 'a> GlobEscaped<&'a T> {
    /// Escapes `value`. Generated code calls this rather than the constructor, so that a value
    /// that is not `Display` is reported once, as exactly that, at the argument it came from
    /// (the result is `Display` whatever `T` is, so `format_args!` adds no second error).
    pub fn new(value: &'a T) -> GlobEscaped<&'a dyn fmt::Display> {
        GlobEscaped(value)
    }
}

impl<T: fmt::Display> fmt::Display for GlobEscaped<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Escaper<'a, 'b>(&'a mut fmt::Formatter<'b>);
        impl fmt::Write for Escaper<'_, '_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                let mut start = 0;
                for (i, c) in s.char_indices() {
                    if matches!(c, '*' | '?' | '[' | ']' | '\\') {
                        self.0.write_str(&s[start..i])?;
                        self.0.write_str("\\")?;
                        start = i;
                    }
                }
                self.0.write_str(&s[start..])
            }
        }
        fmt::write(&mut Escaper(f), format_args!("{}", self.0))
    }
}

/// Whether `text` matches the Redis glob `pattern`, byte for byte as Redis decides it.
pub(crate) fn glob_matches(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    // Where to resume after the most recent `*`: (pattern index after it, text index it covers up to).
    let mut backtrack: Option<(usize, usize)> = None;
    loop {
        if p < pattern.len() {
            match pattern[p] {
                b'*' => {
                    while p < pattern.len() && pattern[p] == b'*' {
                        p += 1;
                    }
                    if p == pattern.len() {
                        return true;
                    }
                    backtrack = Some((p, t));
                    continue;
                }
                _ if t < text.len() => {
                    if let Some(next) = match_one(pattern, p, text[t]) {
                        p = next;
                        t += 1;
                        continue;
                    }
                }
                _ => {}
            }
        } else if t == text.len() {
            return true;
        }
        match backtrack {
            Some((star_p, star_t)) if star_t < text.len() => {
                backtrack = Some((star_p, star_t + 1));
                p = star_p;
                t = star_t + 1;
            }
            _ => return false,
        }
    }
}

/// Matches one text byte against the pattern element at `p` (not `*`); returns the index after the element.
fn match_one(pattern: &[u8], p: usize, c: u8) -> Option<usize> {
    match pattern[p] {
        b'?' => Some(p + 1),
        b'\\' if p + 1 < pattern.len() => (pattern[p + 1] == c).then_some(p + 2),
        b'[' => match_class(pattern, p + 1, c),
        literal => (literal == c).then_some(p + 1),
    }
}

/// Matches `c` against a `[...]` class whose body starts at `p`; returns the index after `]`.
fn match_class(pattern: &[u8], mut p: usize, c: u8) -> Option<usize> {
    let negate = pattern.get(p) == Some(&b'^');
    if negate {
        p += 1;
    }
    let mut matched = false;
    loop {
        match pattern.get(p) {
            // Redis treats an unterminated class as ending at the end of the pattern.
            None => {
                p = pattern.len();
                break;
            }
            Some(b']') => {
                p += 1;
                break;
            }
            Some(b'\\') if p + 1 < pattern.len() => {
                matched |= pattern[p + 1] == c;
                p += 2;
            }
            Some(&start) if pattern.get(p + 1) == Some(&b'-') && p + 2 < pattern.len() => {
                let end = pattern[p + 2];
                let (low, high) = if start <= end {
                    (start, end)
                } else {
                    (end, start)
                };
                matched |= (low..=high).contains(&c);
                p += 3;
            }
            Some(&literal) => {
                matched |= literal == c;
                p += 1;
            }
        }
    }
    (matched != negate).then_some(p)
}

#[cfg(test)]
mod tests {
    use super::{GlobEscaped, glob_matches};

    fn m(pattern: &str, text: &str) -> bool {
        glob_matches(pattern.as_bytes(), text.as_bytes())
    }

    #[test]
    fn wildcards() {
        assert!(m("service-*-template-*", "service-1-template-2"));
        assert!(m("*", ""));
        assert!(m("a*", "a"));
        assert!(!m("a*b", "acbd"));
        assert!(m("a*b*c", "aXbYbZc"));
        assert!(m("h?llo", "hello"));
        assert!(!m("h?llo", "hllo"));
    }

    #[test]
    fn classes_and_escapes() {
        assert!(m("h[ae]llo", "hallo"));
        assert!(!m("h[ae]llo", "hillo"));
        assert!(m("h[^e]llo", "hallo"));
        assert!(!m("h[^e]llo", "hello"));
        assert!(m("h[a-c]llo", "hbllo"));
        assert!(m("h[c-a]llo", "hbllo"));
        assert!(m("a\\*b", "a*b"));
        assert!(!m("a\\*b", "axb"));
        assert!(m("[\\]]", "]"));
    }

    #[test]
    fn escaped_values_match_only_themselves() {
        for value in ["*", "?", "[a-z]", "\\", "a\\*", "[^x]*", "plain"] {
            let pattern = GlobEscaped(value).to_string();
            assert!(m(&pattern, value), "{pattern} should match {value}");
            for other in ["", "a", "x", "ab", "[", "]", "plain!", "\\\\"] {
                if other != value {
                    assert!(!m(&pattern, other), "{pattern} must not match {other}");
                }
            }
        }
    }
}
