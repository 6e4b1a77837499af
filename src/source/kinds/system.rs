//! The system source: load, CPU temperature, memory, uptime and IP address of this Linux
//! machine, read from `/proc` and `/sys`.

use std::fs;
use std::net::Ipv4Addr;
use std::path::PathBuf;

use serde::Deserialize;

use crate::source::{PollSource, SourceError, Value, join_key};

/// Settings of a system source.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct SystemConfig {
    /// Key prefix (default `sys`).
    pub namespace: String,
    /// Network interface whose IPv4 address is `<ns>.ip`; `None` uses the default route's.
    pub interface: Option<String>,
    /// File with the CPU temperature in millidegrees Celsius.
    pub thermal_path: PathBuf,
}

impl Default for SystemConfig {
    fn default() -> Self {
        Self {
            namespace: "sys".to_owned(),
            interface: None,
            thermal_path: PathBuf::from("/sys/class/thermal/thermal_zone0/temp"),
        }
    }
}

/// Reports `<ns>.load1/load5/load15`, `<ns>.cpu_temp`, `<ns>.mem_total_kb`,
/// `<ns>.mem_available_kb`, `<ns>.mem_used_pct`, `<ns>.uptime_s` and `<ns>.ip`.
///
/// `cpu_temp` and `ip` are left out when the machine has no such sensor or address.
#[derive(Debug, Clone)]
pub struct SystemSource {
    config: SystemConfig,
}

impl SystemSource {
    /// A system source from its settings.
    pub fn new(config: SystemConfig) -> Self {
        Self { config }
    }

    fn key(&self, name: &str) -> String {
        join_key(&self.config.namespace, name)
    }
}

impl PollSource for SystemSource {
    fn poll(&mut self) -> Result<Vec<(String, Value)>, SourceError> {
        let mut out = Vec::new();
        let (l1, l5, l15) = parse_loadavg(&read("/proc/loadavg")?)?;
        out.push((self.key("load1"), Value::from(l1)));
        out.push((self.key("load5"), Value::from(l5)));
        out.push((self.key("load15"), Value::from(l15)));
        if let Ok(text) = fs::read_to_string(&self.config.thermal_path)
            && let Ok(milli) = text.trim().parse::<f64>()
        {
            out.push((self.key("cpu_temp"), Value::from(round1(milli / 1000.0))));
        }
        let (total, available) = parse_meminfo(&read("/proc/meminfo")?)?;
        out.push((self.key("mem_total_kb"), Value::from(total)));
        out.push((self.key("mem_available_kb"), Value::from(available)));
        let used_pct = if total > 0 {
            round1(total.saturating_sub(available) as f64 * 100.0 / total as f64)
        } else {
            0.0
        };
        out.push((self.key("mem_used_pct"), Value::from(used_pct)));
        out.push((
            self.key("uptime_s"),
            Value::from(parse_uptime(&read("/proc/uptime")?)?),
        ));
        if let Some(ip) = interface_ip(self.config.interface.as_deref()) {
            out.push((self.key("ip"), Value::from(ip.to_string())));
        }
        Ok(out)
    }
}

fn read(path: &str) -> Result<String, SourceError> {
    fs::read_to_string(path).map_err(|source| SourceError::Io {
        context: format!("reading {path}"),
        source,
    })
}

fn parse_error(what: &str, text: &str) -> SourceError {
    SourceError::Parse {
        what: what.to_owned(),
        message: format!("unexpected content {:?}", super::lines::shorten(text)),
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The three load averages of `/proc/loadavg`.
fn parse_loadavg(text: &str) -> Result<(f64, f64, f64), SourceError> {
    let mut fields = text.split_whitespace().map(str::parse::<f64>);
    match (fields.next(), fields.next(), fields.next()) {
        (Some(Ok(a)), Some(Ok(b)), Some(Ok(c))) => Ok((a, b, c)),
        _ => Err(parse_error("/proc/loadavg", text)),
    }
}

/// `MemTotal` and `MemAvailable` (kB) of `/proc/meminfo`.
fn parse_meminfo(text: &str) -> Result<(u64, u64), SourceError> {
    let field = |name: &str| {
        text.lines().find_map(|line| {
            let rest = line.strip_prefix(name)?.strip_prefix(':')?;
            rest.split_whitespace().next()?.parse::<u64>().ok()
        })
    };
    match (field("MemTotal"), field("MemAvailable")) {
        (Some(total), Some(available)) => Ok((total, available)),
        _ => Err(parse_error("/proc/meminfo", text)),
    }
}

/// Seconds since boot, from `/proc/uptime`.
fn parse_uptime(text: &str) -> Result<f64, SourceError> {
    text.split_whitespace()
        .next()
        .and_then(|s| s.parse::<f64>().ok())
        .ok_or_else(|| parse_error("/proc/uptime", text))
}

/// The IPv4 address of `interface` (or of the default route's interface).
fn interface_ip(interface: Option<&str>) -> Option<Ipv4Addr> {
    if interface == Some("lo") {
        return Some(Ipv4Addr::LOCALHOST);
    }
    let routes = parse_routes(&fs::read_to_string("/proc/net/route").ok()?);
    let iface = match interface {
        Some(name) => name.to_owned(),
        None => routes
            .iter()
            .find(|r| r.destination == 0 && r.mask == 0)
            .map(|r| r.iface.clone())?,
    };
    let locals = parse_fib_trie_locals(&fs::read_to_string("/proc/net/fib_trie").ok()?);
    pick_ip(&routes, &iface, &locals)
}

/// One row of `/proc/net/route` (addresses as host-order integers).
#[derive(Debug, Clone, PartialEq)]
struct Route {
    iface: String,
    destination: u32,
    mask: u32,
}

fn parse_routes(text: &str) -> Vec<Route> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let hex = |i: usize| {
                cols.get(i)
                    .and_then(|s| u32::from_str_radix(s, 16).ok())
                    // The kernel prints the address in network byte order, as a host integer.
                    .map(|v| u32::from_be_bytes(v.to_ne_bytes()))
            };
            Some(Route {
                iface: (*cols.first()?).to_owned(),
                destination: hex(1)?,
                mask: hex(7)?,
            })
        })
        .collect()
}

