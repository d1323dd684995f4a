//! Connection strings: the two options this library reads itself, `sslmode` and
//! `sslrootcert`, taken out before the rest goes to the driver.
//!
//! The driver (`tokio-postgres`) knows `sslmode` only as `disable`, `prefer` and
//! `require`, and `sslrootcert` not at all; libpq's other values (`verify-ca`,
//! `verify-full`) and a CA bundle are what a managed server needs. Both forms of
//! connection string are read the way the driver reads them: a URL
//! (`postgres://user:password@host/db?sslmode=verify-full`, parameters after the
//! first `?` that follows the credentials, `&`-separated and percent-encoded) and
//! `key=value` pairs (`host=db sslmode=require`, values quoted with `'` and escaped
//! with `\`). A string this module cannot split goes to the driver unchanged, which
//! reports what is wrong with it.
//!
//! Nothing here echoes a value of the string in an error: it may hold a password.

use std::borrow::Cow;
use std::path::PathBuf;

/// How a connection uses TLS, as `sslmode` says (libpq's meanings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SslMode {
    /// Never TLS.
    Disable,
    /// TLS when the server offers it, unverified unless a CA bundle is given
    /// (the default; libpq's `allow` is read as this).
    Prefer,
    /// TLS or no connection; unverified unless a CA bundle is given.
    Require,
    /// TLS with a certificate signed by a trusted CA, for any host name.
    VerifyCa,
    /// TLS with a certificate signed by a trusted CA and issued for the host.
    VerifyFull,
}

/// Where the trusted CA certificates come from (`sslrootcert`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RootCerts {
    /// The operating system's bundle (`sslrootcert=system`, or no `sslrootcert`
    /// with `verify-ca` / `verify-full`).
    System,
    /// A PEM file of CA certificates.
    File(PathBuf),
}

/// The TLS options of a connection string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TlsOptions {
    /// `sslmode`.
    pub mode: SslMode,
    /// `sslrootcert`, if given.
    pub roots: Option<RootCerts>,
}

/// What the server's certificate must prove.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verification {
    /// Nothing (encryption only): `prefer` and `require` without a CA bundle.
    None,
    /// A chain to a trusted CA.
    Chain,
    /// A chain to a trusted CA, for the host name connected to.
    ChainAndHost,
}

impl TlsOptions {
    /// The mode to give the driver: it negotiates, the connector verifies.
    pub fn driver_mode(&self) -> postgres::config::SslMode {
        match self.mode {
            SslMode::Disable => postgres::config::SslMode::Disable,
            SslMode::Prefer => postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                postgres::config::SslMode::Require
            }
        }
    }

    /// What the certificate must prove. As in libpq, a CA bundle given with
    /// `prefer` or `require` is used (as `verify-ca` uses it).
    pub fn verification(&self) -> Verification {
        match (self.mode, &self.roots) {
            (SslMode::VerifyFull, _) => Verification::ChainAndHost,
            (SslMode::VerifyCa, _) => Verification::Chain,
            (SslMode::Disable, _) | (_, None) => Verification::None,
            (SslMode::Prefer | SslMode::Require, Some(_)) => Verification::Chain,
        }
    }

    /// The CA bundle to verify with.
    pub fn roots(&self) -> RootCerts {
        self.roots.clone().unwrap_or(RootCerts::System)
    }
}

/// A connection string with `sslmode` and `sslrootcert` taken out.
#[derive(Debug)]
pub(crate) struct Split {
    /// The string without them, for the driver.
    pub rest: String,
    /// Their meaning.
    pub tls: TlsOptions,
}

/// Takes the TLS options out of `url`. Errors name the option, never its value.
pub(crate) fn split(url: &str) -> Result<Split, String> {
    let (rest, params) = match url_parts(url) {
        Some(parts) => parts,
        None => keyword_parts(url).unwrap_or_else(|| (url.to_owned(), Vec::new())),
    };
    let mut mode = None;
    let mut roots = None;
    for (key, value) in params {
        match key.as_str() {
            "sslmode" => mode = Some(parse_mode(&value)?),
            _ => roots = Some(parse_roots(&value)),
        }
    }
    // libpq: `sslrootcert=system` makes `verify-full` the default.
    let mode = mode.unwrap_or(match roots {
        Some(RootCerts::System) => SslMode::VerifyFull,
        _ => SslMode::Prefer,
    });
    Ok(Split {
        rest,
        tls: TlsOptions { mode, roots },
    })
}

