//! The GPIO source: buttons (debounced press, long press, release) and quadrature rotary
//! encoders on the Raspberry Pi's pins (rppal), landing as dataset keys.
//!
//! The pins are sampled every `sample_ms` on the source's own thread and fed to pure state
//! machines ([`button::Debouncer`], [`encoder::Quadrature`]), so tests drive the same code
//! with a [`pin::FakeBank`]. On a machine without GPIO the source fails with a clear error
//! in `_source.<name>.last_error` (retried with backoff) and the rest of the scene runs.

pub mod button;
pub mod encoder;
pub mod pin;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::source::{SourceError, StreamSource, Value, join_key};
use button::{ButtonEvent, Debouncer};
use encoder::Quadrature;
use pin::{InputPin, PinBank, Pull, RppalBank};

/// One button: `"select": (pin: 17)`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ButtonConfig {
    /// BCM pin number.
    pub pin: u8,
    /// Internal resistor (default `Up`).
    #[serde(default)]
    pub pull: Pull,
    /// Pressed reads low (default true: a button to ground with a pull-up).
    #[serde(default = "yes")]
    pub active_low: bool,
    /// How long a level must hold to count, in ms (default 20).
    #[serde(default = "default_debounce")]
    pub debounce_ms: u64,
    /// A press held this long is a long press, in ms (default 800; 0 disables).
    #[serde(default = "default_long_press")]
    pub long_press_ms: u64,
}

/// One rotary encoder: `"volume": (a: 5, b: 6)`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EncoderConfig {
    /// BCM pin of channel A.
    pub a: u8,
    /// BCM pin of channel B.
    pub b: u8,
    /// Internal resistors (default `Up`).
    #[serde(default)]
    pub pull: Pull,
    /// Channels read low when active (default true).
    #[serde(default = "yes")]
    pub active_low: bool,
    /// Quadrature steps per click (default 4, the common detented encoder).
    #[serde(default = "default_steps")]
    pub steps_per_detent: u8,
}

/// Settings of a GPIO source.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GpioConfig {
    /// Buttons by name.
    #[serde(default)]
    pub buttons: BTreeMap<String, ButtonConfig>,
    /// Rotary encoders by name.
    #[serde(default)]
    pub encoders: BTreeMap<String, EncoderConfig>,
    /// Key prefix (default `gpio`).
    #[serde(default = "default_namespace")]
    pub namespace: String,
    /// Time between two samples of the pins, in ms (default 2).
    #[serde(default = "default_sample")]
    pub sample_ms: u64,
}

fn yes() -> bool {
    true
}
fn default_debounce() -> u64 {
    20
}
fn default_long_press() -> u64 {
    800
}
fn default_steps() -> u8 {
    4
}
fn default_namespace() -> String {
    "gpio".to_owned()
}
fn default_sample() -> u64 {
    2
}

struct Button {
    name: String,
    pin: Box<dyn InputPin>,
    active_low: bool,
    state: Debouncer,
    presses: u64,
    long_presses: u64,
}

struct Encoder {
    name: String,
    a: Box<dyn InputPin>,
    b: Box<dyn InputPin>,
    active_low: bool,
    state: Quadrature,
    position: i64,
    clockwise: u64,
    counter_clockwise: u64,
}

/// Samples buttons and encoders and emits their keys.
pub struct GpioSource {
    config: GpioConfig,
    bank: Box<dyn PinBank>,
}

