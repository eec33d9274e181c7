//! Where callbacks may go: loopback addresses, plus the `HOST:PORT`s given with
//! `--conformance-allow`, never this server itself.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use awc::http::Uri;

/// A `HOST:PORT` that `--conformance-allow` adds to the targets callbacks may go to (a host
/// name, an IPv4 address or a bracketed IPv6 address, and a port).
///
/// ```
/// use demo_server::conformance::AllowedTarget;
///
/// let target: AllowedTarget = "Harness.example:7777".parse().expect("valid");
/// assert_eq!(target.to_string(), "harness.example:7777");
/// assert!("[::1]:7777".parse::<AllowedTarget>().is_ok());
/// assert_eq!(
///     "harness.example".parse::<AllowedTarget>().unwrap_err(),
///     r#""harness.example" has no port: give it as HOST:PORT"#
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowedTarget {
    /// Lower case; an IPv6 address keeps its brackets, as in a URL.
    host: String,
    port: u16,
}

impl FromStr for AllowedTarget {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let Some((host, port)) = text.rsplit_once(':') else {
            return Err(format!("{text:?} has no port: give it as HOST:PORT"));
        };
        let port: u16 = port
            .parse()
            .ok()
            .filter(|&port| port != 0)
            .ok_or_else(|| format!("{text:?}: the port must be a number from 1 to 65535"))?;
        // The URL grammar decides what a host is, so that a target matches the URLs naming it.
        let parsed: Option<Uri> = format!("http://{host}:{port}/").parse().ok();
        let valid = parsed
            .as_ref()
            .and_then(Uri::host)
            .is_some_and(|parsed| !parsed.is_empty() && parsed.eq_ignore_ascii_case(host));
        if !valid {
            return Err(format!(
                "{text:?}: {host:?} is not a host name or IP address (IPv6 in brackets)"
            ));
        }
        Ok(Self {
            host: host.to_ascii_lowercase(),
            port,
        })
    }
}

impl fmt::Display for AllowedTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// Whether a callback may go to `uri`; what is wrong otherwise. `local` is the address the
/// request came in on.
pub(crate) fn check(uri: &Uri, allowed: &[AllowedTarget], local: SocketAddr) -> Result<(), String> {
    let host = uri.host().unwrap_or_default().to_ascii_lowercase();
    let port = uri
        .port_u16()
        .unwrap_or(if uri.scheme_str() == Some("https") {
            443
        } else {
            80
        });
    let ip = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .ok()
        .map(|ip| ip.to_canonical());
    // Only literal loopback addresses and `localhost` count as loopback: a name that merely
    // resolves to loopback today may resolve elsewhere tomorrow (DNS rebinding).
    let loopback = host == "localhost" || ip.is_some_and(|ip| ip.is_loopback());
    // A call to this server itself would be a request that makes requests of its own. The
    // callback header stops the other ways in (another name, another interface).
    if port == local.port() && (loopback || ip == Some(local.ip().to_canonical())) {
        return Err(format!(
            "{host}:{port} is this server: calls to it are refused"
        ));
    }
    if loopback
        || allowed
            .iter()
            .any(|target| target.host == host && target.port == port)
    {
        return Ok(());
    }
    Err(format!(
        "{host}:{port} is not allowed: callbacks go only to loopback addresses and to the \
         targets given with --conformance-allow HOST:PORT"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(url: &str, allowed: &[&str]) -> Result<(), String> {
        let allowed: Vec<AllowedTarget> = allowed
            .iter()
            .map(|target| target.parse().expect("a valid target"))
            .collect();
        let local: SocketAddr = "127.0.0.1:8082".parse().expect("an address");
        check(&url.parse().expect("a URL"), &allowed, local)
    }

    #[test]
    fn loopback_is_allowed() {
        for url in [
            "http://127.0.0.1:7777/callback",
            "http://127.1.2.3:7777/",
            "http://[::1]:7777/",
            "http://[::ffff:127.0.0.1]:7777/",
            "http://LocalHost:7777/",
            "https://127.0.0.1/",
        ] {
            assert_eq!(verdict(url, &[]), Ok(()), "{url}");
        }
    }

    #[test]
    fn anything_else_needs_an_allow() {
        for url in [
            "http://10.0.0.1:7777/",
            "http://169.254.169.254/latest/meta-data/",
            "http://harness.example:7777/",
            "http://127.0.0.1.nip.io:7777/",
            "http://[::]:7777/",
            "http://0.0.0.0:7777/",
        ] {
            let refused = verdict(url, &[]).expect_err(url);
            assert!(refused.contains("is not allowed"), "{refused}");
        }
        assert_eq!(
            verdict("http://Harness.example:7777/", &["harness.example:7777"]),
            Ok(())
        );
        assert_eq!(verdict("http://10.0.0.1/", &["10.0.0.1:80"]), Ok(()));
        assert_eq!(verdict("https://10.0.0.1/", &["10.0.0.1:443"]), Ok(()));
        assert_eq!(verdict("http://[fd00::1]:9/", &["[FD00::1]:9"]), Ok(()));
        assert!(verdict("http://harness.example:7778/", &["harness.example:7777"]).is_err());
        assert!(verdict("http://10.0.0.1/", &["10.0.0.1:443"]).is_err());
    }

    #[test]
    fn this_server_is_refused_even_when_allowed() {
        for url in [
            "http://127.0.0.1:8082/verify-tracecontext",
            "http://localhost:8082/verify-tracecontext",
            "http://[::1]:8082/",
        ] {
            let refused = verdict(url, &["127.0.0.1:8082"]).expect_err(url);
            assert!(
                refused.ends_with("is this server: calls to it are refused"),
                "{refused}"
            );
        }
    }

    #[test]
    fn targets_name_their_problem() {
        let problem = |text: &str| text.parse::<AllowedTarget>().unwrap_err();
        assert!(problem("host").contains("has no port"));
        assert!(problem("host:0").contains("the port must be a number from 1 to 65535"));
        assert!(problem("host:http").contains("the port must be a number"));
        assert!(problem(":80").contains("is not a host name"));
        assert!(problem("a b:80").contains("is not a host name"));
        assert!(problem("user@host:80").contains("is not a host name"));
        assert!(problem("::1:80").contains("is not a host name"));
    }
}
