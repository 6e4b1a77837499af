//! Whether a capture is a given model's: it must start with that model's init sequence,
//! byte for byte (the bytes the init settings change, contrast, inversion and the
//! character ROM, may differ), and go on with at least one data transfer (a frame) where
//! the model's frames carry data.
//! Two models on one controller (an SSD1306 with 64 or 32 rows, an ST7789 beside an
//! ILI9341 on the same DCS commands) decode each other's streams without a problem,
//! so only the init tells them apart.

use crate::panel::bus::Transfer;
use crate::panel::driver::Settings;
use crate::panel::models::Model;
use crate::panel::rom::Rom;
use crate::panel::wire::{Step, Wire};

/// Why a capture is not proven to be the model's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotProven {
    /// No command or data at all.
    #[error("the capture is empty (no command and no data)")]
    Empty,
    /// It does not start with the model's init sequence.
    #[error(
        "it does not start with the {model} init sequence (byte {at} is {found}, the {model} sends {expected})"
    )]
    OtherInit {
        /// The model asked for.
        model: String,
        /// Index of the first byte that differs (commands and data in order, from 0).
        at: usize,
        /// What the capture has there.
        found: String,
        /// What the model sends there.
        expected: String,
    },
    /// The init is there but no frame follows.
    #[error("it holds the init sequence and no frame (no data after it)")]
    NoFrame,
}

/// A byte as sent: (data, not command; the byte).
type Token = (bool, u8);

/// One init sequence with the positions the settings may change.
struct Pattern {
    tokens: Vec<Token>,
    free: Vec<bool>,
}

fn tokens_of_wire(wire: &Wire) -> Vec<Token> {
    let mut out = Vec::new();
    for step in wire.steps() {
        match step {
            Step::Command(r) => out.extend(wire.bytes(r).iter().map(|b| (false, *b))),
            Step::Data(r) => out.extend(wire.bytes(r).iter().map(|b| (true, *b))),
            _ => {}
        }
    }
    out
}

fn tokens_of_capture(transfers: &[Transfer]) -> Vec<Token> {
    let mut out = Vec::new();
    for t in transfers {
        match t {
            Transfer::Command(b) => out.extend(b.iter().map(|b| (false, *b))),
            Transfer::Data(b) => out.extend(b.iter().map(|b| (true, *b))),
            Transfer::Reset => {}
        }
    }
    out
}

fn init_of(model: Model, contrast: u8, invert: bool, rom: Rom) -> Vec<Token> {
    let settings = Settings {
        contrast,
        invert,
        rom,
        ..Settings::default()
    };
    let mut wire = Wire::new();
    model.driver().init(&settings, &mut wire);
    tokens_of_wire(&wire)
}

/// The model's init sequences: per inversion and ROM, with the contrast bytes free.
fn patterns(model: Model) -> Vec<Pattern> {
    let mut out = Vec::new();
    for invert in [false, true] {
        for rom in [Rom::A00, Rom::A02] {
            let low = init_of(model, 0x00, invert, rom);
            let high = init_of(model, 0xFF, invert, rom);
            if low.len() == high.len() {
                let free = low.iter().zip(&high).map(|(a, b)| a != b).collect();
                out.push(Pattern { tokens: low, free });
            } else {
                for tokens in [low, high] {
                    let free = vec![false; tokens.len()];
                    out.push(Pattern { tokens, free });
                }
            }
        }
    }
    out
}

/// Whether a whole frame of `model` (a blank one) carries data bytes: a character LCD
/// whose init cleared it sends nothing for a blank frame.
fn frames_carry_data(model: Model) -> bool {
    let (w, h) = model.native();
    let fb = crate::render::FrameBuffer::new(w, h, model.mode());
    let mut panel =
        crate::panel::Panel::new(model, crate::panel::Rotation::R0, Settings::default());
    let mut wire = Wire::new();
    panel.init(&mut wire);
    wire.clear();
    panel.full(&fb, &mut wire);
    tokens_of_wire(&wire).iter().any(|(data, _)| *data)
}

fn show((data, b): Token) -> String {
    format!("{} {b:#04X}", if data { "data" } else { "command" })
}