/// The local host addresses (`/32 host LOCAL`) listed in `/proc/net/fib_trie`.
fn parse_fib_trie_locals(text: &str) -> Vec<Ipv4Addr> {
    let mut out = Vec::new();
    let mut last: Option<Ipv4Addr> = None;
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(addr) = trimmed.strip_prefix("|-- ") {
            last = addr.parse().ok();
        } else if trimmed.starts_with("/32 host LOCAL")
            && let Some(addr) = last
            && !out.contains(&addr)
        {
            out.push(addr);
        }
    }
    out
}

/// The first local address inside one of `iface`'s directly connected networks.
fn pick_ip(routes: &[Route], iface: &str, locals: &[Ipv4Addr]) -> Option<Ipv4Addr> {
    routes
        .iter()
        .filter(|r| r.iface == iface && r.mask != 0)
        .find_map(|r| {
            locals
                .iter()
                .copied()
                .find(|a| u32::from(*a) & r.mask == r.destination & r.mask)
        })
}

/// The `System` source kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemKind;

impl crate::source::kind::SourceKind for SystemKind {
    const NAME: &'static str = "System";
    type Config = SystemConfig;

    fn start(
        c: &SystemConfig,
        name: &str,
        policy: crate::source::Policy,
        tx: std::sync::mpsc::Sender<crate::source::Message>,
    ) -> Result<crate::source::SourceHandle, crate::source::SourceError> {
        let source = SystemSource::new(c.clone());
        Ok(crate::source::spawn_poll(
            name,
            Box::new(source),
            policy,
            tx,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_machine_reports_load_memory_and_uptime() {
        let mut src = SystemSource::new(SystemConfig::default());
        let got = src.poll().expect("/proc is readable on Linux");
        let keys: Vec<&str> = got.iter().map(|(k, _)| k.as_str()).collect();
        for key in [
            "sys.load1",
            "sys.load5",
            "sys.load15",
            "sys.mem_total_kb",
            "sys.mem_available_kb",
            "sys.mem_used_pct",
            "sys.uptime_s",
        ] {
            assert!(keys.contains(&key), "{key} missing from {keys:?}");
        }
        let uptime = got
            .iter()
            .find(|(k, _)| k == "sys.uptime_s")
            .and_then(|(_, v)| v.as_f64())
            .unwrap_or(-1.0);
        assert!(uptime > 0.0);
    }

    #[test]
    fn parses_proc_formats() {
        assert_eq!(
            parse_loadavg("0.52 0.58 0.59 1/467 12345\n").expect("valid"),
            (0.52, 0.58, 0.59)
        );
        assert!(parse_loadavg("garbage").is_err());
        let mem = "MemTotal:        8000000 kB\nMemFree:  100 kB\nMemAvailable:    6000000 kB\n";
        assert_eq!(parse_meminfo(mem).expect("valid"), (8_000_000, 6_000_000));
        assert_eq!(parse_uptime("12345.67 4000.00\n").expect("valid"), 12345.67);
    }

    #[test]
    fn finds_the_interface_address() {
        let route = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
                     eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n\
                     eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";
        let routes = parse_routes(route);
        assert_eq!(
            routes[1].destination,
            u32::from(Ipv4Addr::new(192, 0, 2, 0))
        );
        assert_eq!(routes[1].mask, u32::from(Ipv4Addr::new(255, 255, 255, 0)));
        let trie = "Main:\n  +-- 0.0.0.0/0 3 0 5\n     |-- 127.0.0.1\n        /32 host LOCAL\n\
                    \x20    +-- 192.0.2.0/24 2 0 2\n        |-- 192.0.2.0\n           /24 link UNICAST\n\
                    \x20       |-- 192.0.2.7\n           /32 host LOCAL\n";
        let locals = parse_fib_trie_locals(trie);
        assert_eq!(
            locals,
            vec![Ipv4Addr::new(127, 0, 0, 1), Ipv4Addr::new(192, 0, 2, 7)]
        );
        assert_eq!(
            pick_ip(&routes, "eth0", &locals),
            Some(Ipv4Addr::new(192, 0, 2, 7))
        );
        assert_eq!(pick_ip(&routes, "wlan0", &locals), None);
    }
}
