//! Reading JSON request bodies and checking them the way Notify's JSON schemas do, with the
//! same messages (`name is a required property`, `crown 1 is not of type boolean, null`, …).

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header::CONTENT_TYPE};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::api_error::ApiError;

/// The type a field must have. Names follow JSON schema's, as the messages quote them.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    Str,
    NullableStr,
    Bool,
    NullableBool,
    NullableNumber,
    Uuid,
    NullableUuid,
    Enum(&'static [&'static str]),
    StrArray,
    EnumArray(&'static [&'static str]),
    UuidArray,
    Email,
}

/// An object schema: its properties, the required ones, and whether other properties pass
/// validation (JSON schema's `additionalProperties`).
pub(crate) struct Schema<'a> {
    pub fields: &'a [(&'static str, Kind)],
    pub required: &'a [&'static str],
    /// `false`: any other property is a validation error (400). `true`: validation lets it
    /// through, for the endpoint to fail on as Notify's does (see [`unknown_fields`]).
    pub additional_properties: bool,
}

/// Parses a JSON body as Flask's `request.get_json()` does: the content type must be JSON.
pub(crate) fn parse_json(headers: &HeaderMap, body: &Bytes) -> Result<Value, ApiError> {
    let mime = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let is_json =
        mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"));
    if !is_json {
        return Err(ApiError::message(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Did not attempt to load JSON data because the request Content-Type was not \
             'application/json'.",
        ));
    }
    // Werkzeug's message around Python's own, which is what Notify answers with.
    serde_json::from_slice(body).map_err(|error| {
        let text = String::from_utf8_lossy(body);
        let reason = crate::py_json::decode_error(&text).unwrap_or_else(|| error.to_string());
        ApiError::bad_request(format!("Failed to decode JSON object: {reason}"))
    })
}

/// Checks `body` against `schema`, collecting every problem as Notify's validator does.
pub(crate) fn validate<'a>(
    body: &'a Value,
    schema: &Schema,
) -> Result<&'a Map<String, Value>, ApiError> {
    let Value::Object(map) = body else {
        return Err(ApiError::validation(format!(
            "{} is not of type object",
            py_repr(body)
        )));
    };
    let mut errors = Vec::new();
    for name in schema.required {
        if !map.contains_key(*name) {
            errors.push(format!("{name} is a required property"));
        }
    }
    for (name, kind) in schema.fields {
        if let Some(value) = map.get(*name)
            && let Some(error) = check(name, *kind, value)
        {
            errors.push(error);
        }
    }
    let unexpected = unknown_fields(map, schema);
    if !schema.additional_properties && !unexpected.is_empty() {
        let verb = if unexpected.len() == 1 { "was" } else { "were" };
        errors.push(format!(
            "Additional properties are not allowed ({} {verb} unexpected)",
            unexpected.join(", ")
        ));
    }
    if errors.is_empty() {
        Ok(map)
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// The properties of `map` that `schema` does not name, in key order.
pub(crate) fn unknown_fields<'a>(map: &'a Map<String, Value>, schema: &Schema) -> Vec<&'a str> {
    map.keys()
        .filter(|k| !schema.fields.iter().any(|(name, _)| name == k))
        .map(String::as_str)
        .collect()
}

