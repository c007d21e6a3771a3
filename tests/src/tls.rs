//! Certificates made at test time: a CA, a server certificate for 127.0.0.1 and localhost, and
//! a client certificate, as PEM files in a fresh temporary directory (removed on drop).

use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

/// A CA with a server and a client certificate, written to files.
pub struct TestCerts {
    dir: PathBuf,
    /// The CA certificate (trust this to accept the server's).
    pub ca_cert: PathBuf,
    /// The server's certificate, for 127.0.0.1 and localhost.
    pub server_cert: PathBuf,
    /// The server's private key.
    pub server_key: PathBuf,
    /// A client certificate signed by the CA (mutual TLS).
    pub client_cert: PathBuf,
    /// The client certificate's private key.
    pub client_key: PathBuf,
}

impl TestCerts {
    /// Makes a new CA and its certificates.
    pub fn generate() -> TestCerts {
        let dir = std::env::temp_dir().join(format!(
            "cache-tests-tls-{}-{}",
            std::process::id(),
            crate::Rng::random_seed()
        ));
        std::fs::create_dir_all(&dir).expect("create a directory for test certificates");

        let ca_key = KeyPair::generate().expect("generate the CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "cache-tests CA");
        let ca_cert = ca_params.self_signed(&ca_key).expect("sign the CA");
        let issuer = Issuer::new(ca_params, ca_key);

        let leaf = |names: Vec<String>, common_name: &str| {
            let key = KeyPair::generate().expect("generate a key");
            let mut params = CertificateParams::new(names).expect("certificate params");
            params
                .distinguished_name
                .push(DnType::CommonName, common_name);
            let cert = params.signed_by(&key, &issuer).expect("sign a certificate");
            (cert.pem(), key.serialize_pem())
        };
        let (server_cert, server_key) = leaf(
            vec!["127.0.0.1".into(), "localhost".into()],
            "cache-tests server",
        );
        let (client_cert, client_key) =
            leaf(vec!["cache-tests-client".into()], "cache-tests client");

        let write = |name: &str, contents: &str| {
            let path = dir.join(name);
            std::fs::write(&path, contents).expect("write a test certificate");
            path
        };
        TestCerts {
            ca_cert: write("ca.pem", &ca_cert.pem()),
            server_cert: write("server.pem", &server_cert),
            server_key: write("server.key", &server_key),
            client_cert: write("client.pem", &client_cert),
            client_key: write("client.key", &client_key),
            dir,
        }
    }

    /// The directory holding the files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for TestCerts {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
