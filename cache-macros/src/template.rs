//! Key templates: `"service-{service_id}-templates"` split into literal text and placeholders.
//!
//! `{name}` and `<name>` are placeholders; `{name.field.sub}` reads a field path; `{{`, `}}`, `<<`
//! and `>>` are literal characters. Everything else is kept byte for byte.

/// One piece of a template.
#[derive(Debug, PartialEq)]
pub(crate) enum Segment {
    /// Literal key text, escapes already resolved.
    Text(String),
    /// A placeholder to fill from an argument (or `self`).
    Placeholder(Placeholder),
}

/// `{root.fields...}` as written in a template.
#[derive(Debug, PartialEq)]
pub(crate) struct Placeholder {
    /// The argument name, or `self`.
    pub root: String,
    /// Field path after the root: `{org.id}` has `["id"]`.
    pub fields: Vec<String>,
    /// The placeholder as written, braces included, for error messages.
    pub written: String,
}

/// Splits `template` into segments, or explains every malformed piece.
pub(crate) fn parse(template: &str) -> Result<Vec<Segment>, Vec<String>> {
    let mut segments = Vec::new();
    let mut errors = Vec::new();
    let mut text = String::new();
    let mut chars = template.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let close = match c {
            '{' => '}',
            '<' => '>',
            '}' | '>' => {
                if chars.next_if(|&(_, next)| next == c).is_some() {
                    text.push(c);
                } else {
                    errors.push(format!(
                        "unmatched `{c}` in key template: write `{c}{c}` for a literal `{c}`"
                    ));
                }
                continue;
            }
            _ => {
                text.push(c);
                continue;
            }
        };
        if chars.next_if(|&(_, next)| next == c).is_some() {
            text.push(c);
            continue;
        }
        let mut inner = String::new();
        let mut closed = false;
        for (_, next) in chars.by_ref() {
            if next == close {
                closed = true;
                break;
            }
            inner.push(next);
        }
        if !closed {
            errors.push(format!(
                "unclosed placeholder `{}` in key template: add `{close}`, or write `{c}{c}` for a literal `{c}`",
                &template[start..]
            ));
            break;
        }
        let written = format!("{c}{inner}{close}");
        match placeholder(&inner, &written) {
            Ok(placeholder) => {
                if !text.is_empty() {
                    segments.push(Segment::Text(std::mem::take(&mut text)));
                }
                segments.push(Segment::Placeholder(placeholder));
            }
            Err(error) => errors.push(error),
        }
    }
    if !text.is_empty() {
        segments.push(Segment::Text(text));
    }
    if errors.is_empty() {
        Ok(segments)
    } else {
        Err(errors)
    }
}

fn placeholder(inner: &str, written: &str) -> Result<Placeholder, String> {
    let inner = inner.trim();
    if inner.is_empty() {
        return Err(format!(
            "empty placeholder `{written}` in key template: name the argument to put here, e.g. `{{service_id}}`"
        ));
    }
    if let Some((name, spec)) = inner.split_once(':') {
        return Err(format!(
            "format spec `:{spec}` in placeholder `{written}` is not supported: keys are built with `Display`; write `{{{}}}`",
            name.trim()
        ));
    }
    if inner.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "positional placeholder `{written}` is not supported: name the argument, e.g. `{{service_id}}`"
        ));
    }
    let mut parts = inner.split('.').map(str::trim);
    let root = parts.next().unwrap_or_default().to_owned();
    let fields: Vec<String> = parts.map(str::to_owned).collect();
    let root_ok = is_identifier(&root);
    let fields_ok = fields.iter().all(|field| {
        is_identifier(field) || (!field.is_empty() && field.chars().all(|c| c.is_ascii_digit()))
    });
    if !root_ok || !fields_ok {
        return Err(format!(
            "`{written}` is not a placeholder: write an argument name, optionally with a field path, e.g. `{{org.id}}`"
        ));
    }
    if root == "self" && fields.is_empty() {
        return Err(format!(
            "`{written}` needs a field: the receiver itself is not a key; write e.g. `{{self.id}}`"
        ));
    }
    Ok(Placeholder {
        root,
        fields,
        written: written.to_owned(),
    })
}

fn is_identifier(name: &str) -> bool {
    let name = name.strip_prefix("r#").unwrap_or(name);
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
        && name != "_"
}

#[cfg(test)]
mod tests {
    use super::{Placeholder, Segment, parse};

    fn placeholder(root: &str, fields: &[&str], written: &str) -> Segment {
        Segment::Placeholder(Placeholder {
            root: root.into(),
            fields: fields.iter().map(|f| f.to_string()).collect(),
            written: written.into(),
        })
    }

    #[test]
    fn splits_text_and_placeholders() {
        assert_eq!(
            parse("service-{service_id}-templates").unwrap(),
            vec![
                Segment::Text("service-".into()),
                placeholder("service_id", &[], "{service_id}"),
                Segment::Text("-templates".into()),
            ]
        );
        assert_eq!(
            parse("<org.id>{self.region}").unwrap(),
            vec![
                placeholder("org", &["id"], "<org.id>"),
                placeholder("self", &["region"], "{self.region}")
            ]
        );
    }

    #[test]
    fn doubled_delimiters_are_literal() {
        assert_eq!(
            parse("a{{b}}<<c>>").unwrap(),
            vec![Segment::Text("a{b}<c>".into())]
        );
        assert_eq!(parse("").unwrap(), vec![]);
    }

    #[test]
    fn reports_every_malformed_piece() {
        let errors = parse("{}-{0}-{id:?}-}-{self}-{a b}-{id").unwrap_err();
        assert_eq!(errors.len(), 7, "{errors:#?}");
        assert!(errors[0].contains("empty placeholder"));
        assert!(errors[1].contains("positional"));
        assert!(errors[2].contains("format spec `:?`"));
        assert!(errors[3].contains("unmatched `}`"));
        assert!(errors[4].contains("needs a field"));
        assert!(errors[5].contains("is not a placeholder"));
        assert!(errors[6].contains("unclosed placeholder `{id`"));
    }
}
