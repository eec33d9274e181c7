//! TLS for `https://` OTLP endpoints, shared by both transports: rustls with the *ring*
//! provider (no aws-lc, whose C build is slow), the roots a server certificate is checked
//! against, the client's identity, and the cause of a rejected server certificate for the
//! export's failure message.
//!
//! Roots: the CA certificates of `OTEL_EXPORTER_OTLP_[TRACES_]CERTIFICATE` alone when it is set
//! (naming a CA pins the collector to it, as in the other OpenTelemetry SDKs); otherwise the
//! Mozilla roots (webpki-roots) and the system's (rustls-native-certs).
//!
//! A file that cannot be used gives one warning naming its variable, its path and the problem
//! (never its contents), and export goes on without it: the default roots, or no client
//! certificate. Export then most likely fails, and the batch processor reports why.

use std::fs::File;
use std::io::Read;
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
#[cfg(feature = "otlp-http")]
use rustls::ClientConfig;
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::config::{ClientIdentity, OtlpTls, PemFile, Warning};
use crate::recover::lock;
use crate::warn;

#[cfg(test)]
mod tests;

/// The largest PEM file read (a CA bundle is a few hundred KiB): a path to something endless,
/// such as `/dev/zero`, must not hold up setup.
const MAX_PEM_BYTES: u64 = 4 << 20;

/// The crypto provider of every OTLP TLS connection.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// What the exporters need for TLS, loaded once from the configured files.
#[derive(Debug)]
pub(super) struct Tls {
    verifier: Arc<RecordingVerifier>,
    identity: Option<Identity>,
}

/// The client's certificate chain and key, checked to belong together.
struct Identity {
    chain: Vec<CertificateDer<'static>>,
    #[cfg_attr(not(feature = "otlp-http"), allow(dead_code))]
    key: PrivateKeyDer<'static>,
    /// The files as read, for tonic, which takes PEM.
    #[cfg_attr(not(feature = "otlp-grpc"), allow(dead_code))]
    certificate_pem: Vec<u8>,
    #[cfg_attr(not(feature = "otlp-grpc"), allow(dead_code))]
    key_pem: Vec<u8>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("Identity")
            .field("chain", &self.chain.len())
            .finish_non_exhaustive()
    }
}

impl Tls {
    /// Loads the files `config` names, each that cannot be used reported once on stderr and
    /// done without.
    pub(super) fn load(config: &OtlpTls) -> Result<Self, String> {
        let mut warnings = Vec::new();
        let tls = Self::load_with_warnings(config, &mut warnings);
        for warning in &warnings {
            warn::report(warning);
        }
        tls
    }

    /// [`Tls::load`], the warnings collected in `warnings`.
    fn load_with_warnings(config: &OtlpTls, warnings: &mut Vec<Warning>) -> Result<Self, String> {
        let (roots, trusted) = match &config.certificate {
            Some(file) => match ca_roots(file) {
                Ok(roots) => (
                    roots,
                    format!(
                        "trusted: the CA certificates of {}={:?} only",
                        file.variable, file.path
                    ),
                ),
                Err(problem) => {
                    warnings.push(Warning::new(
                        file.variable,
                        &file.path.to_string_lossy(),
                        &problem,
                        "a readable PEM file of CA certificates",
                        "the Mozilla and system roots",
                    ));
                    (default_roots(), default_trusted())
                }
            },
            None => (default_roots(), default_trusted()),
        };
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
            .build()
            .map_err(|error| format!("OTLP TLS: no usable root certificate: {error}"))?;
        let identity = match &config.client {
            Some(client) => match identity(client) {
                Ok(identity) => Some(identity),
                Err((file, problem)) => {
                    warnings.push(Warning::new(
                        file.variable,
                        &file.path.to_string_lossy(),
                        &problem,
                        "PEM files of a client certificate chain and of its private key",
                        "no client certificate",
                    ));
                    None
                }
            },
            None => None,
        };
        Ok(Self {
            verifier: Arc::new(RecordingVerifier {
                inner: webpki,
                trusted,
                rejected: Mutex::new(None),
            }),
            identity,
        })
    }

