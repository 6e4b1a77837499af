//! The SPI settings the scene asks for against what the controller and the kernel allow:
//! the clock (`hz`) against the controller's datasheet and the device tree's
//! `spi-max-frequency`, the largest transfer (`chunk`) against spidev's `bufsiz`.

use tinydisplay::panel::Model;
use tinydisplay::panel::bus::SpiSpec;

use super::Env;
use super::report::Finding;

/// `10 MHz`, `62.5 MHz`, `400 kHz`.
fn hz(v: u32) -> String {
    let (n, unit) = if v >= 1_000_000 {
        (f64::from(v) / 1e6, "MHz")
    } else {
        (f64::from(v) / 1e3, "kHz")
    };
    let s = format!("{n:.3}");
    format!("{} {unit}", s.trim_end_matches('0').trim_end_matches('.'))
}

/// The device tree's clock limit for `spiB.C`, if the kernel shows it.
fn device_tree_max(env: &Env, bus: u8, cs: u8) -> Option<u32> {
    let path = env.root.path(&format!(
        "/sys/bus/spi/devices/spi{bus}.{cs}/of_node/spi-max-frequency"
    ));
    let bytes = std::fs::read(path).ok()?;
    let b: [u8; 4] = bytes.get(..4)?.try_into().ok()?;
    Some(u32::from_be_bytes(b))
}

/// The scene's clock against the controller's datasheet and the device tree.
pub fn clock(env: &Env, s: &SpiSpec, model: Option<Model>) -> Finding {
    let asked = format!("hz: {} ({})", s.hz, hz(s.hz));
    let dt = match device_tree_max(env, s.bus, s.cs) {
        Some(max) if s.hz > max => {
            return Finding::warn(
                "spi clock",
                format!(
                    "{asked} is above the {} the device tree allows for spi{}.{}: the kernel may refuse or slow it — lower hz",
                    hz(max),
                    s.bus,
                    s.cs
                ),
            );
        }
        Some(max) => format!("the device tree allows {}", hz(max)),
        None => format!(
            "the device tree's limit is not readable (no /sys/bus/spi/devices/spi{}.{}/of_node/spi-max-frequency)",
            s.bus, s.cs
        ),
    };
    match model {
        Some(m) if s.hz > m.spi_max_hz() => Finding::warn(
            "spi clock",
            format!(
                "{asked} is above the {} the {} datasheet allows — if the picture is garbled or stays dark, lower hz (many modules do run faster); {dt}",
                hz(m.spi_max_hz()),
                m.controller().name().to_uppercase()
            ),
        ),
        Some(m) => Finding::ok(
            "spi clock",
            format!(
                "{asked}, within the {} the {} datasheet allows; {dt}",
                hz(m.spi_max_hz()),
                m.controller().name().to_uppercase()
            ),
        ),
        None => Finding::ok("spi clock", format!("{asked}; {dt}")),
    }
}

/// spidev's default buffer size, when the kernel does not show it.
const SPIDEV_DEFAULT_BUFSIZ: usize = 4096;

/// The scene's `chunk` against spidev's `bufsiz`.
pub fn buffer(env: &Env, s: &SpiSpec) -> Finding {
    const PARAM: &str = "/sys/module/spidev/parameters/bufsiz";
    let cmdline = env.boot.cmdline();
    let chunk = s.chunk;
    let fix = |limit: usize| {
        format!(
            "set chunk: {limit} in display.bus, or add spidev.bufsiz={chunk} to {cmdline} (one line) and reboot"
        )
    };
    match env
        .root
        .read(PARAM)
        .and_then(|t| t.trim().parse::<usize>().ok())
    {
        Some(bufsiz) if chunk > bufsiz => Finding::fail(
            "spi buffer",
            format!(
                "chunk: {chunk} is above spidev's bufsiz {bufsiz}, so every larger transfer fails — {}",
                fix(bufsiz)
            ),
        ),
        Some(bufsiz) => Finding::ok(
            "spi buffer",
            format!("chunk: {chunk} fits spidev's bufsiz {bufsiz}"),
        ),
        None if chunk > SPIDEV_DEFAULT_BUFSIZ => Finding::warn(
            "spi buffer",
            format!(
                "chunk: {chunk} is above spidev's default bufsiz {SPIDEV_DEFAULT_BUFSIZ} and {PARAM} is not readable — unless bufsiz was raised, {}",
                fix(SPIDEV_DEFAULT_BUFSIZ)
            ),
        ),
        None => Finding::ok(
            "spi buffer",
            format!(
                "chunk: {chunk} fits spidev's default bufsiz {SPIDEV_DEFAULT_BUFSIZ} ({PARAM} not readable)"
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn clocks_print_short() {
        assert_eq!(super::hz(10_000_000), "10 MHz");
        assert_eq!(super::hz(62_500_000), "62.5 MHz");
        assert_eq!(super::hz(400_000), "400 kHz");
    }
}