/// Ok when `transfers` start with `model`'s init sequence and a frame follows.
pub fn check(model: Model, transfers: &[Transfer]) -> Result<(), NotProven> {
    let got = tokens_of_capture(transfers);
    if got.is_empty() {
        return Err(NotProven::Empty);
    }
    // The pattern that matches longest says best where the capture goes wrong.
    let mut best: Option<(usize, &Pattern)> = None;
    let all = patterns(model);
    for p in &all {
        let matched = p
            .tokens
            .iter()
            .zip(&p.free)
            .zip(&got)
            .take_while(|((want, free), have)| **free || want == have)
            .count();
        if matched == p.tokens.len() {
            return if got[matched..].iter().any(|(data, _)| *data) || !frames_carry_data(model) {
                Ok(())
            } else {
                Err(NotProven::NoFrame)
            };
        }
        if best.is_none_or(|(m, _)| matched > m) {
            best = Some((matched, p));
        }
    }
    let (at, p) = best.map_or((0, None), |(m, p)| (m, Some(p)));
    Err(NotProven::OtherInit {
        model: model.name().to_string(),
        at,
        found: got.get(at).map_or("the end".into(), |t| show(*t)),
        expected: p
            .and_then(|p| p.tokens.get(at))
            .map_or("nothing".into(), |t| show(*t)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::panel::bus::{CaptureBus, parse_capture};
    use crate::panel::{Panel, Rotation};
    use crate::render::FrameBuffer;

    /// What a run of `model` with `settings` captures: the init and one frame.
    fn capture(model: Model, settings: Settings) -> Vec<Transfer> {
        let (w, h) = model.native();
        let fb = FrameBuffer::new(w, h, model.mode());
        let mut panel = Panel::new(model, Rotation::R0, settings);
        let mut wire = Wire::new();
        panel.init(&mut wire);
        panel.full(&fb, &mut wire);
        let mut bus = CaptureBus::new(Vec::new(), "memory".into());
        assert!(wire.send(&mut bus).is_ok());
        let text = String::from_utf8(bus.into_inner()).unwrap_or_default();
        parse_capture(&text).unwrap_or_default()
    }

    #[test]
    fn every_model_proves_its_own_capture_whatever_its_settings() {
        for m in Model::all() {
            for (contrast, invert) in [(0xCF, false), (0x10, true), (0xFF, false)] {
                let s = Settings {
                    contrast,
                    invert,
                    ..Settings::default()
                };
                assert_eq!(check(m, &capture(m, s)), Ok(()), "{}", m.name());
            }
        }
    }

    #[test]
    fn models_on_one_controller_are_told_apart() {
        let pairs = [
            ("ssd1306", "ssd1306-128x32"),
            ("st7789", "ili9341"),
            ("sh1106", "sh1106-128x32"),
        ];
        for (a, b) in pairs {
            let (Some(a), Some(b)) = (Model::named(a), Model::named(b)) else {
                panic!("models {a} and {b}");
            };
            for (x, y) in [(a, b), (b, a)] {
                let got = check(y, &capture(x, Settings::default()));
                assert!(
                    matches!(got, Err(NotProven::OtherInit { .. })),
                    "{} decoded as {}: {got:?}",
                    x.name(),
                    y.name()
                );
            }
        }
    }

    #[test]
    fn an_empty_capture_or_one_without_a_frame_proves_nothing() {
        let m = Model::named("ssd1306").unwrap_or_else(|| panic!("ssd1306"));
        assert_eq!(check(m, &[]), Err(NotProven::Empty));
        assert_eq!(check(m, &[Transfer::Reset]), Err(NotProven::Empty));
        let mut wire = Wire::new();
        m.driver().init(&Settings::default(), &mut wire);
        let init: Vec<Transfer> = tokens_of_wire(&wire)
            .into_iter()
            .map(|(data, b)| {
                if data {
                    Transfer::Data(vec![b])
                } else {
                    Transfer::Command(vec![b])
                }
            })
            .collect();
        assert_eq!(check(m, &init), Err(NotProven::NoFrame));
    }
}
