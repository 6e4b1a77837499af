//! Device nodes: the scene's SPI or I2C bus node and the GPIO nodes, present (else the
//! boot configuration line that makes them) and readable/writable by the user (else the
//! group to join).

use std::collections::BTreeMap;

use super::Env;
use super::report::Finding;
use super::system::Access;

/// How much a missing or out-of-reach node matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// The scene needs it: missing or out of reach is a failure.
    Required,
    /// Nothing known needs it: missing or out of reach is a warning.
    Optional,
}

impl Need {
    fn problem(self, check: &'static str, message: String) -> Finding {
        match self {
            Need::Required => Finding::fail(check, message),
            Need::Optional => Finding::warn(check, message),
        }
    }
}

/// The SPI device node of `bus`/`cs`.
pub fn spi_path(bus: u8, cs: u8) -> String {
    format!("/dev/spidev{bus}.{cs}")
}

/// The I2C device node of `bus`.
pub fn i2c_path(bus: u8) -> String {
    format!("/dev/i2c-{bus}")
}

/// What makes `/dev/spidevB.C` appear.
fn spi_fix(env: &Env, bus: u8, cs: u8) -> String {
    let cfg = &env.boot.path;
    match bus {
        0 if cs > 1 => {
            "SPI0 has chip selects 0 and 1 (CE0, GPIO 8; CE1, GPIO 7): set cs: 0 or 1 in display.bus".into()
        }
        0 if env.boot.spi => format!(
            "dtparam=spi=on is in {cfg}, so reboot if you just added it; if it stays missing, an overlay has taken the chip select (look at the dtoverlay= lines in {cfg})"
        ),
        0 => format!(
            "add dtparam=spi=on to {cfg} (or run sudo raspi-config nonint do_spi 0), then reboot"
        ),
        _ => format!(
            "add dtoverlay=spi{bus}-{n}cs to {cfg} (SPI{bus} with {n} chip select(s)), then reboot",
            n = u16::from(cs) + 1
        ),
    }
}

/// What makes `/dev/i2c-B` appear.
fn i2c_fix(env: &Env, bus: u8) -> String {
    let cfg = &env.boot.path;
    match bus {
        1 if env.boot.i2c_arm => format!(
            "dtparam=i2c_arm=on is in {cfg}, so reboot if you just added it; if it stays missing, load the i2c-dev module: add i2c-dev to /etc/modules (sudo raspi-config nonint do_i2c 0 does both)"
        ),
        1 => format!(
            "add dtparam=i2c_arm=on to {cfg} and i2c-dev to /etc/modules (or run sudo raspi-config nonint do_i2c 0), then reboot"
        ),
        0 => format!("add dtparam=i2c_vc=on to {cfg}, then reboot (bus 1 is the usual one)"),
        _ => format!("add dtoverlay=i2c{bus} to {cfg} (Pi 4 and later), then reboot"),
    }
}

/// One node: present and read/write, or what to do.
fn node(env: &Env, check: &'static str, sys: &str, need: Need, fix: String) -> Finding {
    let user = &env.account.name;
    match env.access(sys) {
        Access::Granted => Finding::ok(check, format!("{sys} present, read/write for {user}")),
        Access::Missing => need.problem(check, format!("{sys} missing — {fix}")),
        Access::Denied(d) => need.problem(check, d.explain(sys, user)),
    }
}

/// The SPI node `/dev/spidevB.C`.
pub fn spi(env: &Env, bus: u8, cs: u8, need: Need) -> Finding {
    node(env, "spi", &spi_path(bus, cs), need, spi_fix(env, bus, cs))
}

/// The I2C node `/dev/i2c-B`.
pub fn i2c(env: &Env, bus: u8, need: Need) -> Finding {
    node(env, "i2c", &i2c_path(bus), need, i2c_fix(env, bus))
}

/// The GPIO nodes rppal opens: `/dev/gpiomem` (`/dev/gpiomem0` on a Pi 5) and every
/// `/dev/gpiochip*`.
pub fn gpio(env: &Env, need: Need) -> Vec<Finding> {
    let mut nodes = env.root.list("/dev", "gpiomem");
    nodes.extend(env.root.list("/dev", "gpiochip"));
    if nodes.is_empty() {
        return vec![need.problem(
            "gpio",
            "no /dev/gpiomem and no /dev/gpiochip* — GPIO pins work only on a Raspberry Pi (with its kernel)".into(),
        )];
    }
    let user = &env.account.name;
    let mut denied: BTreeMap<String, (super::system::Denial, Vec<String>)> = BTreeMap::new();
    for n in &nodes {
        if let Access::Denied(d) = env.access(n) {
            denied
                .entry(format!("{d:?}"))
                .or_insert_with(|| (d, Vec::new()))
                .1
                .push(n.clone());
        }
    }
    let mut out = Vec::new();
    if !nodes.iter().any(|n| n.starts_with("/dev/gpiomem")) {
        out.push(need.problem(
            "gpio",
            "no /dev/gpiomem (nor /dev/gpiomem0): rppal needs it to set pins — a Raspberry Pi OS kernel provides it".into(),
        ));
    }
    if denied.is_empty() {
        out.push(Finding::ok(
            "gpio",
            format!("{} present, read/write for {user}", nodes.join(", ")),
        ));
    }
    for (d, ns) in denied.into_values() {
        out.push(need.problem("gpio", d.explain(&ns.join(" "), user)));
    }
    out
}
