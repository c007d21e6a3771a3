//! Text placed in markup: the page's HTML (names from the API) and the demo's SVG chart (labels
//! and notes). One escaper serves both, with only references HTML and XML share.

/// `text` with markup's special characters escaped, for element text and attribute values
/// alike, in HTML and in XML (`&#39;`, not `&apos;`, which HTML 4 lacks). Control characters
/// XML 1.0 does not allow become spaces.
pub(crate) fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => escaped.push(' '),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(
            escape(r#"<b>"Tom" & 'Jerry'</b>"#),
            "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;"
        );
        assert_eq!(escape("tab\tnew\nline\u{1b}end"), "tab\tnew\nline end");
    }
}
