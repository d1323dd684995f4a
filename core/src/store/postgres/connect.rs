//! Connecting: a connection string read once ([`Target`]), connections made from it
//! over TLS as it asks, and the place named in messages ([`Label`]) — never with
//! the password.

use std::fmt;

use postgres::Client;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::conninfo::{self, SslMode};
use super::tls;
use crate::error::{Error, Result};

/// Where a store is, for messages: host, port, database and schema, never the
/// password.
#[derive(Debug, Clone)]
pub(crate) struct Label(String);

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A server to connect to: the driver's configuration, the TLS connector the
/// connection string asks for, and how to name it.
#[derive(Clone)]
pub(crate) struct Target {
    config: postgres::Config,
    connector: MakeRustlsConnect,
    mode: SslMode,
    /// Host, port, database and `what` (the schema, say).
    pub label: Label,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("location", &self.label.0)
            .field("sslmode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl Target {
    /// Reads `url` (a URL or `key=value` pairs); `what` completes the label
    /// (`schema pattern_learning`, `of V1`).
    ///
    /// # Errors
    ///
    /// [`Error::Store`] for a connection string that does not parse (the error never
    /// quotes it), [`Error::Tls`] when the CA bundle it names cannot be used.
    pub fn parse(url: &str, what: &str, operation: &str) -> Result<Target> {
        let invalid = |reason: String| Error::Store {
            operation: operation.to_owned(),
            reason: format!("invalid PostgreSQL connection string: {reason}"),
        };
        let split = conninfo::split(url).map_err(invalid)?;
        let mut config: postgres::Config = split
            .rest
            .parse()
            .map_err(|e: postgres::Error| invalid(describe(&e)))?;
        config.ssl_mode(split.tls.driver_mode());
        let label = label(&config, what);
        let connector = tls::connector(&split.tls).map_err(|reason| Error::Tls {
            location: label.to_string(),
            reason,
        })?;
        Ok(Target {
            config,
            connector,
            mode: split.tls.mode,
            label,
        })
    }

    /// A new connection.
    ///
    /// # Errors
    ///
    /// [`Error::Tls`] when TLS fails (no TLS where the string requires it, a
    /// certificate that does not verify); [`Error::Store`] otherwise.
    pub fn connect(&self, operation: &str) -> Result<Client> {
        self.config
            .connect(self.connector.clone())
            .map_err(|e| pg_error(&self.label, operation, e))
    }
}

/// The label of the server `config` names.
fn label(config: &postgres::Config, what: &str) -> Label {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".to_owned());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config
        .get_dbname()
        .or(config.get_user())
        .unwrap_or("postgres");
    Label(format!("postgres://{host}:{port}/{db} ({what})"))
}

/// The driver's message with its causes (its own message names only the kind:
/// "error connecting to server"). The causes name options, hosts, certificates and
/// operating-system errors, never a value of the connection string.
fn describe(e: &postgres::Error) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// Maps a PostgreSQL error: a failed TLS negotiation or handshake is [`Error::Tls`],
/// anything else [`Error::Store`] naming the server's message.
pub(crate) fn pg_error(label: &Label, operation: &str, e: postgres::Error) -> Error {
    if let Some(db) = e.as_db_error() {
        return Error::Store {
            operation: operation.to_owned(),
            reason: format!("{label}: {}: {}", db.code().code(), db.message()),
        };
    }
    let reason = describe(&e);
    // The driver's TLS errors (its error kinds are private) all read so; the
    // PostgreSQL TLS tests pin it.
    if reason.starts_with("error performing TLS handshake") {
        return Error::Tls {
            location: label.to_string(),
            reason,
        };
    }
    Error::Store {
        operation: operation.to_owned(),
        reason: format!("{label}: {reason}"),
    }
}
