//! The bearer token on every request: HS256 over `{"iss": client id, "iat": now}`.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{EncodingKey, Header};
use serde::{Deserialize, Serialize};

use crate::Error;

/// The claims Notify's API reads. No `exp`: the API accepts an `iat` within 30 seconds of its
/// clock, so a token is made fresh for each request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Claims {
    pub(crate) iss: String,
    pub(crate) iat: u64,
}

/// Signs a token for `issuer` issued at `now`. The header is `{"typ": "JWT", "alg": "HS256"}`.
pub(crate) fn token(issuer: &str, key: &EncodingKey, now: SystemTime) -> Result<String, Error> {
    let iat = now
        .duration_since(UNIX_EPOCH)
        .map_err(|_| Error::Token("the system clock is before 1970".into()))?
        .as_secs();
    let claims = Claims {
        iss: issuer.to_owned(),
        iat,
    };
    crate::jwt_crypto::install_jwt_crypto();
    // The error never contains the key; its text is safe to keep.
    jsonwebtoken::encode(&Header::default(), &claims, key)
        .map_err(|error| Error::Token(error.to_string()))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Validation};

    use super::{Claims, token};

    #[test]
    fn claims_header_and_signature() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let jwt = token("notify-admin", &EncodingKey::from_secret(b"s3cret"), now).unwrap();

        let header = jsonwebtoken::decode_header(&jwt).unwrap();
        assert_eq!(header.alg, Algorithm::HS256);
        assert_eq!(header.typ.as_deref(), Some("JWT"));

        let mut validation = Validation::new(Algorithm::HS256);
        validation.required_spec_claims = HashSet::new();
        validation.validate_exp = false;
        let data =
            jsonwebtoken::decode::<Claims>(&jwt, &DecodingKey::from_secret(b"s3cret"), &validation)
                .unwrap();
        assert_eq!(
            data.claims,
            Claims {
                iss: "notify-admin".into(),
                iat: 1_700_000_000
            }
        );
        assert!(
            jsonwebtoken::decode::<Claims>(&jwt, &DecodingKey::from_secret(b"other"), &validation)
                .is_err()
        );
        // Only the two claims Notify reads.
        let payload: serde_json::Value = jsonwebtoken::dangerous::insecure_decode(&jwt)
            .unwrap()
            .claims;
        assert_eq!(
            payload,
            serde_json::json!({"iss": "notify-admin", "iat": 1_700_000_000})
        );
    }

    #[test]
    fn a_clock_before_1970_is_an_error_not_a_panic() {
        let before = UNIX_EPOCH - Duration::from_secs(1);
        let key = EncodingKey::from_secret(b"k");
        assert!(token("x", &key, before).is_err());
        assert!(token("x", &key, SystemTime::now()).is_ok());
    }
}
