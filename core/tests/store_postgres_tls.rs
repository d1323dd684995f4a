//! Issue #28: TLS to PostgreSQL, against real servers.
//!
//! `scripts/with-postgres --tls` starts a server that accepts TLS connections only
//! (plain TCP is rejected by `pg_hba.conf`), with a certificate for `localhost`
//! signed by a throw-away CA; so every connection that works here was encrypted.
//! It sets `PATTERN_LEARNING_TEST_POSTGRES_TLS`, `PATTERN_LEARNING_TEST_POSTGRES_CA`
//! and `PATTERN_LEARNING_TEST_POSTGRES_OTHER_CA` (a CA that signed nothing). The
//! refusal of a server without TLS uses the plain server of an outer
//! `scripts/with-postgres` (`PATTERN_LEARNING_TEST_POSTGRES`). `scripts/test` runs:
//! `scripts/with-postgres --tls cargo test -p pattern-learning --features postgres
//! --test store_postgres_tls` inside its own `scripts/with-postgres`. Without the
//! variables every test prints that it was skipped and why.
#![cfg(feature = "postgres")]

use std::sync::Arc;

use pattern_learning::store::{PostgresOptions, PostgresStore, Store};
use pattern_learning::{v1, Engine, Error, Feedback, MessageContext};

/// The TLS server's URL (host `localhost`), its CA and the unknown CA.
struct TlsServer {
    url: String,
    ca: String,
    other_ca: String,
}

impl TlsServer {
    fn get(test: &str) -> Option<TlsServer> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        match (
            var("PATTERN_LEARNING_TEST_POSTGRES_TLS"),
            var("PATTERN_LEARNING_TEST_POSTGRES_CA"),
            var("PATTERN_LEARNING_TEST_POSTGRES_OTHER_CA"),
        ) {
            (Some(url), Some(ca), Some(other_ca)) => Some(TlsServer { url, ca, other_ca }),
            _ => {
                eprintln!(
                    "SKIPPED {test}: PATTERN_LEARNING_TEST_POSTGRES_TLS is not set. These tests \
                     need a PostgreSQL server with TLS; run them under \
                     `scripts/with-postgres scripts/with-postgres --tls` (scripts/test does)."
                );
                None
            }
        }
    }

    /// The URL with `params` appended, and `host` instead of `localhost`.
    fn url(&self, host: &str, params: &str) -> String {
        format!("{}?{params}", self.url.replacen("localhost", host, 1))
    }
}

/// Options with a schema of its own for one test.
fn schema(test: &str) -> PostgresOptions {
    PostgresOptions {
        schema: format!("tls_{test}_{}", std::process::id()),
        ..PostgresOptions::default()
    }
}

fn open(url: &str, test: &str) -> pattern_learning::Result<PostgresStore> {
    PostgresStore::open_with(url, schema(test))
}

/// The reason of a TLS error, or a panic naming what came instead.
fn tls_reason(result: pattern_learning::Result<PostgresStore>) -> String {
    match result {
        Err(Error::Tls { location, reason }) => {
            assert!(location.starts_with("postgres://"), "{location}");
            reason
        }
        Err(other) => panic!("expected a TLS error, got {other:?}"),
        Ok(store) => panic!("expected a TLS error, connected: {store:?}"),
    }
}

#[test]
fn verify_full_connects_with_the_right_ca_and_host() {
    let Some(server) = TlsServer::get("verify_full_connects_with_the_right_ca_and_host") else {
        return;
    };
    let url = server.url(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={}", server.ca),
    );
    let options = schema("verify_full");
    let engine = Engine::builder()
        .open_postgres(&url, options.clone())
        .unwrap()
        .build()
        .unwrap();
    engine
        .feedback(&Feedback::answer("do you sell gift cards", "Yes, online."))
        .unwrap();
    let d = engine
        .process("do you sell gift cards", &MessageContext::new())
        .unwrap();
    assert_eq!(d.response.as_deref(), Some("Yes, online."));
    // A second engine, over its own TLS connection, sees what the first learned.
    let other = PostgresStore::open_with(&url, options).unwrap();
    assert_eq!(other.load().unwrap().patterns.len(), 1);
}

