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
    /// `{service_ids[..]}`: one key per element of the collection the path names.
    pub each: bool,
}

/// Splits `template` into segments, and explains every malformed piece. The well-formed
/// placeholders are returned even when some are malformed, so that they can be checked too.
/// `arguments` are the function's argument names, used only to make examples concrete.
pub(crate) fn parse(template: &str, arguments: &[String]) -> (Vec<Segment>, Vec<String>) {
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
        match placeholder(&inner, &written, (c, close), arguments) {
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
    (segments, errors)
}

fn placeholder(
    inner: &str,
    written: &str,
    (open, close): (char, char),
    arguments: &[String],
) -> Result<Placeholder, String> {
    let inner = inner.trim();
    let example = |name: &str| format!("`{open}{name}{close}`");
    let first = arguments.first().map_or("service_id", String::as_str);
    if inner.is_empty() {
        return Err(format!(
            "empty placeholder `{written}` in key template: name the argument to put here, e.g. {}",
            example(first)
        ));
    }
    if let Some((name, spec)) = inner.split_once(':') {
        return Err(format!(
            "format spec `:{spec}` in placeholder `{written}` is not supported: keys are built with `Display`; write {}",
            example(
                Some(name.trim())
                    .filter(|name| !name.is_empty())
                    .unwrap_or(first)
            )
        ));
    }
    if inner.chars().all(|c| c.is_ascii_digit()) {
        // `{0}` most likely means the first argument.
        let named = inner
            .parse::<usize>()
            .ok()
            .and_then(|index| arguments.get(index))
            .map_or(first, String::as_str);
        return Err(format!(
            "positional placeholder `{written}` is not supported: name the argument, e.g. {}",
            example(named)
        ));
    }
    let (inner, each) = match inner.strip_suffix("[..]") {
        Some(collection) => (collection.trim_end(), true),
        None => (inner, false),
    };
    let mut parts = inner.split('.').map(str::trim);
    let root = parts.next().unwrap_or_default().to_owned();
    let fields: Vec<String> = parts.map(str::to_owned).collect();
    let root_ok = is_identifier(&root);
    let fields_ok = fields.iter().all(|field| {
        is_identifier(field) || (!field.is_empty() && field.chars().all(|c| c.is_ascii_digit()))
    });
    if !root_ok || !fields_ok {
        return Err(format!(
            "`{written}` is not a placeholder: write an argument name, optionally with a field path, e.g. {}",
            example(&format!("{first}.id"))
        ));
    }
    if root == "self" && fields.is_empty() {
        return Err(format!(
            "`{written}` needs a field: the receiver itself is not a key; write e.g. {}",
            example("self.id")
        ));
    }
    Ok(Placeholder {
        root,
        fields,
        written: written.to_owned(),
        each,
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
    use super::{Placeholder, Segment};

    fn parse(template: &str, arguments: &[String]) -> Result<Vec<Segment>, Vec<String>> {
        match super::parse(template, arguments) {
            (segments, errors) if errors.is_empty() => Ok(segments),
            (_, errors) => Err(errors),
        }
    }

    fn placeholder(root: &str, fields: &[&str], written: &str) -> Segment {
        Segment::Placeholder(Placeholder {
            root: root.into(),
            fields: fields.iter().map(|f| f.to_string()).collect(),
            written: written.into(),
            each: written.contains("[..]"),
        })
    }

    #[test]
    fn collection_placeholders_make_one_key_per_element() {
        assert_eq!(
            parse("service-{service_ids[..]}-{org.ids [..]}", &[]).unwrap(),
            vec![
                Segment::Text("service-".into()),
                placeholder("service_ids", &[], "{service_ids[..]}"),
                Segment::Text("-".into()),
                placeholder("org", &["ids"], "{org.ids [..]}"),
            ]
        );
        assert!(parse("service-{ids[0]}", &[]).is_err());
    }

    #[test]
    fn splits_text_and_placeholders() {
        assert_eq!(
            parse("service-{service_id}-templates", &[]).unwrap(),
            vec![
                Segment::Text("service-".into()),
                placeholder("service_id", &[], "{service_id}"),
                Segment::Text("-templates".into()),
            ]
        );
        assert_eq!(
            parse("<org.id>{self.region}", &[]).unwrap(),
            vec![
                placeholder("org", &["id"], "<org.id>"),
                placeholder("self", &["region"], "{self.region}")
            ]
        );
    }

    #[test]
    fn doubled_delimiters_are_literal() {
        assert_eq!(
            parse("a{{b}}<<c>>", &[]).unwrap(),
            vec![Segment::Text("a{b}<c>".into())]
        );
        assert_eq!(parse("", &[]).unwrap(), vec![]);
    }

    #[test]
    fn reports_every_malformed_piece() {
        let errors = parse("{}-{0}-{id:?}-}-{self}-{a b}-{id", &[]).unwrap_err();
        assert_eq!(errors.len(), 7, "{errors:#?}");
        assert!(errors[0].contains("empty placeholder"));
        assert!(errors[1].contains("positional"));
        assert!(errors[2].contains("format spec `:?`"));
        assert!(errors[3].contains("unmatched `}`"));
        assert!(errors[4].contains("needs a field"));
        assert!(errors[5].contains("is not a placeholder"));
        assert!(errors[6].contains("unclosed placeholder `{id`"));
    }

    #[test]
    fn examples_use_the_arguments_and_the_delimiters() {
        let arguments = ["org_id".to_owned(), "name".to_owned()];
        let errors = parse("{}-<1>-<name:?>-{3}", &arguments).unwrap_err();
        assert!(errors[0].ends_with("e.g. `{org_id}`"), "{}", errors[0]);
        assert!(errors[1].ends_with("e.g. `<name>`"), "{}", errors[1]);
        assert!(errors[2].ends_with("write `<name>`"), "{}", errors[2]);
        assert!(errors[3].ends_with("e.g. `{org_id}`"), "{}", errors[3]);
        let errors = parse("{:?}", &arguments).unwrap_err();
        assert!(errors[0].ends_with("write `{org_id}`"), "{}", errors[0]);
    }

    #[test]
    fn keeps_the_well_formed_placeholders_of_a_malformed_template() {
        let (segments, errors) = super::parse("a-{x}-{}-{y.z}", &[]);
        assert_eq!(errors.len(), 1);
        assert_eq!(
            segments,
            vec![
                Segment::Text("a-".into()),
                placeholder("x", &[], "{x}"),
                Segment::Text("--".into()),
                placeholder("y", &["z"], "{y.z}"),
            ]
        );
    }
}
