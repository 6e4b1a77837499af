//! What a scene asks of the machine: the panel's model and bus, and every GPIO pin it
//! uses (the panel's DC, RESET and backlight, the buttons and encoders of GPIO sources).

use tinydisplay::panel::{BusSpec, Model};
use tinydisplay::scene::CompiledScene;
#[cfg(feature = "gpio")]
use tinydisplay::source::kinds::gpio::GpioKind;

/// One use of a GPIO pin, named by where the scene sets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinUse {
    /// BCM number.
    pub pin: u8,
    /// The scene field that names it (`display.bus.dc`, `sources.input.buttons.ok.pin`).
    pub what: String,
}

/// What the scene needs from the machine.
#[derive(Debug, Clone)]
pub struct Target {
    /// The panel's model, when the scene names a driver.
    pub model: Option<Model>,
    /// The panel's bus, when the scene gives one.
    pub bus: Option<BusSpec>,
    /// Every GPIO pin the scene uses, in scene order.
    pub pins: Vec<PinUse>,
}

impl Target {
    /// What `scene` needs.
    pub fn of(scene: &CompiledScene) -> Target {
        let panel = scene.display.panel.as_ref();
        let bus = panel.and_then(|p| p.bus.clone());
        let mut pins = Vec::new();
        let mut add = |pin: u8, what: String| pins.push(PinUse { pin, what });
        if let Some(BusSpec::Spi(s)) = &bus {
            add(s.dc, "display.bus.dc".into());
            if let Some(p) = s.reset {
                add(p, "display.bus.reset".into());
            }
            if let Some(p) = s.backlight {
                add(p, "display.bus.backlight".into());
            }
            if let Some(p) = s.busy {
                add(p, "display.bus.busy".into());
            }
        }
        if let Some(BusSpec::Gpio4(g)) = &bus {
            for (pin, name) in [
                (g.rs, "rs"),
                (g.en, "en"),
                (g.d4, "d4"),
                (g.d5, "d5"),
                (g.d6, "d6"),
                (g.d7, "d7"),
            ] {
                add(pin, format!("display.bus.{name}"));
            }
            if let Some(p) = g.backlight {
                add(p, "display.bus.backlight".into());
            }
        }
        // A build without the `gpio` feature has no GPIO source to take pins.
        #[cfg(feature = "gpio")]
        for (name, spec) in &scene.sources {
            let Some(gpio) = spec.source.downcast::<GpioKind>() else {
                continue;
            };
            for (button, b) in &gpio.buttons {
                add(b.pin, format!("sources.{name}.buttons.{button}.pin"));
            }
            for (encoder, e) in &gpio.encoders {
                add(e.a, format!("sources.{name}.encoders.{encoder}.a"));
                add(e.b, format!("sources.{name}.encoders.{encoder}.b"));
            }
        }
        Target {
            model: panel.map(|p| p.model),
            bus,
            pins,
        }
    }

    /// The SPI bus and chip select the panel uses, if it is on SPI.
    pub fn spi(&self) -> Option<(u8, u8)> {
        match &self.bus {
            Some(BusSpec::Spi(s)) => Some((s.bus, s.cs)),
            _ => None,
        }
    }

    /// The I2C bus the panel uses, if it is on I2C.
    pub fn i2c(&self) -> Option<u8> {
        match &self.bus {
            Some(BusSpec::I2c(s)) => Some(s.bus),
            _ => None,
        }
    }
}
