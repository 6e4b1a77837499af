//! A character LCD wired straight to GPIO in 4-bit mode: RS, E and D4–D7 (R/W tied to
//! ground), and optionally a backlight switch. It takes the same port states as the
//! PCF8574 backpack (P0 = RS, P2 = E, P3 = backlight, P4–P7 = D4–D7) and sets its pins
//! to each in turn, holding E high for a microsecond and waiting after each falling E
//! for the controller to carry the instruction out.

use std::time::{Duration, Instant};

use super::spi::OutPin;
use super::{Bus, BusError, Gpio4Spec};
use crate::panel::driver::hd44780::{BACKLIGHT, EN, RS};

/// Time after a falling E before the next one (instructions take 37 µs at 270 kHz;
/// slow oscillators take longer).
const SETTLE: Duration = Duration::from_micros(50);

/// The pins of a 4-bit parallel connection.
pub struct Gpio4Bus<P: OutPin> {
    rs: P,
    en: P,
    data: [P; 4],
    backlight: Option<P>,
    last: Option<u8>,
    what: String,
    settle: Duration,
}

impl<P: OutPin> Gpio4Bus<P> {
    /// A bus over these pins (`data` is D4..D7).
    pub fn new(rs: P, en: P, data: [P; 4], backlight: Option<P>, what: String) -> Self {
        Gpio4Bus {
            rs,
            en,
            data,
            backlight,
            last: None,
            what,
            settle: SETTLE,
        }
    }

    /// Waits `d` without sleeping (a sleep lasts far longer than a microsecond).
    fn spin(d: Duration) {
        let t = Instant::now();
        while t.elapsed() < d {
            std::hint::spin_loop();
        }
    }

    fn port(&mut self, b: u8) {
        let last = self.last;
        let changed = |bit: u8| last.is_none_or(|l| (l ^ b) & bit != 0);
        if changed(RS) {
            self.rs.set(b & RS != 0);
        }
        for (k, pin) in self.data.iter_mut().enumerate() {
            let bit = 0x10 << k;
            if changed(bit) {
                pin.set(b & bit != 0);
            }
        }
        if changed(BACKLIGHT)
            && let Some(pin) = &mut self.backlight
        {
            pin.set(b & BACKLIGHT != 0);
        }
        if changed(EN) {
            let falling = b & EN == 0;
            if !falling {
                // Address set-up (tAS, 40 ns) before E rises.
                Self::spin(Duration::from_micros(1));
            }
            self.en.set(!falling);
            if falling {
                Self::spin(self.settle);
            } else {
                // E pulse width (PWEH, 230–450 ns).
                Self::spin(Duration::from_micros(1));
            }
        }
        self.last = Some(b);
    }
}

impl<P: OutPin> Bus for Gpio4Bus<P> {
    fn describe(&self) -> String {
        self.what.clone()
    }

    fn command(&mut self, bytes: &[u8]) -> Result<(), BusError> {
        for &b in bytes {
            self.port(b);
        }
        Ok(())
    }

    fn data(&mut self, bytes: &[u8]) -> Result<(), BusError> {
        self.command(bytes)
    }
}

const GPIO_HINT: &str = "this is a Raspberry Pi with /dev/gpiochip0; your user is in the \
gpio group; the pin numbers are BCM GPIO numbers, not header pin numbers; no other program \
holds the pins";

/// Opens the pins through rppal.
pub fn open(s: &Gpio4Spec) -> Result<Gpio4Bus<rppal::gpio::OutputPin>, BusError> {
    let gpio = rppal::gpio::Gpio::new().map_err(|e| BusError::Open {
        what: "GPIO".into(),
        reason: e.to_string(),
        hint: GPIO_HINT.into(),
    })?;
    let pin = |n: u8, role: &str| {
        gpio.get(n)
            .map(|p| p.into_output_low())
            .map_err(|e| BusError::Open {
                what: format!("GPIO {n} ({role})"),
                reason: e.to_string(),
                hint: GPIO_HINT.into(),
            })
    };
    let what = format!(
        "GPIO 4-bit (RS {}, E {}, D4-D7 {} {} {} {})",
        s.rs, s.en, s.d4, s.d5, s.d6, s.d7
    );
    Ok(Gpio4Bus::new(
        pin(s.rs, "RS")?,
        pin(s.en, "E")?,
        [
            pin(s.d4, "D4")?,
            pin(s.d5, "D5")?,
            pin(s.d6, "D6")?,
            pin(s.d7, "D7")?,
        ],
        s.backlight.map(|n| pin(n, "backlight")).transpose()?,
        what,
    ))
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Pin levels by role (RS, E, D4..D7, backlight) and the (RS, nibble) latched at
    /// each falling E.
    type Levels = ([bool; 7], Vec<(bool, u8)>);

    #[derive(Clone, Default)]
    struct Pins(Arc<Mutex<Levels>>);

    struct Pin(Pins, usize);
    impl OutPin for Pin {
        fn set(&mut self, high: bool) {
            let mut s = self.0.0.lock().unwrap();
            let was = s.0[self.1];
            s.0[self.1] = high;
            if self.1 == 1 && was && !high {
                let st = s.0;
                let n = (0..4).fold(0u8, |n, k| n | (u8::from(st[2 + k]) << k));
                s.1.push((st[0], n));
            }
        }
    }

    #[test]
    fn port_states_become_pin_changes_and_strobes() {
        let pins = Pins::default();
        let p = |k| Pin(pins.clone(), k);
        let mut bus = Gpio4Bus::new(p(0), p(1), [p(2), p(3), p(4), p(5)], Some(p(6)), "t".into());
        bus.settle = Duration::ZERO;
        // 'A' (0x41) as data, backlight on.
        bus.data(&[0x49, 0x4D, 0x49, 0x19, 0x1D, 0x19]).unwrap();
        let s = pins.0.lock().unwrap();
        assert_eq!(s.1, vec![(true, 0x4), (true, 0x1)]);
        assert!(s.0[6], "backlight on");
    }
}