#[test]
fn verify_full_refuses_a_wrong_host_name() {
    let Some(server) = TlsServer::get("verify_full_refuses_a_wrong_host_name") else {
        return;
    };
    // The certificate names `localhost`, not the address.
    let url = server.url(
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={}", server.ca),
    );
    let reason = tls_reason(open(&url, "wrong_host"));
    assert!(reason.contains("not valid for name"), "{reason}");
}

#[test]
fn verify_full_refuses_an_unknown_ca() {
    let Some(server) = TlsServer::get("verify_full_refuses_an_unknown_ca") else {
        return;
    };
    let url = server.url(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={}", server.other_ca),
    );
    let reason = tls_reason(open(&url, "unknown_ca"));
    assert!(reason.contains("UnknownIssuer"), "{reason}");
}

#[test]
fn verify_full_without_sslrootcert_trusts_the_system_bundle_only() {
    let Some(server) =
        TlsServer::get("verify_full_without_sslrootcert_trusts_the_system_bundle_only")
    else {
        return;
    };
    // The throw-away CA is in no system bundle.
    let reason = tls_reason(open(
        &server.url("localhost", "sslmode=verify-full"),
        "system",
    ));
    assert!(reason.contains("UnknownIssuer"), "{reason}");
}

#[test]
fn verify_ca_checks_the_chain_but_not_the_host_name() {
    let Some(server) = TlsServer::get("verify_ca_checks_the_chain_but_not_the_host_name") else {
        return;
    };
    let good = server.url(
        "127.0.0.1",
        &format!("sslmode=verify-ca&sslrootcert={}", server.ca),
    );
    open(&good, "verify_ca").unwrap();
    let unknown = server.url(
        "127.0.0.1",
        &format!("sslmode=verify-ca&sslrootcert={}", server.other_ca),
    );
    let reason = tls_reason(open(&unknown, "verify_ca_unknown"));
    assert!(reason.contains("UnknownIssuer"), "{reason}");
}

#[test]
fn require_and_prefer_encrypt_without_verifying() {
    let Some(server) = TlsServer::get("require_and_prefer_encrypt_without_verifying") else {
        return;
    };
    // The server rejects unencrypted connections: these were encrypted.
    open(&server.url("127.0.0.1", "sslmode=require"), "require").unwrap();
    open(&server.url("127.0.0.1", "sslmode=prefer"), "prefer").unwrap();
    open(&server.url.replacen("localhost", "127.0.0.1", 1), "default").unwrap();
    // With a CA bundle, `require` checks the chain (as libpq does).
    let url = server.url(
        "localhost",
        &format!("sslmode=require&sslrootcert={}", server.other_ca),
    );
    let reason = tls_reason(open(&url, "require_with_ca"));
    assert!(reason.contains("UnknownIssuer"), "{reason}");
}

#[test]
fn disable_sends_no_tls_and_a_tls_only_server_refuses_it() {
    let Some(server) = TlsServer::get("disable_sends_no_tls_and_a_tls_only_server_refuses_it")
    else {
        return;
    };
    match open(&server.url("localhost", "sslmode=disable"), "disable") {
        Err(Error::Store { reason, .. }) => assert!(reason.contains("no encryption"), "{reason}"),
        other => panic!("expected the server's refusal, got {other:?}"),
    }
}

#[test]
fn key_value_connection_strings_carry_the_tls_options() {
    let Some(server) = TlsServer::get("key_value_connection_strings_carry_the_tls_options") else {
        return;
    };
    let port = server
        .url
        .rsplit(':')
        .next()
        .unwrap()
        .split('/')
        .next()
        .unwrap();
    let pairs = |ca: &str| {
        format!("host=localhost port={port} user=postgres dbname=postgres sslmode=verify-full sslrootcert='{ca}'")
    };
    open(&pairs(&server.ca), "pairs").unwrap();
    let reason = tls_reason(open(&pairs(&server.other_ca), "pairs_unknown"));
    assert!(reason.contains("UnknownIssuer"), "{reason}");
}