fn check(name: &str, kind: Kind, value: &Value) -> Option<String> {
    let not_of_type =
        |types: &str| Some(format!("{name} {} is not of type {types}", py_repr(value)));
    let not_one_of = |v: &Value, allowed: &[&str]| {
        Some(format!(
            "{name} {} is not one of [{}]",
            py_repr(v),
            allowed.join(", ")
        ))
    };
    match kind {
        Kind::Str if !value.is_string() => not_of_type("string"),
        Kind::NullableStr if !(value.is_string() || value.is_null()) => not_of_type("string, null"),
        Kind::Bool if !value.is_boolean() => not_of_type("boolean"),
        Kind::NullableBool if !(value.is_boolean() || value.is_null()) => {
            not_of_type("boolean, null")
        }
        Kind::NullableNumber if !(value.is_number() || value.is_null()) => {
            not_of_type("number, null")
        }
        Kind::Uuid if parse_uuid(value).is_none() => Some(format!("{name} is not a valid UUID")),
        Kind::NullableUuid if !value.is_null() && parse_uuid(value).is_none() => {
            Some(format!("{name} is not a valid UUID"))
        }
        Kind::Enum(allowed) if !value.as_str().is_some_and(|s| allowed.contains(&s)) => {
            not_one_of(value, allowed)
        }
        Kind::StrArray | Kind::EnumArray(_) | Kind::UuidArray => {
            let Some(items) = value.as_array() else {
                return not_of_type("array");
            };
            items.iter().find_map(|item| match kind {
                Kind::StrArray if !item.is_string() => {
                    Some(format!("{name} {} is not of type string", py_repr(item)))
                }
                Kind::EnumArray(allowed)
                    if !item.as_str().is_some_and(|s| allowed.contains(&s)) =>
                {
                    not_one_of(item, allowed)
                }
                Kind::UuidArray if parse_uuid(item).is_none() => {
                    Some(format!("{name} is not a valid UUID"))
                }
                _ => None,
            })
        }
        Kind::Email if !value.as_str().is_some_and(is_email_address) => {
            Some(format!("{name} Not a valid email address"))
        }
        _ => None,
    }
}

/// A UUID in the hyphenated 8-4-4-4-12 form only, as Flask's `uuid` converter accepts.
pub(crate) fn parse_uuid(value: &Value) -> Option<Uuid> {
    value.as_str().and_then(parse_uuid_str)
}

/// See [`parse_uuid`].
pub(crate) fn parse_uuid_str(s: &str) -> Option<Uuid> {
    if s.len() != 36 {
        return None;
    }
    Uuid::try_parse(s).ok()
}

/// A deliberately plain check: one `@`, a local part, and a dotted domain without spaces.
fn is_email_address(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
}

/// How Python prints a value in jsonschema's messages, with quotes removed as Notify removes them.
pub(crate) fn py_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(py_repr).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{k}: {}", py_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SCHEMA: Schema = Schema {
        fields: &[
            ("name", Kind::Str),
            ("crown", Kind::NullableBool),
            ("organisation_type", Kind::Enum(&["central", "local"])),
            ("invited_by", Kind::Uuid),
            ("email_address", Kind::Email),
        ],
        required: &["name"],
        additional_properties: false,
    };

    fn messages(body: Value) -> Vec<String> {
        match validate(&body, &SCHEMA) {
            Err(ApiError::Validation(m)) => m,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn messages_match_notify() {
        assert_eq!(messages(json!({})), ["name is a required property"]);
        assert_eq!(
            messages(json!({"name": 1, "crown": "yes"})),
            [
                "name 1 is not of type string",
                "crown yes is not of type boolean, null"
            ]
        );
        assert_eq!(
            messages(json!({"name": "x", "organisation_type": "county"})),
            ["organisation_type county is not one of [central, local]"]
        );
        assert_eq!(
            messages(json!({"name": "x", "invited_by": "nope", "email_address": "a@b"})),
            [
                "invited_by is not a valid UUID",
                "email_address Not a valid email address"
            ]
        );
        assert_eq!(
            messages(json!({"name": "x", "nmae": "y"})),
            ["Additional properties are not allowed (nmae was unexpected)"]
        );
        assert_eq!(messages(json!(null)), ["None is not of type object"]);
        assert!(validate(&json!({"name": "x", "crown": null}), &SCHEMA).is_ok());
        let open = Schema {
            additional_properties: true,
            ..SCHEMA
        };
        let body = json!({"name": "x", "nmae": "y", "created_by": null});
        let map = validate(&body, &open).expect("unknown fields pass validation");
        assert_eq!(unknown_fields(map, &open), ["created_by", "nmae"]);
    }
}
