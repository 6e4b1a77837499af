//! The wires to a panel: a small [`Bus`] trait with SPI and I2C (through rppal), a capture
//! bus that writes every transfer to a text file, and a null bus for benchmarks.

use std::time::Duration;

use serde::Deserialize;

pub mod capture;
pub mod gpio4;
pub mod i2c;
pub mod null;
pub mod pcf8574;
pub mod spi;

pub use self::capture::{CaptureBus, CaptureError, Transfer, parse_capture};
pub use self::i2c::I2cBus;
pub use self::null::NullBus;
pub use self::spi::SpiBus;

/// Something that carries commands and data to a display controller.
pub trait Bus: Send {
    /// A short description for logs ("SPI 0.0", "capture frames.txt").
    fn describe(&self) -> String;

    /// Sends command bytes (DC low on SPI).
    fn command(&mut self, bytes: &[u8]) -> Result<(), BusError>;

    /// Sends data bytes (DC high on SPI).
    fn data(&mut self, bytes: &[u8]) -> Result<(), BusError>;

    /// Pulses the RESET line, if the bus has one.
    fn reset(&mut self) -> Result<(), BusError> {
        Ok(())
    }

    /// Switches the backlight, if the bus has a pin for it.
    fn backlight(&mut self, on: bool) -> Result<(), BusError> {
        let _ = on;
        Ok(())
    }

    /// Dims the backlight to `level`/255 of full duty, if the bus drives it by PWM.
    fn backlight_level(&mut self, level: u8) -> Result<(), BusError> {
        let _ = level;
        Ok(())
    }

    /// Waits (a real bus sleeps; capture and null buses note it and go on).
    fn delay_ms(&mut self, ms: u32) {
        std::thread::sleep(Duration::from_millis(u64::from(ms)));
    }

    /// Waits until the controller is no longer busy (after a refresh, a reset or a power
    /// command). A bus with no BUSY pin waits the datasheet's worst case, `busy.max_ms`.
    fn wait_busy(&mut self, busy: BusyWait) -> Result<(), BusError> {
        self.delay_ms(busy.max_ms);
        Ok(())
    }

    /// Pushes out anything buffered (called after each frame).
    fn flush(&mut self) -> Result<(), BusError> {
        Ok(())
    }
}

/// How a controller's BUSY line says it is working, and the datasheet's worst case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusyWait {
    /// The pin level that means busy (high on the SSD1680, low on the UC8151's BUSY_N).
    pub level: bool,
    /// The longest the datasheet says the operation takes, in milliseconds.
    pub max_ms: u32,
}

/// Why one transfer or pin operation of a port failed: what the system (or a fake) said.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PortError(pub String);

impl From<String> for PortError {
    fn from(message: String) -> PortError {
        PortError(message)
    }
}

impl From<&str> for PortError {
    fn from(message: &str) -> PortError {
        PortError(message.to_owned())
    }
}

/// A bus that could not be opened or written.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// Opening the device failed; `hint` says what to check.
    #[error("cannot open {what}: {reason}\n  check: {hint}")]
    Open {
        /// The device ("SPI bus 0, chip select 0").
        what: String,
        /// What the system said.
        reason: String,
        /// What the user should check.
        hint: String,
    },
    /// A transfer failed.
    #[error("writing to {what} failed: {reason}")]
    Write {
        /// The device.
        what: String,
        /// What the system said.
        reason: String,
    },
    /// The BUSY pin did not clear in time.
    #[error(
        "{what}: the panel stayed busy (BUSY pin GPIO {pin}) for {waited_ms} ms, twice the \
         datasheet's worst case\n  check: the BUSY wire and its BCM number, the panel's \
         power, and that `driver` names this panel"
    )]
    Busy {
        /// The device.
        what: String,
        /// The BUSY pin's BCM number.
        pin: u8,
        /// How long it waited.
        waited_ms: u64,
    },
}

/// The bus section of a display: `Spi(bus: 0, cs: 0, hz: 10000000, dc: 24, reset: 25)`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub enum BusSpec {
    /// SPI through /dev/spidevB.C, with GPIO (BCM numbers) for DC, RESET and backlight.
    Spi(SpiSpec),
    /// I2C through /dev/i2c-B.
    I2c(I2cSpec),
    /// Every transfer written to a text file as `C <hex>` / `D <hex>` lines.
    Capture(CaptureSpec),
    /// Bytes counted and dropped (for benchmarks).
    Null,
    /// A character LCD's PCF8574 I2C backpack (raw port bytes, no control byte).
    Pcf8574(Pcf8574Spec),
    /// A character LCD wired to GPIO in 4-bit mode.
    Gpio4(Gpio4Spec),
}

/// PCF8574 backpack settings: `Pcf8574(bus: 1, address: 0x27)`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pcf8574Spec {
    /// I2C bus number (default 1: /dev/i2c-1).
    #[serde(default = "default_i2c_bus")]
    pub bus: u8,
    /// 7-bit address (default 0x27; PCF8574A boards use 0x3F).
    #[serde(default = "default_pcf8574_address")]
    pub address: u16,
    /// Largest single I2C message in bytes (default 1024).
    #[serde(default = "default_i2c_chunk")]
    pub chunk: usize,
}

