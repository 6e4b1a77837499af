//! The scene's GPIO pins: on the 40-pin header, each used once, and none taken by a bus
//! that is on (I2C1 on GPIO 2/3, SPI0 on GPIO 7–11, SPI1 on GPIO 16–21).

use std::collections::BTreeMap;

use super::report::Finding;
use super::target::{PinUse, Target};

/// Which buses are on, so their pins are not free.
#[derive(Debug, Clone, Copy, Default)]
pub struct BusesOn {
    /// SPI0 (config.txt, a `/dev/spidev0.*` node, or the scene's panel).
    pub spi0: bool,
    /// I2C1 (config.txt, `/dev/i2c-1`, or the scene's panel).
    pub i2c1: bool,
    /// SPI1 with this many chip selects, when the scene's panel is on it.
    pub spi1_cs: Option<u8>,
    /// I2C0 (GPIO 0/1), when the scene's panel is on it.
    pub i2c0: bool,
}

/// The pins a bus that is on takes: (BCM number, its role, the bus).
fn bus_pins(on: BusesOn) -> Vec<(u8, &'static str, &'static str)> {
    let mut pins = Vec::new();
    if on.i2c0 {
        pins.extend([(0, "I2C0 SDA", "I2C0"), (1, "I2C0 SCL", "I2C0")]);
    }
    if on.i2c1 {
        pins.extend([(2, "I2C1 SDA", "I2C1"), (3, "I2C1 SCL", "I2C1")]);
    }
    if on.spi0 {
        pins.extend([
            (7, "SPI0 CE1", "SPI0"),
            (8, "SPI0 CE0", "SPI0"),
            (9, "SPI0 MISO", "SPI0"),
            (10, "SPI0 MOSI", "SPI0"),
            (11, "SPI0 SCLK", "SPI0"),
        ]);
    }
    if let Some(cs) = on.spi1_cs {
        pins.extend([
            (19, "SPI1 MISO", "SPI1"),
            (20, "SPI1 MOSI", "SPI1"),
            (21, "SPI1 SCLK", "SPI1"),
        ]);
        for (i, (pin, role)) in [(18, "SPI1 CE0"), (17, "SPI1 CE1"), (16, "SPI1 CE2")]
            .into_iter()
            .enumerate()
        {
            if i <= usize::from(cs) {
                pins.push((pin, role, "SPI1"));
            }
        }
    }
    pins
}

/// How to turn a bus off, for a pin it takes that the scene's panel does not need.
fn turn_off(bus: &str) -> &'static str {
    match bus {
        "SPI0" => ", or turn SPI0 off (remove dtparam=spi=on) if nothing uses it",
        "I2C1" => ", or turn I2C1 off (remove dtparam=i2c_arm=on) if nothing uses it",
        _ => "",
    }
}

/// Checks the scene's pins against each other and the buses that are on.
pub fn check(target: &Target, on: BusesOn) -> Vec<Finding> {
    if target.pins.is_empty() {
        return vec![Finding::skip("pins", "the scene uses no GPIO pins")];
    }
    let taken = bus_pins(on);
    let panel_bus = match (target.spi(), target.i2c()) {
        (Some((0, _)), _) => "SPI0",
        (Some((1, _)), _) => "SPI1",
        (_, Some(1)) => "I2C1",
        (_, Some(0)) => "I2C0",
        _ => "",
    };
    let mut out = Vec::new();
    let mut by_pin: BTreeMap<u8, Vec<&PinUse>> = BTreeMap::new();
    for u in &target.pins {
        by_pin.entry(u.pin).or_default().push(u);
    }
    for (pin, uses) in &by_pin {
        if uses.len() > 1 {
            let names: Vec<&str> = uses.iter().map(|u| u.what.as_str()).collect();
            out.push(Finding::fail(
                "pins",
                format!(
                    "GPIO {pin} is used {} times: {} — give each its own pin",
                    uses.len(),
                    join_and(&names)
                ),
            ));
        }
    }
    let used: Vec<u8> = by_pin.keys().copied().collect();
    // Suggested pins: none with a bus or UART function on them (SPI0 7–11, UART 14/15).
    let free: Vec<String> = (4..=27u8)
        .filter(|p| !(7..=11).contains(p) && ![14, 15].contains(p))
        .filter(|p| !used.contains(p) && !taken.iter().any(|t| t.0 == *p))
        .take(4)
        .map(|p| p.to_string())
        .collect();
    let free = if free.is_empty() {
        String::new()
    } else {
        format!(" (free: {})", free.join(", "))
    };
    for u in &target.pins {
        let (pin, what) = (u.pin, &u.what);
        if pin > 27 {
            out.push(Finding::fail(
                "pins",
                format!("GPIO {pin} ({what}) is not on the 40-pin header (GPIO 0–27) — use a BCM number{free}"),
            ));
        } else if let Some((_, role, bus)) = taken.iter().find(|t| t.0 == pin) {
            let off = if *bus == panel_bus { "" } else { turn_off(bus) };
            out.push(Finding::fail(
                "pins",
                format!(
                    "GPIO {pin} ({what}) is {role}, and {bus} is on — pick a free pin{free}{off}"
                ),
            ));
        } else if pin <= 1 {
            out.push(Finding::warn(
                "pins",
                format!("GPIO {pin} ({what}) is the HAT ID EEPROM's I2C (ID_SD/ID_SC) — better a free pin{free}"),
            ));
        }
    }
    if out.is_empty() {
        let list: Vec<String> = target
            .pins
            .iter()
            .map(|u| format!("{} {}", u.pin, u.what))
            .collect();
        out.push(Finding::ok(
            "pins",
            format!(
                "GPIO {} — each used once, none on a bus's pins",
                list.join(", ")
            ),
        ));
    }
    out
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
