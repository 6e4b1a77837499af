//! Broker addresses from URLs such as `mqtt://host:1883`, `mqtts://host`, `nats://host:4222`.

use super::NetError;

/// A broker address from a URL such as `mqtt://host:1883`, `mqtts://host`, `nats://host:4222`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerUrl {
    /// The scheme as written (`mqtt`, `mqtts`, `nats`, `tls` …).
    pub scheme: String,
    /// Host name or address.
    pub host: String,
    /// Port (the scheme's default when the URL has none).
    pub port: u16,
}

impl BrokerUrl {
    /// Parses `url`; `defaults` gives each accepted scheme's default port.
    pub fn parse(url: &str, defaults: &[(&str, u16)]) -> Result<Self, NetError> {
        let bad = |why: &str| NetError::Config(format!("broker URL {url:?}: {why}"));
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| bad("expected scheme://host[:port]"))?;
        let default_port = defaults
            .iter()
            .find(|(s, _)| s.eq_ignore_ascii_case(scheme))
            .map(|(_, p)| *p)
            .ok_or_else(|| {
                let names: Vec<&str> = defaults.iter().map(|(s, _)| *s).collect();
                bad(&format!("the scheme must be one of {}", names.join(", ")))
            })?;
        let authority = rest.split('/').next().unwrap_or_default();
        if authority.contains('@') {
            return Err(bad(
                "credentials do not belong in the URL; use `username` and `password_env` or `password_file`",
            ));
        }
        let (host, port_text) = match authority.strip_prefix('[') {
            Some(v6) => {
                let (h, after) = v6
                    .split_once(']')
                    .ok_or_else(|| bad("a '[' is not closed"))?;
                (h, after.strip_prefix(':'))
            }
            None => match authority.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            },
        };
        let port = match port_text {
            Some(p) => p
                .parse::<u16>()
                .map_err(|_| bad("the port is not a number"))?,
            None => default_port,
        };
        if host.is_empty() {
            return Err(bad("the host is empty"));
        }
        Ok(Self {
            scheme: scheme.to_ascii_lowercase(),
            host: host.to_owned(),
            port,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MQTT: &[(&str, u16)] = &[("mqtt", 1883), ("mqtts", 8883)];

    #[test]
    fn urls_parse_with_default_ports() {
        let u = BrokerUrl::parse("mqtt://127.0.0.1:1884", MQTT).expect("valid");
        assert_eq!(
            (u.scheme.as_str(), u.host.as_str(), u.port),
            ("mqtt", "127.0.0.1", 1884)
        );
        let u = BrokerUrl::parse("mqtts://broker.lan", MQTT).expect("valid");
        assert_eq!(u.port, 8883);
        let u = BrokerUrl::parse("mqtt://[::1]:1999", MQTT).expect("valid");
        assert_eq!((u.host.as_str(), u.port), ("::1", 1999));
        assert!(BrokerUrl::parse("http://x", MQTT).is_err());
        assert!(BrokerUrl::parse("mqtt://u:p@x", MQTT).is_err());
        assert!(BrokerUrl::parse("mqtt://x:port", MQTT).is_err());
        assert!(BrokerUrl::parse("x:1883", MQTT).is_err());
    }
}
