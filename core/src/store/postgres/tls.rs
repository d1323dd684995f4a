//! TLS to PostgreSQL with rustls: the connector a connection string's `sslmode` and
//! `sslrootcert` ask for.
//!
//! | `sslmode` | TLS | the server's certificate must |
//! |---|---|---|
//! | `disable` | never | — |
//! | `prefer` (default) | when the server offers it | nothing (with `sslrootcert`: chain to that CA) |
//! | `require` | always | nothing (with `sslrootcert`: chain to that CA) |
//! | `verify-ca` | always | chain to a trusted CA |
//! | `verify-full` | always | chain to a trusted CA and name the host connected to |
//!
//! Trusted CAs are those of `sslrootcert` (a PEM file) or, without it (or with
//! `sslrootcert=system`), the operating system's bundle. Handshake signatures are
//! checked in every mode; without verification the connection is encrypted but
//! its peer unproven, as in libpq.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::conninfo::{RootCerts, TlsOptions, Verification};

/// The connector for `options`; the error says why it cannot be built (an
/// unreadable CA bundle, an empty one).
pub(crate) fn connector(options: &TlsOptions) -> Result<MakeRustlsConnect, String> {
    let provider = Arc::new(provider());
    let verifier: Arc<dyn ServerCertVerifier> = match options.verification() {
        Verification::None => Arc::new(Unverified(provider.clone())),
        Verification::Chain => Arc::new(AnyHostName(web_pki(options, &provider)?)),
        Verification::ChainAndHost => web_pki(options, &provider)?,
    };
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot configure TLS: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// rustls with *ring*: pure Rust and assembly, nothing to install. rustls 0.23.48
/// deprecated this provider because *ring* has no post-quantum key exchange; the
/// alternative (aws-lc-rs) builds a large C library under the OpenSSL licence, and
/// the PostgreSQL servers this connects to negotiate classical groups (X25519,
/// P-256) anyway. SECURITY.md says so.
#[allow(deprecated)]
fn provider() -> CryptoProvider {
    rustls::crypto::ring::default_provider()
}

/// The standard verifier: chain to a trusted CA, issued for the host.
fn web_pki(
    options: &TlsOptions,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<WebPkiServerVerifier>, String> {
    let roots = Arc::new(root_store(&options.roots())?);
    WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
        .build()
        .map_err(|e| format!("cannot build the certificate verifier: {e}"))
}

/// The trusted CA certificates.
fn root_store(roots: &RootCerts) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    match roots {
        RootCerts::System => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = store.add_parsable_certificates(found.certs);
            if added == 0 {
                return Err(
                    "no usable CA certificate in the system's bundle; name one with sslrootcert"
                        .to_owned(),
                );
            }
        }
        RootCerts::File(path) => {
            let shown = path.display();
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| format!("cannot read sslrootcert {shown}: {e}"))?;
            for cert in certs {
                let cert = cert.map_err(|e| format!("cannot read sslrootcert {shown}: {e}"))?;
                store.add(cert).map_err(|e| {
                    format!("sslrootcert {shown} holds an unusable certificate: {e}")
                })?;
            }
            if store.is_empty() {
                return Err(format!("sslrootcert {shown} holds no PEM certificate"));
            }
        }
    }
    Ok(store)
}

/// `verify-ca`: the chain must lead to a trusted CA; the name may be any.
#[derive(Debug)]
struct AnyHostName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyHostName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verified =
            self.0
                .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now);
        match verified {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// `prefer` and `require` without a CA bundle: encryption with an unproven peer
/// (libpq's behaviour); the handshake's signatures are still checked.
#[derive(Debug)]
struct Unverified(Arc<CryptoProvider>);

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::postgres::conninfo::split;

    #[test]
    fn a_missing_ca_bundle_is_named_in_the_error() {
        let options = split("host=h sslmode=verify-full sslrootcert=/nonexistent/ca.pem")
            .unwrap()
            .tls;
        let err = connector(&options).err().unwrap_or_default();
        assert!(err.contains("/nonexistent/ca.pem"), "{err}");
    }

    #[test]
    fn unverified_modes_need_no_bundle() {
        for url in ["host=h", "host=h sslmode=require", "host=h sslmode=disable"] {
            assert!(connector(&split(url).unwrap().tls).is_ok(), "{url}");
        }
    }

    #[test]
    fn a_file_without_certificates_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.pem");
        std::fs::write(&path, "not a certificate\n").unwrap();
        let url = format!("host=h sslmode=verify-ca sslrootcert={}", path.display());
        let err = connector(&split(&url).unwrap().tls)
            .err()
            .unwrap_or_default();
        assert!(err.contains("no PEM certificate"), "{err}");
    }
}
