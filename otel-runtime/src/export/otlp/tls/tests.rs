//! Loading the TLS files: certificates made here with rcgen, files in a temporary directory.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair,
};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

use super::*;

/// A CA and what it signed, as PEM.
struct Pki {
    ca: String,
    server: CertificateDer<'static>,
    client_certificate: String,
    client_key: String,
}

impl Pki {
    /// A CA called `name` and what it signed.
    fn new(name: &str) -> Self {
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
            (certificate, key)
        };
        let (server, _) = issue(
            &["localhost", "127.0.0.1"],
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        let (client, client_key) = issue(&["client"], ExtendedKeyUsagePurpose::ClientAuth);
        Self {
            ca: ca.pem(),
            server: server.der().clone(),
            client_certificate: client.pem(),
            client_key: client_key.serialize_pem(),
        }
    }
}

/// A directory of files for one test, removed when dropped.
struct Files(PathBuf);

impl Files {
    fn new(test: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("otel-runtime-tls-{}-{test}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        Self(dir)
    }

    fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).expect("a temporary file");
        path
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn pem_file(variable: &'static str, path: &Path) -> PemFile {
    PemFile {
        variable,
        path: path.to_owned(),
    }
}

fn load(config: &OtlpTls) -> (Tls, Vec<Warning>) {
    let mut warnings = Vec::new();
    let tls = Tls::load_with_warnings(config, &mut warnings).expect("TLS settings");
    (tls, warnings)
}

fn verify(tls: &Tls, certificate: &CertificateDer<'_>, name: &str) -> Result<(), rustls::Error> {
    let name = ServerName::try_from(name.to_owned()).expect("a server name");
    tls.verifier
        .verify_server_cert(certificate, &[], &name, &[], UnixTime::now())
        .map(|_| ())
}

#[test]
fn a_ca_file_is_trusted_alone() {
    let files = Files::new("ca");
    let pki = Pki::new("test CA");
    let other = Pki::new("another CA");
    let ca = files.write("ca.pem", &pki.ca);
    let (tls, warnings) = load(&OtlpTls {
        certificate: Some(pem_file("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", &ca)),
        client: None,
    });
    assert_eq!(warnings, []);
    verify(&tls, &pki.server, "127.0.0.1").expect("signed by the CA, for 127.0.0.1");
    verify(&tls, &pki.server, "localhost").expect("and for localhost");
    assert_eq!(tls.rejection(), None);

    let error = verify(&tls, &other.server, "127.0.0.1").expect_err("another CA");
    assert!(
        matches!(
            error,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)
        ),
        "{error:?}"
    );
    let rejection = tls.rejection().expect("the rejection is kept");
    assert!(
        rejection.starts_with("TLS handshake failed: the collector's certificate was rejected (invalid peer certificate: UnknownIssuer); trusted: the CA certificates of OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE="),
        "{rejection}"
    );
    assert!(rejection.contains("ca.pem"), "{rejection}");
    assert_eq!(tls.rejection(), None, "taken once");

    let _ = verify(&tls, &pki.server, "example.com").expect_err("another name");
    tls.clear();
    assert_eq!(tls.rejection(), None, "cleared before each export");
}

#[test]
fn the_default_roots_are_mozillas_and_the_systems() {
    let roots = default_roots();
    assert!(roots.len() >= webpki_roots::TLS_SERVER_ROOTS.len());
    let (tls, warnings) = load(&OtlpTls::default());
    assert_eq!(warnings, []);
    let _ = verify(&tls, &Pki::new("test CA").server, "127.0.0.1").expect_err("a private CA");
    let rejection = tls.rejection().expect("kept");
    assert!(
        rejection.ends_with(
            "trusted: the Mozilla and system roots (OTEL_EXPORTER_OTLP_CERTIFICATE names a private CA)"
        ),
        "{rejection}"
    );
}