/// The options this module reads itself.
fn is_ours(key: &str) -> bool {
    matches!(key, "sslmode" | "sslrootcert")
}

fn parse_mode(value: &str) -> Result<SslMode, String> {
    match value {
        "disable" => Ok(SslMode::Disable),
        "allow" | "prefer" => Ok(SslMode::Prefer),
        "require" => Ok(SslMode::Require),
        "verify-ca" => Ok(SslMode::VerifyCa),
        "verify-full" => Ok(SslMode::VerifyFull),
        _ => Err("invalid value for option `sslmode`: use disable, prefer, require, verify-ca or verify-full".to_owned()),
    }
}

fn parse_roots(value: &str) -> RootCerts {
    if value == "system" {
        RootCerts::System
    } else {
        RootCerts::File(PathBuf::from(value))
    }
}

/// A URL's string without our parameters, and our parameters (decoded).
fn url_parts(url: &str) -> Option<(String, Vec<(String, String)>)> {
    let prefix = ["postgres://", "postgresql://"]
        .into_iter()
        .find(|p| url.starts_with(p))?;
    let body = &url[prefix.len()..];
    // As the driver reads it: credentials end at the first `@`, parameters start at
    // the first `?` after them.
    let after_credentials = body.find('@').map_or(0, |at| at + 1);
    let Some(question) = body[after_credentials..].find('?') else {
        return Some((url.to_owned(), Vec::new()));
    };
    let query_start = prefix.len() + after_credentials + question;
    let mut kept = Vec::new();
    let mut ours = Vec::new();
    for pair in url[query_start + 1..].split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode(key);
        if is_ours(&key) {
            ours.push((key.into_owned(), percent_decode(value).into_owned()));
        } else {
            kept.push(pair);
        }
    }
    let mut rest = url[..query_start].to_owned();
    if !kept.is_empty() {
        rest.push('?');
        rest.push_str(&kept.join("&"));
    }
    Some((rest, ours))
}

/// `%XX` sequences decoded; anything else (including a malformed `%`) as written,
/// as the driver decodes.
fn percent_decode(s: &str) -> Cow<'_, str> {
    if !s.contains('%') {
        return Cow::Borrowed(s);
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| Some(hex(*bytes.get(i + 1)?)? * 16 + hex(*bytes.get(i + 2)?)?))
            .flatten();
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// A `key=value` string without our pairs, and our pairs; `None` when it does not
/// read as pairs (the driver then says why).
fn keyword_parts(s: &str) -> Option<(String, Vec<(String, String)>)> {
    let mut reader = Pairs { s, pos: 0 };
    let mut kept = Vec::new();
    let mut ours = Vec::new();
    while let Some(pair) = reader.next_pair()? {
        if is_ours(pair.key) {
            ours.push((pair.key.to_owned(), pair.value));
        } else {
            kept.push(pair.raw);
        }
    }
    Some((kept.join(" "), ours))
}

/// One `key=value` pair: its key, its unescaped value and its text as written.
struct Pair<'a> {
    key: &'a str,
    value: String,
    raw: &'a str,
}