#[test]
fn require_refuses_a_server_without_tls() {
    if TlsServer::get("require_refuses_a_server_without_tls").is_none() {
        return;
    }
    let plain = std::env::var("PATTERN_LEARNING_TEST_POSTGRES")
        .expect("the plain server of the outer scripts/with-postgres");
    let reason = tls_reason(open(&format!("{plain}?sslmode=require"), "plain"));
    assert!(reason.contains("server does not support TLS"), "{reason}");
    // Without `require`, the same server is used without TLS.
    open(&format!("{plain}?sslmode=prefer"), "plain_prefer").unwrap();
}

#[test]
fn a_ca_bundle_that_cannot_be_read_is_a_tls_error() {
    let Some(server) = TlsServer::get("a_ca_bundle_that_cannot_be_read_is_a_tls_error") else {
        return;
    };
    let url = server.url(
        "localhost",
        "sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
    );
    let reason = tls_reason(open(&url, "no_bundle"));
    assert!(reason.contains("/nonexistent/ca.pem"), "{reason}");
}

#[test]
fn the_v1_import_connection_uses_tls_as_the_url_says() {
    let Some(server) = TlsServer::get("the_v1_import_connection_uses_tls_as_the_url_says") else {
        return;
    };
    let v1_schema = format!("tls_v1_{}", std::process::id());
    let verified = server.url(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={}", server.ca),
    );
    let mut client = test_client(&verified, &server.ca);
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {v1_schema} CASCADE;
             CREATE SCHEMA {v1_schema};
             CREATE TABLE {v1_schema}.decision_patterns (
                 id SERIAL PRIMARY KEY, pattern_type VARCHAR(50) NOT NULL,
                 pattern_signature VARCHAR(255) UNIQUE NOT NULL, trigger_text TEXT,
                 trigger_examples TEXT[] DEFAULT '{{}}', response_template TEXT,
                 confidence_score DECIMAL(3,2) DEFAULT 0.50, created_at TIMESTAMP DEFAULT NOW());
             INSERT INTO {v1_schema}.decision_patterns
                 (id, pattern_type, pattern_signature, trigger_text, response_template)
             VALUES (7, 'gift_cards', 'sig-7', 'Do you sell gift cards?', 'Yes, online.');"
        ))
        .unwrap();
    let search = format!("&options=-csearch_path%3D{v1_schema}");
    let import = v1::rows::import_postgres(&format!("{verified}{search}")).unwrap();
    assert_eq!(import.patterns.len(), 1);
    assert_eq!(import.patterns[0].response_template, "Yes, online.");
    let wrong_host = server.url(
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={}{search}", server.ca),
    );
    let refused = |url: &str| match v1::rows::import_postgres(url) {
        Err(Error::Tls { reason, .. }) => reason,
        other => panic!("expected a TLS error, got {other:?}"),
    };
    let reason = refused(&wrong_host);
    assert!(reason.contains("not valid for name"), "{reason}");
    let unknown_ca = server.url(
        "localhost",
        &format!(
            "sslmode=verify-full&sslrootcert={}{search}",
            server.other_ca
        ),
    );
    let reason = refused(&unknown_ca);
    assert!(reason.contains("UnknownIssuer"), "{reason}");
    let plain = std::env::var("PATTERN_LEARNING_TEST_POSTGRES")
        .expect("the plain server of the outer scripts/with-postgres");
    let reason = refused(&format!("{plain}?sslmode=require"));
    assert!(reason.contains("server does not support TLS"), "{reason}");
}

/// A client of the test's own (rustls, trusting `ca`) to set up tables on the
/// TLS-only server.
fn test_client(url: &str, ca: &str) -> postgres::Client {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls::pki_types::CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    #[allow(deprecated)] // the provider the library uses (see store/postgres/tls.rs)
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let plain_url = url.split('?').next().unwrap();
    let mut config_pg: postgres::Config = plain_url.parse().unwrap();
    config_pg.ssl_mode(postgres::config::SslMode::Require);
    config_pg
        .connect(tokio_postgres_rustls::MakeRustlsConnect::new(config))
        .unwrap()
}