impl std::fmt::Debug for GpioSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GpioSource")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl GpioSource {
    /// A GPIO source on the Pi's pins.
    pub fn new(config: GpioConfig) -> Result<Self, SourceError> {
        Self::with_bank(config, Box::new(RppalBank::default()))
    }

    /// A GPIO source on the given pins (a fake bank in tests).
    pub fn with_bank(config: GpioConfig, bank: Box<dyn PinBank>) -> Result<Self, SourceError> {
        if config.buttons.is_empty() && config.encoders.is_empty() {
            return Err(SourceError::Config(
                "GPIO: no buttons and no encoders".to_owned(),
            ));
        }
        Ok(Self { config, bank })
    }

    fn open(&mut self) -> Result<(Vec<Button>, Vec<Encoder>), SourceError> {
        let mut buttons = Vec::new();
        for (name, b) in &self.config.buttons {
            buttons.push(Button {
                name: name.clone(),
                pin: self.bank.input(b.pin, b.pull)?,
                active_low: b.active_low,
                state: Debouncer::new(b.debounce_ms, b.long_press_ms),
                presses: 0,
                long_presses: 0,
            });
        }
        let mut encoders = Vec::new();
        for (name, e) in &self.config.encoders {
            encoders.push(Encoder {
                name: name.clone(),
                a: self.bank.input(e.a, e.pull)?,
                b: self.bank.input(e.b, e.pull)?,
                active_low: e.active_low,
                state: Quadrature::new(e.steps_per_detent),
                position: 0,
                clockwise: 0,
                counter_clockwise: 0,
            });
        }
        Ok((buttons, encoders))
    }
}

impl StreamSource for GpioSource {
    fn run(
        &mut self,
        emit: &mut dyn FnMut(String, Value),
        stop: &crate::source::Stop,
    ) -> Result<(), SourceError> {
        let (mut buttons, mut encoders) = self.open()?;
        let ns = self.config.namespace.clone();
        let key = |thing: &str, what: &str| join_key(&ns, &format!("{thing}.{what}"));
        for b in &buttons {
            emit(key(&b.name, "pressed"), Value::Bool(false));
            emit(key(&b.name, "presses"), Value::from(0));
            emit(key(&b.name, "long_presses"), Value::from(0));
            emit(key(&b.name, "event"), Value::from(""));
        }
        for e in &encoders {
            emit(key(&e.name, "position"), Value::from(0));
            emit(key(&e.name, "delta"), Value::from(0));
            emit(key(&e.name, "clockwise"), Value::from(0));
            emit(key(&e.name, "counter_clockwise"), Value::from(0));
        }
        let start = Instant::now();
        let period = Duration::from_millis(self.config.sample_ms.max(1));
        while !stop.is_stopped() {
            let now = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
            for b in &mut buttons {
                let active = b.pin.is_high() != b.active_low;
                let Some(event) = b.state.sample(active, now) else {
                    continue;
                };
                let name = match event {
                    ButtonEvent::Press => {
                        b.presses += 1;
                        emit(key(&b.name, "pressed"), Value::Bool(true));
                        emit(key(&b.name, "presses"), Value::from(b.presses));
                        "press"
                    }
                    ButtonEvent::LongPress => {
                        b.long_presses += 1;
                        emit(key(&b.name, "long_presses"), Value::from(b.long_presses));
                        "long_press"
                    }
                    ButtonEvent::Release { .. } => {
                        emit(key(&b.name, "pressed"), Value::Bool(false));
                        "release"
                    }
                };
                emit(key(&b.name, "event"), Value::from(name));
            }
            for e in &mut encoders {
                let a = e.a.is_high() != e.active_low;
                let b = e.b.is_high() != e.active_low;
                let click = e.state.sample(a, b);
                if click != 0 {
                    e.position += i64::from(click);
                    emit(key(&e.name, "position"), Value::from(e.position));
                    emit(key(&e.name, "delta"), Value::from(click));
                    if click > 0 {
                        e.clockwise += 1;
                        emit(key(&e.name, "clockwise"), Value::from(e.clockwise));
                    } else {
                        e.counter_clockwise += 1;
                        emit(
                            key(&e.name, "counter_clockwise"),
                            Value::from(e.counter_clockwise),
                        );
                    }
                }
            }
            std::thread::sleep(period);
        }
        Ok(())
    }
}

/// The `Gpio` source kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct GpioKind;

impl crate::source::kind::SourceKind for GpioKind {
    const NAME: &'static str = "Gpio";
    type Config = GpioConfig;