    /// The rustls configuration of the HTTP client.
    #[cfg(feature = "otlp-http")]
    pub(super) fn client_config(&self) -> Result<ClientConfig, String> {
        let builder = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|error| format!("OTLP TLS: {error}"))?
            // Not a weaker check: the verifier delegates to rustls' own (see RecordingVerifier).
            .dangerous()
            .with_custom_certificate_verifier(self.verifier.clone());
        match &self.identity {
            Some(identity) => builder
                .with_client_auth_cert(identity.chain.clone(), identity.key.clone_key())
                .map_err(|error| format!("OTLP TLS: client certificate: {error}")),
            None => Ok(builder.with_no_client_auth()),
        }
    }

    /// `endpoint` (an `https://` one) with these settings.
    #[cfg(feature = "otlp-grpc")]
    pub(super) fn tonic_endpoint(
        &self,
        endpoint: tonic::transport::Endpoint,
        timeout: std::time::Duration,
    ) -> Result<tonic::transport::Endpoint, String> {
        let mut config = tonic::transport::ClientTlsConfig::new().timeout(timeout);
        if let Some(identity) = &self.identity {
            config = config.identity(tonic::transport::Identity::from_pem(
                &identity.certificate_pem,
                &identity.key_pem,
            ));
        }
        endpoint
            .tls_config_with_verifier(config, self.verifier.clone())
            .map_err(|error| format!("OTLP TLS: {error}"))
    }

    /// Forgets earlier rejections: called before each export.
    pub(super) fn clear(&self) {
        *lock(&self.verifier.rejected) = None;
    }

    /// Why the server's certificate was rejected since [`Tls::clear`], if it was.
    pub(super) fn rejection(&self) -> Option<String> {
        let error = lock(&self.verifier.rejected).take()?;
        Some(format!(
            "TLS handshake failed: the collector's certificate was rejected ({error}); {}",
            self.verifier.trusted
        ))
    }
}

fn default_trusted() -> String {
    "trusted: the Mozilla and system roots (OTEL_EXPORTER_OTLP_CERTIFICATE names a private CA)"
        .to_owned()
}

/// The Mozilla roots and the system's. A system store that cannot be read is not worth a
/// warning: the Mozilla roots remain.
fn default_roots() -> RootCertStore {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    roots
}

/// The certificates of a CA file.
fn ca_roots(file: &PemFile) -> Result<RootCertStore, String> {
    let pem = read(file)?;
    let certificates = certificates(&pem)?;
    let mut roots = RootCertStore::empty();
    let (_added, unusable) = roots.add_parsable_certificates(certificates);
    if roots.is_empty() {
        return Err(format!(
            "holds {unusable} certificate(s), none usable as a trust anchor"
        ));
    }
    Ok(roots)
}

/// The client's chain and key, checked to belong together; the file at fault otherwise.
fn identity(client: &ClientIdentity) -> Result<Identity, (&PemFile, String)> {
    let certificate_pem =
        read(&client.certificate).map_err(|problem| (&client.certificate, problem))?;
    let chain = certificates(&certificate_pem).map_err(|problem| (&client.certificate, problem))?;
    let key_pem = read(&client.key).map_err(|problem| (&client.key, problem))?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|error| {
        let problem = match error {
            pem::Error::NoItemsFound => {
                "holds no PEM private key (PKCS#8, PKCS#1 or SEC1)".to_owned()
            }
            _ => "is not a valid PEM file".to_owned(),
        };
        (&client.key, problem)
    })?;
    // rustls' error names the problem (unsupported key, key and certificate mismatch), never
    // the key.
    CertifiedKey::from_der(chain.clone(), key.clone_key(), &provider()).map_err(|error| {
        (
            &client.key,
            format!(
                "cannot be used with {}: {error}",
                client.certificate.variable
            ),
        )
    })?;
    Ok(Identity {
        chain,
        key,
        certificate_pem,
        key_pem,
    })
}

/// The `CERTIFICATE` sections of `pem` (other sections are skipped), at least one.
fn certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    // The parser's own errors quote the offending line: not repeated, it may be secret.
    let certificates = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| "is not a valid PEM file".to_owned())?;
    if certificates.is_empty() {
        return Err("holds no PEM certificate (-----BEGIN CERTIFICATE-----)".to_owned());
    }
    Ok(certificates)
}

/// The file's bytes, or what kept them from being read.
fn read(file: &PemFile) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    File::open(&file.path)
        .and_then(|opened| opened.take(MAX_PEM_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|error| format!("cannot be read: {error}"))?;
    if bytes.len() as u64 > MAX_PEM_BYTES {
        return Err(format!(
            "is larger than {} MiB, too large for a PEM file",
            MAX_PEM_BYTES >> 20
        ));
    }
    Ok(bytes)
}

/// rustls' own verifier, keeping the last rejection: the transports report a failed handshake
/// as a generic connection error, and "the certificate was rejected because ..." is what a
/// person needs to read.
#[derive(Debug)]
struct RecordingVerifier {
    inner: Arc<WebPkiServerVerifier>,
    /// What the roots are, for the message.
    trusted: String,
    rejected: Mutex<Option<rustls::Error>>,
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .inspect_err(|error| *lock(&self.rejected) = Some(error.clone()))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }

    fn root_hint_subjects(&self) -> Option<&[rustls::DistinguishedName]> {
        self.inner.root_hint_subjects()
    }
}