/// 4-bit GPIO wiring (BCM numbers): `Gpio4(rs: 25, en: 24, d4: 23, d5: 17, d6: 18, d7: 22)`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gpio4Spec {
    /// Register select.
    pub rs: u8,
    /// Enable strobe.
    pub en: u8,
    /// Data bit 4.
    pub d4: u8,
    /// Data bit 5.
    pub d5: u8,
    /// Data bit 6.
    pub d6: u8,
    /// Data bit 7.
    pub d7: u8,
    /// A pin that switches the backlight (through a transistor), if wired.
    #[serde(default)]
    pub backlight: Option<u8>,
}

fn default_pcf8574_address() -> u16 {
    0x27
}

/// SPI settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpiSpec {
    /// SPI bus number (default 0: /dev/spidev0.*).
    #[serde(default)]
    pub bus: u8,
    /// Chip select (default 0).
    #[serde(default)]
    pub cs: u8,
    /// Clock in Hz (default 8 MHz).
    #[serde(default = "default_hz")]
    pub hz: u32,
    /// BCM number of the data/command pin.
    pub dc: u8,
    /// BCM number of the reset pin, if wired.
    #[serde(default)]
    pub reset: Option<u8>,
    /// BCM number of the backlight pin, if wired.
    #[serde(default)]
    pub backlight: Option<u8>,
    /// Dim the backlight pin by PWM at this frequency in Hz (e.g. 500), following the
    /// display's `contrast` (bindable, and the `contrast`/`brightness` commands); default:
    /// none (the pin is only switched on and off).
    #[serde(default)]
    pub backlight_pwm: Option<u32>,
    /// BCM number of the BUSY pin (an input; e-paper), if wired.
    #[serde(default)]
    pub busy: Option<u8>,
    /// Largest single transfer in bytes (spidev's bufsiz, default 4096).
    #[serde(default = "default_chunk")]
    pub chunk: usize,
}

/// I2C settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct I2cSpec {
    /// I2C bus number (default 1: /dev/i2c-1).
    #[serde(default = "default_i2c_bus")]
    pub bus: u8,
    /// 7-bit address (default 0x3C).
    #[serde(default = "default_address")]
    pub address: u16,
    /// Largest single transfer in bytes, control byte excluded (default 1024).
    #[serde(default = "default_i2c_chunk")]
    pub chunk: usize,
}

/// Capture settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptureSpec {
    /// The text file to write (relative to the scene file).
    pub file: String,
}

fn default_hz() -> u32 {
    8_000_000
}
fn default_chunk() -> usize {
    4096
}
fn default_i2c_bus() -> u8 {
    1
}
fn default_address() -> u16 {
    0x3C
}
fn default_i2c_chunk() -> usize {
    1024
}

use super::error::PanelError;

impl BusSpec {
    /// Parses a bus given on the command line: `null`, `capture:FILE`, or RON such as
    /// `Spi(dc: 24, reset: 25)`.
    pub fn parse_arg(s: &str) -> Result<BusSpec, PanelError> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("null") {
            return Ok(BusSpec::Null);
        }
        if let Some(file) = s.strip_prefix("capture:") {
            return Ok(BusSpec::Capture(CaptureSpec { file: file.into() }));
        }
        let opts = ron::Options::default().with_default_extension(
            ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES
                | ron::extensions::Extensions::IMPLICIT_SOME,
        );
        opts.from_str(s).map_err(|e| PanelError::BadBus {
            given: s.to_string(),
            reason: e.to_string(),
        })
    }

    /// Opens the bus. Paths (of a capture file) are relative to `dir`.
    pub fn open(&self, dir: &std::path::Path) -> Result<Box<dyn Bus>, BusError> {
        match self {
            BusSpec::Spi(s) => Ok(Box::new(spi::open(s)?)),
            BusSpec::I2c(s) => Ok(Box::new(i2c::open(s)?)),
            BusSpec::Capture(c) => Ok(Box::new(CaptureBus::create(&dir.join(&c.file))?)),
            BusSpec::Null => Ok(Box::new(NullBus::default())),
            BusSpec::Pcf8574(s) => Ok(Box::new(pcf8574::open(s)?)),
            BusSpec::Gpio4(s) => Ok(Box::new(gpio4::open(s)?)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buses_parse_from_the_command_line() {
        assert_eq!(BusSpec::parse_arg("null"), Ok(BusSpec::Null));
        assert_eq!(
            BusSpec::parse_arg("capture:out.txt"),
            Ok(BusSpec::Capture(CaptureSpec {
                file: "out.txt".into()
            }))
        );
        let Ok(BusSpec::Spi(s)) = BusSpec::parse_arg("Spi(dc: 24, reset: 25)") else {
            panic!("not SPI");
        };
        assert_eq!(
            (s.bus, s.cs, s.dc, s.reset, s.chunk),
            (0, 0, 24, Some(25), 4096)
        );
        assert!(BusSpec::parse_arg("Spi(bus: 0)").is_err());
        let Ok(BusSpec::Spi(s)) = BusSpec::parse_arg("Spi(dc: 25, reset: 17, busy: 24)") else {
            panic!("not SPI");
        };
        assert_eq!((s.busy, s.backlight), (Some(24), None));
    }
}