/// Reads `key = value` pairs as the driver does.
struct Pairs<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Pairs<'a> {
    /// The next pair: `Some(None)` at the end, `None` on a malformed string.
    fn next_pair(&mut self) -> Option<Option<Pair<'a>>> {
        self.skip_ws();
        let start = self.pos;
        let key = self.take_while(|c| !c.is_whitespace() && c != '=');
        if key.is_empty() {
            return if self.pos == self.s.len() {
                Some(None)
            } else {
                None
            };
        }
        self.skip_ws();
        if !self.eat('=') {
            return None;
        }
        self.skip_ws();
        let quoted = self.eat('\'');
        let value = self.value(quoted)?;
        if quoted && !self.eat('\'') {
            return None;
        }
        if !quoted && value.is_empty() {
            return None;
        }
        Some(Some(Pair {
            key,
            value,
            raw: &self.s[start..self.pos],
        }))
    }

    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    fn skip_ws(&mut self) {
        self.take_while(char::is_whitespace);
    }

    fn take_while(&mut self, f: impl Fn(char) -> bool) -> &'a str {
        let rest = self.rest();
        let len = rest.find(|c: char| !f(c)).unwrap_or(rest.len());
        self.pos += len;
        &rest[..len]
    }

    fn eat(&mut self, c: char) -> bool {
        let found = self.rest().starts_with(c);
        if found {
            self.pos += c.len_utf8();
        }
        found
    }

    /// A value up to its closing quote or the next white space (not taken), with
    /// `\x` read as `x`; `None` when a quoted value is not closed.
    fn value(&mut self, quoted: bool) -> Option<String> {
        let ends = |c: char| if quoted { c == '\'' } else { c.is_whitespace() };
        let mut value = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((i, c)) = chars.next() {
            if ends(c) {
                self.pos += i;
                return Some(value);
            }
            if c == '\\' {
                if let Some((_, escaped)) = chars.next() {
                    value.push(escaped);
                }
            } else {
                value.push(c);
            }
        }
        self.pos = self.s.len();
        (!quoted).then_some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tls(url: &str) -> TlsOptions {
        split(url).unwrap().tls
    }

    #[test]
    fn a_url_keeps_everything_but_the_tls_options() {
        let s = split("postgres://app:p%3Fw@db.example.com:5432/clubos?application_name=x&sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&connect_timeout=5").unwrap();
        assert_eq!(
            s.rest,
            "postgres://app:p%3Fw@db.example.com:5432/clubos?application_name=x&connect_timeout=5"
        );
        assert_eq!(s.tls.mode, SslMode::VerifyFull);
        assert_eq!(s.tls.roots, Some(RootCerts::File("/etc/ca.pem".into())));
        let s = split("postgresql://h/db?sslmode=require").unwrap();
        assert_eq!(s.rest, "postgresql://h/db");
        assert_eq!(s.tls.mode, SslMode::Require);
    }

    #[test]
    fn a_question_mark_in_the_password_is_not_the_query() {
        let s = split("postgres://u:pa?ss@h/db").unwrap();
        assert_eq!(s.rest, "postgres://u:pa?ss@h/db");
        assert_eq!(s.tls.mode, SslMode::Prefer);
    }

    #[test]
    fn key_value_pairs_keep_their_quoting() {
        let s = split(r"host=h  password='it\'s secret' sslmode = verify-ca sslrootcert='/a b/ca.pem' dbname=d").unwrap();
        assert_eq!(s.rest, r"host=h password='it\'s secret' dbname=d");
        assert_eq!(s.tls.mode, SslMode::VerifyCa);
        assert_eq!(s.tls.roots, Some(RootCerts::File("/a b/ca.pem".into())));
        // The driver reads what is left as it would have read the whole.
        let config: postgres::Config = s.rest.parse().unwrap();
        assert_eq!(config.get_password(), Some(&b"it's secret"[..]));
    }

    #[test]
    fn malformed_pairs_go_to_the_driver_unchanged() {
        let s = split("host=h password='unclosed").unwrap();
        assert_eq!(s.rest, "host=h password='unclosed");
        assert!(s.rest.parse::<postgres::Config>().is_err());
    }

    #[test]
    fn modes_and_what_they_verify() {
        assert_eq!(tls("host=h").mode, SslMode::Prefer);
        assert_eq!(tls("host=h").verification(), Verification::None);
        assert_eq!(tls("host=h sslmode=allow").mode, SslMode::Prefer);
        assert_eq!(
            tls("host=h sslmode=require sslrootcert=/ca.pem").verification(),
            Verification::Chain
        );
        assert_eq!(tls("host=h sslmode=verify-full").roots(), RootCerts::System);
        assert_eq!(tls("host=h sslrootcert=system").mode, SslMode::VerifyFull);
        assert_eq!(
            tls("host=h sslmode=disable sslrootcert=/ca.pem").verification(),
            Verification::None
        );
    }

    #[test]
    fn a_bad_mode_is_refused_without_echoing_it() {
        let err = split("postgres://u:hunter2@h/db?sslmode=hunter2").unwrap_err();
        assert!(err.contains("sslmode") && !err.contains("hunter2"), "{err}");
    }
}
