//! Refusing requests a web page on another site makes: the `Host` a request names (and
//! its `Origin`, when it has one) must be this machine — an IP address, `localhost`, the
//! host name (also with `.local`) or a name allowed with `--http-allow-host` — so a
//! page on a name that resolves to this machine (DNS rebinding) or a cross-site form
//! gets 403. No CORS header is ever sent, so browsers keep other sites' pages from
//! reading the answers.

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use super::Ctx;
use super::api::error;

/// The host names requests may name besides IP addresses and `localhost`.
#[derive(Debug, Clone, Default)]
pub(crate) struct AllowedHosts(Vec<String>);

impl AllowedHosts {
    /// The machine's host name (and `<name>.local`) plus `extra`, lowercase.
    pub(crate) fn new(extra: &[String]) -> Self {
        let mut names: Vec<String> = extra.iter().map(|h| h.trim().to_lowercase()).collect();
        if let Some(host) = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|h| h.trim().to_lowercase())
            .filter(|h| !h.is_empty())
        {
            names.push(format!("{host}.local"));
            names.push(host);
        }
        Self(names)
    }

    /// Whether `host` (no port) names this machine.
    fn allows(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_lowercase();
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        bare.parse::<std::net::IpAddr>().is_ok()
            || host == "localhost"
            || host.ends_with(".localhost")
            || self.0.contains(&host)
    }
}

/// The host part of `authority` (`host:port`, `[v6]:port`).
fn host_of(authority: &str) -> &str {
    if authority.starts_with('[') {
        return authority
            .find(']')
            .map_or(authority, |end| &authority[..=end]);
    }
    authority.split(':').next().unwrap_or(authority)
}

/// Why the request comes from elsewhere, if it does.
fn foreign(hosts: &AllowedHosts, req: &Request) -> Option<String> {
    let headers = req.headers();
    if let Some(host) = headers.get(header::HOST) {
        let host = host.to_str().unwrap_or("");
        if !hosts.allows(host_of(host)) {
            return Some(format!(
                "the Host {host:?} is not this machine; allow a name with --http-allow-host NAME"
            ));
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        let authority = origin
            .split_once("://")
            .map(|(_, rest)| rest.split('/').next().unwrap_or(rest));
        match authority {
            Some(a) if hosts.allows(host_of(a)) => {}
            _ => {
                return Some(format!(
                    "requests from pages of {origin:?} are refused (Origin is not this machine)"
                ));
            }
        }
    }
    None
}

/// Answers 403 to a request from another site, else lets it through.
pub(crate) async fn same_site(State(ctx): State<Ctx>, req: Request, next: Next) -> Response {
    match foreign(&ctx.hosts, &req) {
        Some(why) => error(StatusCode::FORBIDDEN, why),
        None => next.run(req).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_of_this_machine_pass() {
        let hosts = AllowedHosts(vec!["display.lan".into()]);
        for ok in [
            "127.0.0.1",
            "localhost",
            "app.localhost",
            "[::1]",
            "10.0.0.7",
            "display.lan",
        ] {
            assert!(hosts.allows(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "127.0.0.1.evil.example",
            "localhost.evil.example",
        ] {
            assert!(!hosts.allows(bad), "{bad}");
        }
        assert_eq!(host_of("[::1]:8080"), "[::1]");
        assert_eq!(host_of("localhost:8080"), "localhost");
        assert_eq!(host_of("evil.example"), "evil.example");
    }
}
