//! SPI with a data/command pin (and optional reset, backlight and BUSY pins), as the OLED,
//! TFT and e-paper controllers want it. Transfers are split to the spidev buffer size. The bus logic
//! works over two small port traits, implemented for rppal's types and for test fakes.

use std::time::{Duration, Instant};

use super::{Bus, BusError, BusyWait, PortError, SpiSpec};

/// Something that writes bytes on an SPI bus with chip select handled.
pub trait SpiPort: Send {
    /// Writes all of `bytes` in one transfer; returns how many went out.
    fn write(&mut self, bytes: &[u8]) -> Result<usize, PortError>;
}

/// A GPIO output.
pub trait OutPin: Send {
    /// Drives the pin high (true) or low.
    fn set(&mut self, high: bool);

    /// Drives the pin with PWM at `hz` and `duty` (0.0..=1.0); a steady level for duty 0
    /// or 1. A pin without PWM is on for any duty above 0.
    fn pwm(&mut self, hz: f64, duty: f64) -> Result<(), PortError> {
        let _ = hz;
        self.set(duty > 0.0);
        Ok(())
    }
}

/// A GPIO input.
pub trait InPin: Send {
    /// True when the pin reads high.
    fn is_high(&self) -> bool;
}

impl InPin for rppal::gpio::InputPin {
    fn is_high(&self) -> bool {
        rppal::gpio::InputPin::is_high(self)
    }
}

impl SpiPort for rppal::spi::Spi {
    fn write(&mut self, bytes: &[u8]) -> Result<usize, PortError> {
        rppal::spi::Spi::write(self, bytes).map_err(|e| PortError(e.to_string()))
    }
}

impl OutPin for rppal::gpio::OutputPin {
    fn set(&mut self, high: bool) {
        if high {
            self.set_high();
        } else {
            self.set_low();
        }
    }

    fn pwm(&mut self, hz: f64, duty: f64) -> Result<(), PortError> {
        // Full on and full off need no PWM thread.
        if duty <= 0.0 || duty >= 1.0 {
            self.clear_pwm().map_err(|e| PortError(e.to_string()))?;
            OutPin::set(self, duty >= 1.0);
            return Ok(());
        }
        self.set_pwm_frequency(hz, duty)
            .map_err(|e| PortError(e.to_string()))
    }
}

/// An SPI display bus.
pub struct SpiBus<S: SpiPort, P: OutPin> {
    spi: S,
    dc: P,
    reset: Option<P>,
    backlight: Option<P>,
    /// PWM frequency of the backlight, when it is dimmed rather than switched.
    pwm_hz: Option<u32>,
    /// The backlight's brightness (0..=255) while it is on.
    level: u8,
    busy: Option<(u8, Box<dyn InPin>)>,
    chunk: usize,
    what: String,
}

impl<S: SpiPort, P: OutPin> SpiBus<S, P> {
    /// A bus over `spi` with its pins; transfers at most `chunk` bytes at a time.
    pub fn new(spi: S, dc: P, reset: Option<P>, backlight: Option<P>, chunk: usize) -> Self {
        SpiBus {
            spi,
            dc,
            reset,
            backlight,
            pwm_hz: None,
            level: u8::MAX,
            busy: None,
            chunk: chunk.max(1),
            what: "SPI".into(),
        }
    }

    /// Dims the backlight by PWM at `hz` (when it has a pin) instead of switching it.
    pub fn with_backlight_pwm(mut self, hz: Option<u32>) -> Self {
        self.pwm_hz = hz.filter(|&h| h > 0);
        self
    }

    /// Drives the backlight pin at `level` (0..=255): PWM when dimmed, else on for any
    /// level above 0.
    fn drive_backlight(&mut self, level: u8) -> Result<(), BusError> {
        let Some(pin) = &mut self.backlight else {
            return Ok(());
        };
        match self.pwm_hz {
            Some(hz) => pin
                .pwm(f64::from(hz), f64::from(level) / 255.0)
                .map_err(|reason| BusError::Write {
                    what: format!("{} backlight", self.what),
                    reason: reason.to_string(),
                }),
            None => {
                pin.set(level > 0);
                Ok(())
            }
        }
    }

    /// Adds the BUSY input (BCM number `n`, for errors).
    pub fn with_busy(mut self, n: u8, pin: Box<dyn InPin>) -> Self {
        self.busy = Some((n, pin));
        self
    }