    fn start(
        c: &GpioConfig,
        name: &str,
        policy: crate::source::Policy,
        tx: std::sync::mpsc::Sender<crate::source::Message>,
    ) -> Result<crate::source::SourceHandle, crate::source::SourceError> {
        let source = GpioSource::new(c.clone())?;
        Ok(crate::source::spawn_stream(
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
    fn config_reads_from_ron_with_defaults() {
        let c: GpioConfig = ron::from_str(
            r#"(buttons: {"select": (pin: 17)}, encoders: {"knob": (a: 5, b: 6, steps_per_detent: 2)})"#,
        )
        .expect("valid RON");
        let b = &c.buttons["select"];
        assert_eq!(
            (b.pull, b.active_low, b.debounce_ms, b.long_press_ms),
            (Pull::Up, true, 20, 800)
        );
        assert_eq!(c.encoders["knob"].steps_per_detent, 2);
        assert_eq!((c.namespace.as_str(), c.sample_ms), ("gpio", 2));
    }

    /// Waits (hang guard only) until `key` has `want`, collecting what arrives.
    fn wait_for(
        rx: &std::sync::mpsc::Receiver<crate::source::Message>,
        seen: &mut BTreeMap<String, Value>,
        key: &str,
        want: &Value,
    ) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if seen.get(key) == Some(want) {
                return true;
            }
            if let Ok(crate::source::Message::Set { key, value }) =
                rx.recv_timeout(Duration::from_millis(20))
            {
                seen.insert(key, value);
            }
        }
        seen.get(key) == Some(want)
    }

    #[test]
    fn fake_pins_drive_button_and_encoder_keys() {
        use serde_json::json;
        let c: GpioConfig = ron::from_str(
            r#"(buttons: {"ok": (pin: 17, debounce_ms: 5, long_press_ms: 200)},
                encoders: {"knob": (a: 5, b: 6)}, sample_ms: 1)"#,
        )
        .expect("valid");
        let bank = pin::FakeBank::new();
        let src = GpioSource::with_bank(c, Box::new(bank.clone())).expect("configured");
        let (tx, rx) = std::sync::mpsc::channel();
        let handle = crate::source::spawn_stream("in", Box::new(src), Default::default(), tx);
        let mut seen = BTreeMap::new();
        assert!(wait_for(&rx, &mut seen, "gpio.ok.presses", &json!(0)));
        // Active low: pulling the pin to ground presses the button.
        bank.set(17, false);
        assert!(wait_for(&rx, &mut seen, "gpio.ok.presses", &json!(1)));
        assert_eq!(seen["gpio.ok.pressed"], json!(true));
        assert!(wait_for(&rx, &mut seen, "gpio.ok.long_presses", &json!(1)));
        bank.set(17, true);
        assert!(wait_for(&rx, &mut seen, "gpio.ok.event", &json!("release")));
        assert_eq!(seen["gpio.ok.pressed"], json!(false));
        // Two clockwise clicks: each is four Gray-code steps (levels inverted, active low).
        for _ in 0..2 {
            for (a, b) in [(true, false), (true, true), (false, true), (false, false)] {
                bank.set(5, !a);
                bank.set(6, !b);
                std::thread::sleep(Duration::from_millis(15));
            }
        }
        // The click's keys arrive in order: position, delta, then the direction's count.
        assert!(wait_for(&rx, &mut seen, "gpio.knob.clockwise", &json!(2)));
        assert_eq!(seen["gpio.knob.position"], json!(2));
        assert_eq!(seen["gpio.knob.delta"], json!(1));
        handle.stop();
    }

    #[test]
    fn without_gpio_the_error_says_so() {
        let c: GpioConfig = ron::from_str(r#"(buttons: {"b": (pin: 17)})"#).expect("valid");
        let mut src = GpioSource::new(c).expect("configured");
        if std::path::Path::new("/dev/gpiomem").exists() {
            return; // a real Pi: the pins open.
        }
        let stop = crate::source::Stop::new();
        let err = src.run(&mut |_, _| {}, &stop).map(|_| ()).unwrap_err();
        assert!(err.to_string().contains("no GPIO on this machine"), "{err}");
    }
}
