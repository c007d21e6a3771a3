//! The cryptography `jsonwebtoken` signs with: HMAC from ring.
//!
//! `jsonwebtoken` is built without a backend feature: its `rust_crypto` backend compiles RSA,
//! ECDSA and EdDSA code this client never uses (Notify's tokens are HS256), and `aws_lc_rs`
//! builds a C library. ring is in the build already, for rustls, and has HMAC.

use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{ErrorKind, Result};
use jsonwebtoken::signature::{self, Signer, Verifier};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey};
use ring::hmac;

/// HMAC only (HS256, HS384, HS512); asking for any other algorithm is an error, not a panic.
static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: signer,
    verifier_factory: verifier,
    key_utils: KeyUtils::new_unimplemented(),
};

/// Makes ring's HMAC the process's `jsonwebtoken` backend, unless the application installed one
/// already (then that one is used: any real backend has HMAC). Cheap after the first call.
///
/// The client calls this before signing, so applications need not; call it yourself only if
/// your own code uses `jsonwebtoken` before the client's first request.
pub fn install_jwt_crypto() {
    // `Err` means a provider is installed already: ours, or the application's.
    let _ = PROVIDER.install_default();
}

fn ring_algorithm(algorithm: &Algorithm) -> Result<hmac::Algorithm> {
    match algorithm {
        Algorithm::HS256 => Ok(hmac::HMAC_SHA256),
        Algorithm::HS384 => Ok(hmac::HMAC_SHA384),
        Algorithm::HS512 => Ok(hmac::HMAC_SHA512),
        _ => Err(ErrorKind::InvalidAlgorithm.into()),
    }
}

fn signer(algorithm: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>> {
    if key.family() != AlgorithmFamily::Hmac {
        return Err(ErrorKind::InvalidKeyFormat.into());
    }
    let key = hmac::Key::new(ring_algorithm(algorithm)?, key.as_bytes());
    Ok(Box::new(Hmac {
        algorithm: *algorithm,
        key,
    }))
}

fn verifier(algorithm: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
    if key.family() != AlgorithmFamily::Hmac {
        return Err(ErrorKind::InvalidKeyFormat.into());
    }
    let key = hmac::Key::new(ring_algorithm(algorithm)?, key.try_get_as_bytes()?);
    Ok(Box::new(Hmac {
        algorithm: *algorithm,
        key,
    }))
}

/// One HMAC key, for one algorithm, signing and verifying.
struct Hmac {
    algorithm: Algorithm,
    key: hmac::Key,
}

impl Signer<Vec<u8>> for Hmac {
    fn try_sign(&self, message: &[u8]) -> std::result::Result<Vec<u8>, signature::Error> {
        Ok(hmac::sign(&self.key, message).as_ref().to_vec())
    }
}

impl Verifier<Vec<u8>> for Hmac {
    fn verify(&self, message: &[u8], tag: &Vec<u8>) -> std::result::Result<(), signature::Error> {
        // Constant-time comparison.
        hmac::verify(&self.key, message, tag).map_err(|_| signature::Error::new())
    }
}

impl JwtSigner for Hmac {
    fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
}

impl JwtVerifier for Hmac {
    fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{Header, Validation};
    use serde_json::{Value, json};

    use super::*;

    /// A token signed outside Rust (Python's `hmac` over the base64url segments, as PyJWT signs
    /// `{"iss": "notify-admin", "iat": 1700000000}` with the secret `s3cret`) must verify, and
    /// one with its signature changed must not.
    #[test]
    fn verifies_a_token_signed_elsewhere_and_refuses_a_tampered_one() {
        install_jwt_crypto();
        let python = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJub3RpZnktYWRtaW4iLCJpYXQiOjE3MDAwMDAwMDB9.oplddXd_GIMFn3QIB3FCQShhg9Jqxyp_hhFD0Hi1LFU";
        let mut validation = Validation::new(Algorithm::HS256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        let key = DecodingKey::from_secret(b"s3cret");
        let claims = jsonwebtoken::decode::<Value>(python, &key, &validation)
            .unwrap()
            .claims;
        assert_eq!(claims, json!({"iss": "notify-admin", "iat": 1_700_000_000}));

        let tampered = python.replace(".opld", ".oplc");
        assert!(jsonwebtoken::decode::<Value>(&tampered, &key, &validation).is_err());
    }

    #[test]
    fn other_algorithms_are_errors_not_panics() {
        install_jwt_crypto();
        let key = EncodingKey::from_secret(b"k");
        let error = jsonwebtoken::encode(&Header::new(Algorithm::RS256), &json!({}), &key);
        assert!(error.is_err());
        let hs512 = jsonwebtoken::encode(&Header::new(Algorithm::HS512), &json!({}), &key);
        assert!(hs512.is_ok());
    }
}