    /// Names the bus in errors.
    pub fn named(mut self, what: String) -> Self {
        self.what = what;
        self
    }

    fn send(&mut self, dc: bool, bytes: &[u8]) -> Result<(), BusError> {
        self.dc.set(dc);
        for chunk in bytes.chunks(self.chunk) {
            match self.spi.write(chunk) {
                Ok(n) if n == chunk.len() => {}
                Ok(n) => {
                    return Err(BusError::Write {
                        what: self.what.clone(),
                        reason: format!("only {n} of {} bytes went out", chunk.len()),
                    });
                }
                Err(reason) => {
                    return Err(BusError::Write {
                        what: self.what.clone(),
                        reason: reason.to_string(),
                    });
                }
            }
        }
        Ok(())
    }
}

impl<S: SpiPort, P: OutPin> Bus for SpiBus<S, P> {
    fn describe(&self) -> String {
        self.what.clone()
    }

    fn command(&mut self, bytes: &[u8]) -> Result<(), BusError> {
        self.send(false, bytes)
    }

    fn data(&mut self, bytes: &[u8]) -> Result<(), BusError> {
        self.send(true, bytes)
    }

    fn reset(&mut self) -> Result<(), BusError> {
        if let Some(pin) = &mut self.reset {
            pin.set(true);
            std::thread::sleep(Duration::from_millis(1));
            pin.set(false);
            std::thread::sleep(Duration::from_millis(10));
            pin.set(true);
            std::thread::sleep(Duration::from_millis(120));
        }
        Ok(())
    }

    fn backlight(&mut self, on: bool) -> Result<(), BusError> {
        self.drive_backlight(if on { self.level } else { 0 })
    }

    fn backlight_level(&mut self, level: u8) -> Result<(), BusError> {
        self.level = level;
        if self.pwm_hz.is_some() {
            self.drive_backlight(level)?;
        }
        Ok(())
    }

