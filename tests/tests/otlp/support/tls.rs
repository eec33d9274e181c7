//! Certificates made at test time with rcgen (ring, like the runtime): a CA, a server
//! certificate it signed for 127.0.0.1 and localhost, and a client certificate, as PEM files
//! for the demos' `OTEL_EXPORTER_OTLP_*CERTIFICATE` / `*CLIENT_KEY` variables.

use std::path::PathBuf;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A CA and what it signed, in a directory of its own (removed when dropped).
pub struct Pki {
    dir: PathBuf,
    ca_pem: String,
    server_certificate_pem: String,
    server_key_pem: String,
}

impl Pki {
    /// A CA whose common name is `name`, and its certificates.
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "otel-runtime-tests-tls-{}-{}",
            std::process::id(),
            name.replace(' ', "-")
        ));
        std::fs::create_dir_all(&dir).expect("a temporary directory");

        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(DnType::CommonName, name);
        let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().expect("a key"))
            .expect("a CA certificate");
        let issue = |names: &[&str], usage: ExtendedKeyUsagePurpose| {
            let names: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
            let mut params = CertificateParams::new(names).expect("parameters");
            params.extended_key_usages = vec![usage];
            let key = KeyPair::generate().expect("a key");
            let certificate = params.signed_by(&key, &ca).expect("a certificate");
            (certificate.pem(), key.serialize_pem())
        };
        let (server_certificate_pem, server_key_pem) = issue(
            &["127.0.0.1", "localhost"],
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        let (client_certificate_pem, client_key_pem) =
            issue(&["demo"], ExtendedKeyUsagePurpose::ClientAuth);
        let pki = Self {
            dir,
            ca_pem: ca.pem(),
            server_certificate_pem,
            server_key_pem,
        };
        pki.write("ca.pem", &pki.ca_pem);
        pki.write("client.pem", &client_certificate_pem);
        pki.write("client.key", &client_key_pem);
        pki
    }

    fn write(&self, name: &str, contents: &str) {
        std::fs::write(self.dir.join(name), contents).expect("a temporary file");
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }

    /// The CA certificate's file, for `OTEL_EXPORTER_OTLP_CERTIFICATE`.
    pub fn ca_file(&self) -> String {
        self.path("ca.pem")
    }

    /// The client certificate's file, for `OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE`.
    pub fn client_certificate_file(&self) -> String {
        self.path("client.pem")
    }

    /// The client key's file, for `OTEL_EXPORTER_OTLP_CLIENT_KEY`.
    pub fn client_key_file(&self) -> String {
        self.path("client.key")
    }

    /// The receiver's side over HTTP (actix-web with rustls): the server certificate, no
    /// client certificate asked for.
    pub fn rustls_server_config(&self) -> rustls::ServerConfig {
        let chain = CertificateDer::pem_slice_iter(self.server_certificate_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .expect("the server certificate");
        let key =
            PrivateKeyDer::from_pem_slice(self.server_key_pem.as_bytes()).expect("the server key");
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("a server configuration")
    }

    /// The receiver's side over gRPC (tonic): the server certificate, and with
    /// `require_client_certificate` a client certificate signed by this CA.
    pub fn tonic_server_config(
        &self,
        require_client_certificate: bool,
    ) -> tonic::transport::ServerTlsConfig {
        let config = tonic::transport::ServerTlsConfig::new().identity(
            tonic::transport::Identity::from_pem(
                &self.server_certificate_pem,
                &self.server_key_pem,
            ),
        );
        if require_client_certificate {
            config.client_ca_root(tonic::transport::Certificate::from_pem(&self.ca_pem))
        } else {
            config
        }
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