#[test]
fn an_unusable_ca_file_warns_once_and_the_default_roots_are_used() {
    let files = Files::new("bad-ca");
    let pki = Pki::new("test CA");
    let secret = "-----BEGIN CERTIFICATE-----\nc2VjcmV0!!\n-----END CERTIFICATE-----\n";
    let cases = [
        (files.0.join("missing.pem"), "cannot be read: "),
        (files.0.clone(), "cannot be read: "),
        (files.write("empty.pem", ""), "holds no PEM certificate"),
        (
            files.write("garbage.pem", secret),
            "is not a valid PEM file",
        ),
        (
            files.write("key.pem", &pki.client_key),
            "holds no PEM certificate",
        ),
        (
            files.write(
                "not-a-certificate.pem",
                "-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n",
            ),
            "holds 1 certificate(s), none usable as a trust anchor",
        ),
    ];
    for (path, problem) in cases {
        let (tls, warnings) = load(&OtlpTls {
            certificate: Some(pem_file("OTEL_EXPORTER_OTLP_CERTIFICATE", &path)),
            client: None,
        });
        let [warning] = warnings.as_slice() else {
            panic!("one warning for {path:?}: {warnings:?}");
        };
        assert_eq!(warning.setting, "OTEL_EXPORTER_OTLP_CERTIFICATE");
        assert_eq!(warning.value, path.to_string_lossy());
        assert!(warning.problem.starts_with(problem), "{warning}");
        assert_eq!(warning.fallback, "the Mozilla and system roots");
        let line = warning.to_string();
        assert!(!line.contains("c2VjcmV0"), "never the contents: {line}");
        assert!(!line.contains("PRIVATE KEY"), "never the contents: {line}");
        // The fallback: a private CA's certificate is not trusted.
        let _ = verify(&tls, &pki.server, "127.0.0.1").expect_err("default roots");
    }
}

#[test]
fn a_client_certificate_and_its_key_are_checked_together() {
    let files = Files::new("client");
    let pki = Pki::new("test CA");
    let other = Pki::new("another CA");
    let certificate = files.write("client.pem", &pki.client_certificate);
    let key = files.write("client.key", &pki.client_key);
    let client = |certificate: &Path, key: &Path| OtlpTls {
        certificate: None,
        client: Some(ClientIdentity {
            certificate: pem_file("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", certificate),
            key: pem_file("OTEL_EXPORTER_OTLP_CLIENT_KEY", key),
        }),
    };

    let (tls, warnings) = load(&client(&certificate, &key));
    assert_eq!(warnings, []);
    assert!(tls.identity.is_some());
    assert!(!format!("{tls:?}").contains("PRIVATE"), "never the key");
    #[cfg(feature = "otlp-http")]
    assert!(tls.client_config().is_ok());

    let other_key = files.write("other.key", &other.client_key);
    let (tls, warnings) = load(&client(&certificate, &other_key));
    assert!(tls.identity.is_none());
    let [warning] = warnings.as_slice() else {
        panic!("one warning: {warnings:?}");
    };
    assert_eq!(warning.setting, "OTEL_EXPORTER_OTLP_CLIENT_KEY");
    assert!(
        warning
            .problem
            .starts_with("cannot be used with OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: "),
        "{warning}"
    );
    assert_eq!(warning.fallback, "no client certificate");
    assert!(!warning.to_string().contains("PRIVATE KEY"));

    let (_, warnings) = load(&client(&certificate, &certificate));
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].setting, "OTEL_EXPORTER_OTLP_CLIENT_KEY");
    assert_eq!(
        warnings[0].problem,
        "holds no PEM private key (PKCS#8, PKCS#1 or SEC1)"
    );

    let (_, warnings) = load(&client(&key, &key));
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].setting, "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE");
    assert_eq!(
        warnings[0].problem,
        "holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
    );

    let missing = files.0.join("missing.key");
    let (_, warnings) = load(&client(&certificate, &missing));
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].problem.starts_with("cannot be read: "));
}