    /// Polls the BUSY pin every millisecond; gives up with [`BusError::Busy`] after twice
    /// the datasheet's worst case. Without a pin, sleeps the worst case.
    fn wait_busy(&mut self, busy: BusyWait) -> Result<(), BusError> {
        let Some((n, pin)) = &self.busy else {
            std::thread::sleep(Duration::from_millis(u64::from(busy.max_ms)));
            return Ok(());
        };
        let limit = Duration::from_millis(2 * u64::from(busy.max_ms.max(1)));
        let start = Instant::now();
        while pin.is_high() == busy.level {
            if start.elapsed() >= limit {
                return Err(BusError::Busy {
                    what: self.what.clone(),
                    pin: *n,
                    waited_ms: start.elapsed().as_millis() as u64,
                });
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        Ok(())
    }
}

/// What to check when SPI or GPIO does not open.
const SPI_HINT: &str = "SPI is enabled (sudo raspi-config → Interface Options → SPI, or \
dtparam=spi=on in /boot/firmware/config.txt, then reboot); the device node exists \
(ls /dev/spidev*); your user may use it (groups: spi, gpio); bus and cs match the wiring";
const GPIO_HINT: &str = "this is a Raspberry Pi with /dev/gpiochip0; your user is in the \
gpio group; the pin numbers are BCM GPIO numbers, not header pin numbers";

/// Opens SPI and its pins through rppal.
pub fn open(s: &SpiSpec) -> Result<SpiBus<rppal::spi::Spi, rppal::gpio::OutputPin>, BusError> {
    use rppal::spi::{Bus as SBus, Mode, SlaveSelect, Spi};
    let what = format!(
        "SPI bus {} chip select {} (/dev/spidev{}.{})",
        s.bus, s.cs, s.bus, s.cs
    );
    let open_err = |reason: String| BusError::Open {
        what: what.clone(),
        reason,
        hint: SPI_HINT.into(),
    };
    let bus = match s.bus {
        0 => SBus::Spi0,
        1 => SBus::Spi1,
        2 => SBus::Spi2,
        3 => SBus::Spi3,
        4 => SBus::Spi4,
        5 => SBus::Spi5,
        6 => SBus::Spi6,
        n => return Err(open_err(format!("there is no SPI bus {n} (0..=6)"))),
    };
    let cs = match s.cs {
        0 => SlaveSelect::Ss0,
        1 => SlaveSelect::Ss1,
        2 => SlaveSelect::Ss2,
        n => {
            return Err(open_err(format!(
                "chip select {n} is not supported (0..=2)"
            )));
        }
    };
    let spi = Spi::new(bus, cs, s.hz, Mode::Mode0).map_err(|e| open_err(e.to_string()))?;
    let gpio = rppal::gpio::Gpio::new().map_err(|e| BusError::Open {
        what: "GPIO".into(),
        reason: e.to_string(),
        hint: GPIO_HINT.into(),
    })?;
    let pin = |n: u8, role: &str| {
        gpio.get(n)
            .map(|p| p.into_output_high())
            .map_err(|e| BusError::Open {
                what: format!("GPIO {n} ({role})"),
                reason: e.to_string(),
                hint: GPIO_HINT.into(),
            })
    };
    let dc = pin(s.dc, "DC")?;
    let reset = s.reset.map(|n| pin(n, "RESET")).transpose()?;
    let backlight = s.backlight.map(|n| pin(n, "backlight")).transpose()?;
    let mut bus = SpiBus::new(spi, dc, reset, backlight, s.chunk)
        .with_backlight_pwm(s.backlight_pwm)
        .named(what);
    if let Some(n) = s.busy {
        let input = gpio
            .get(n)
            .map(|p| p.into_input())
            .map_err(|e| BusError::Open {
                what: format!("GPIO {n} (BUSY)"),
                reason: e.to_string(),
                hint: GPIO_HINT.into(),
            })?;
        bus = bus.with_busy(n, Box::new(input));
    }
    Ok(bus)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Records (dc, bytes) of every transfer.
    #[derive(Clone, Default)]
    struct Log(Arc<Mutex<Vec<(bool, usize)>>>, Arc<Mutex<bool>>);

    struct FakeSpi(Log);
    impl SpiPort for FakeSpi {
        fn write(&mut self, bytes: &[u8]) -> Result<usize, PortError> {
            let dc = *self.0.1.lock().unwrap();
            self.0.0.lock().unwrap().push((dc, bytes.len()));
            Ok(bytes.len())
        }
    }
    struct FakePin(Log);
    impl OutPin for FakePin {
        fn set(&mut self, high: bool) {
            *self.0.1.lock().unwrap() = high;
        }

        fn pwm(&mut self, _hz: f64, duty: f64) -> Result<(), PortError> {
            self.set(duty > 0.0);
            Ok(())
        }
    }

    /// A backlight pin that records what it was driven with.
    #[derive(Clone, Default)]
    struct Backlight(Arc<Mutex<Vec<String>>>);
    impl OutPin for Backlight {
        fn set(&mut self, high: bool) {
            self.0.lock().unwrap().push(format!("set {high}"));
        }

        fn pwm(&mut self, hz: f64, duty: f64) -> Result<(), PortError> {
            self.0.lock().unwrap().push(format!("pwm {hz} {duty:.3}"));
            Ok(())
        }
    }

    /// A DC/reset pin that goes nowhere.
    struct Quiet;
    impl OutPin for Quiet {
        fn set(&mut self, _high: bool) {}
        fn pwm(&mut self, _hz: f64, _duty: f64) -> Result<(), PortError> {
            Ok(())
        }
    }

    /// The pins a bus with a backlight has: (dc, reset, backlight) as one type.
    enum Pin {
        Quiet(Quiet),
        Backlight(Backlight),
    }
    impl OutPin for Pin {
        fn set(&mut self, high: bool) {
            match self {
                Pin::Quiet(p) => p.set(high),
                Pin::Backlight(p) => p.set(high),
            }
        }
        fn pwm(&mut self, hz: f64, duty: f64) -> Result<(), PortError> {
            match self {
                Pin::Quiet(p) => p.pwm(hz, duty),
                Pin::Backlight(p) => p.pwm(hz, duty),
            }
        }
    }

    fn with_backlight(pwm: Option<u32>) -> (SpiBus<FakeSpi, Pin>, Backlight) {
        let bl = Backlight::default();
        let bus = SpiBus::new(
            FakeSpi(Log::default()),
            Pin::Quiet(Quiet),
            None,
            Some(Pin::Backlight(bl.clone())),
            64,
        )
        .with_backlight_pwm(pwm);
        (bus, bl)
    }

    #[test]
    fn a_pwm_backlight_follows_the_level_and_switches_at_it() {
        let (mut bus, bl) = with_backlight(Some(500));
        bus.backlight_level(51).unwrap();
        bus.backlight(false).unwrap();
        bus.backlight(true).unwrap();
        bus.backlight_level(255).unwrap();
        assert_eq!(
            *bl.0.lock().unwrap(),
            [
                "pwm 500 0.200",
                "pwm 500 0.000",
                "pwm 500 0.200",
                "pwm 500 1.000"
            ]
        );
    }

    #[test]
    fn a_plain_backlight_pin_is_only_switched() {
        let (mut bus, bl) = with_backlight(None);
        bus.backlight_level(51).unwrap();
        bus.backlight(true).unwrap();
        bus.backlight(false).unwrap();
        assert_eq!(*bl.0.lock().unwrap(), ["set true", "set false"]);
    }

    #[test]
    fn transfers_are_split_to_the_buffer_size_with_dc_set() {
        let log = Log::default();
        let mut bus = SpiBus::new(FakeSpi(log.clone()), FakePin(log.clone()), None, None, 4096);
        bus.command(&[0x2C]).unwrap();
        bus.data(&vec![0; 10_000]).unwrap();
        assert_eq!(
            *log.0.lock().unwrap(),
            vec![(false, 1), (true, 4096), (true, 4096), (true, 1808)]
        );
    }

    #[test]
    fn a_short_write_is_an_error() {
        struct Short;
        impl SpiPort for Short {
            fn write(&mut self, bytes: &[u8]) -> Result<usize, PortError> {
                Ok(bytes.len() / 2)
            }
        }
        let log = Log::default();
        let mut bus = SpiBus::new(Short, FakePin(log), None, None, 64);
        assert!(matches!(bus.data(&[0; 10]), Err(BusError::Write { .. })));
    }

    /// A BUSY pin that reads busy until `clears_after` polls have passed (never if None).
    struct FakeBusy {
        polls: std::sync::atomic::AtomicU32,
        clears_after: Option<u32>,
    }
    impl InPin for FakeBusy {
        fn is_high(&self) -> bool {
            let n = self
                .polls
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.clears_after.is_none_or(|k| n < k)
        }
    }

    fn busy_bus(clears_after: Option<u32>) -> SpiBus<FakeSpi, FakePin> {
        let log = Log::default();
        SpiBus::new(FakeSpi(log.clone()), FakePin(log), None, None, 64)
            .named("SPI test".into())
            .with_busy(
                17,
                Box::new(FakeBusy {
                    polls: Default::default(),
                    clears_after,
                }),
            )
    }

    #[test]
    fn a_busy_pin_that_clears_ends_the_wait() {
        let wait = BusyWait {
            level: true,
            max_ms: 1000,
        };
        assert!(busy_bus(Some(3)).wait_busy(wait).is_ok());
    }

    #[test]
    fn a_busy_pin_that_never_clears_is_a_typed_error_not_a_hang() {
        let start = Instant::now();
        let wait = BusyWait {
            level: true,
            max_ms: 20,
        };
        let e = busy_bus(None).wait_busy(wait).unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(2));
        let BusError::Busy { pin, waited_ms, .. } = &e else {
            panic!("not a busy error: {e}");
        };
        assert_eq!(*pin, 17);
        assert!(*waited_ms >= 40, "{waited_ms}");
        assert!(e.to_string().contains("BUSY pin GPIO 17"), "{e}");
        // The level that means busy is the controller's: low-active BUSY_N reads clear.
        let low = BusyWait {
            level: false,
            max_ms: 20,
        };
        assert!(busy_bus(None).wait_busy(low).is_ok());
    }

    #[test]
    fn opening_spi_off_a_pi_says_what_to_check() {
        let spec = SpiSpec {
            bus: 0,
            cs: 0,
            hz: 1_000_000,
            dc: 24,
            reset: None,
            backlight: None,
            backlight_pwm: None,
            busy: Some(17),
            chunk: 4096,
        };
        if std::path::Path::new("/dev/spidev0.0").exists() {
            return; // a real Pi with SPI on: nothing to prove here
        }
        let Err(e) = open(&spec) else {
            panic!("SPI opened without a device");
        };
        let text = e.to_string();
        assert!(text.contains("/dev/spidev0.0"), "{text}");
        assert!(text.contains("raspi-config"), "{text}");
    }
}
