//! The pin layer of the GPIO source: a small trait over input pins, the Raspberry Pi's
//! pins through rppal, and a fake bank that tests drive.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Deserialize;

use crate::source::SourceError;

/// The internal resistor of an input pin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum Pull {
    /// Pulled up to 3.3 V (a button to ground reads low when pressed).
    #[default]
    Up,
    /// Pulled down to ground.
    Down,
    /// No resistor (the circuit has its own).
    Off,
}

/// One input pin's level.
pub trait InputPin: Send {
    /// Whether the pin reads high now.
    fn is_high(&mut self) -> bool;
}

/// Where input pins come from (the Pi's GPIO, or a fake in tests).
pub trait PinBank: Send {
    /// Opens BCM pin `pin` as an input with `pull`.
    fn input(&mut self, pin: u8, pull: Pull) -> Result<Box<dyn InputPin>, SourceError>;
}

/// The Raspberry Pi's GPIO through rppal.
#[derive(Default)]
pub struct RppalBank {
    gpio: Option<rppal::gpio::Gpio>,
}

struct RppalPin(rppal::gpio::InputPin);

impl InputPin for RppalPin {
    fn is_high(&mut self) -> bool {
        self.0.is_high()
    }
}

impl PinBank for RppalBank {
    fn input(&mut self, pin: u8, pull: Pull) -> Result<Box<dyn InputPin>, SourceError> {
        if self.gpio.is_none() {
            let g = rppal::gpio::Gpio::new().map_err(|e| {
                SourceError::Config(format!(
                    "no GPIO on this machine ({e}); buttons and encoders need a Raspberry Pi"
                ))
            })?;
            self.gpio = Some(g);
        }
        let Some(gpio) = self.gpio.as_ref() else {
            return Err(SourceError::Config("no GPIO on this machine".to_owned()));
        };
        let p = gpio
            .get(pin)
            .map_err(|e| SourceError::Config(format!("GPIO pin {pin}: {e}")))?;
        let input = match pull {
            Pull::Up => p.into_input_pullup(),
            Pull::Down => p.into_input_pulldown(),
            Pull::Off => p.into_input(),
        };
        Ok(Box::new(RppalPin(input)))
    }
}

/// Pins whose levels a test sets: every pin reads as its pull until set.
#[derive(Debug, Clone, Default)]
pub struct FakeBank {
    levels: Arc<Mutex<HashMap<u8, bool>>>,
}

impl FakeBank {
    /// A fake bank with no levels set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the level of `pin`.
    pub fn set(&self, pin: u8, high: bool) {
        if let Ok(mut l) = self.levels.lock() {
            l.insert(pin, high);
        }
    }
}

struct FakePin {
    pin: u8,
    idle: bool,
    levels: Arc<Mutex<HashMap<u8, bool>>>,
}

impl InputPin for FakePin {
    fn is_high(&mut self) -> bool {
        self.levels
            .lock()
            .ok()
            .and_then(|l| l.get(&self.pin).copied())
            .unwrap_or(self.idle)
    }
}

impl PinBank for FakeBank {
    fn input(&mut self, pin: u8, pull: Pull) -> Result<Box<dyn InputPin>, SourceError> {
        Ok(Box::new(FakePin {
            pin,
            idle: pull != Pull::Down,
            levels: self.levels.clone(),
        }))
    }
}
