//! The one control command set, as JSON objects with a `cmd` field, and the reply to each.
//!
//! Every surface (HTTP, MQTT, NATS, GPIO) hands the engine the same [`Command`]s:
//!
//! ```
//! use tinydisplay::control::Command;
//!
//! let cmd = Command::parse(br#"{"cmd": "step", "n": 5}"#).expect("a valid command");
//! assert_eq!(cmd, Command::Step { n: 5 });
//! assert!(Command::parse(br#"{"cmd": "jump"}"#).is_err());
//! ```

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One thing a user asks a running engine to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// Sets a dataset key: `{"cmd": "set", "key": "mpd.title", "value": "x"}`.
    Set {
        /// The dotted key.
        key: String,
        /// Any JSON value.
        value: Value,
    },
    /// Shows the page of that name: `{"cmd": "page", "name": "clock"}`.
    Page {
        /// The page's `name` in the scene.
        name: String,
    },
    /// Shows the next page of every sequence (`{"cmd": "next"}`).
    #[serde(alias = "next_page")]
    Next,
    /// Shows the previous page of every sequence (`{"cmd": "previous"}`).
    #[serde(alias = "prev", alias = "previous_page")]
    Previous,
    /// Holds the tick: nothing moves, the frame stays, sources' values wait.
    Pause,
    /// Lets the tick run again.
    Resume,
    /// Runs `n` ticks (default 1) while paused: `{"cmd": "step", "n": 5}`.
    Step {
        /// Ticks to run, at least 1.
        #[serde(default = "one")]
        n: u64,
    },
    /// Starts the scene over from tick 0 (widgets respawned, the dataset kept).
    Reset,
    /// Shows the frame of tick `tick` at once, exactly as running to it would (widgets
    /// respawned, motion, sequences and alerts at that tick, the dataset kept, frames
    /// rendered ahead thrown away): `{"cmd": "seek", "tick": 900}`.
    Seek {
        /// The tick to show, 0..=[`MAX_SEEK`].
        tick: u64,
    },
    /// Reads the scene file again; a bad one leaves the running scene as it is.
    Reload,
    /// Sets the panel's contrast (OLED) or brightness (TFT), 0..=255.
    Contrast {
        /// The level, 0..=255.
        value: u8,
    },
    /// Sets the panel's brightness, 0..=255 (the same register as `contrast`).
    Brightness {
        /// The level, 0..=255.
        value: u8,
    },
    /// Puts the panel to sleep (until `wake`, or `sleep_when` turns false).
    Sleep,
    /// Wakes the panel.
    Wake,
    /// Shows the page of that name for `seconds` (default 10), above the rotation and
    /// every alert, then the display goes back to what it showed:
    /// `{"cmd": "alert", "page": "doorbell", "seconds": 10}`.
    Alert {
        /// The page's `name` in the scene.
        page: String,
        /// Seconds it is shown, 1..=86400.
        #[serde(default = "ten")]
        seconds: u32,
    },
    /// Checks the scene given as RON text and swaps it in like a hot reload; a bad one
    /// changes nothing and is answered with its problems. The running scene's file is
    /// replaced only when the scene started with `control.allow_write_scene: true`:
    /// `{"cmd": "load", "scene": "Scene(widgets: [])"}`.
    Load {
        /// The whole scene, as the text of a scene file.
        scene: String,
    },
}

fn ten() -> u32 {
    10
}

/// The longest an `alert` may be shown, in seconds (a day).
pub const MAX_ALERT_SECONDS: u32 = 86_400;

fn one() -> u64 {
    1
}

/// Bytes of a command shown in its audit line at most.
pub const SUMMARY_BYTES: usize = 200;

/// The most ticks one `step` may ask for (a day at 30 fps).
pub const MAX_STEP: u64 = 30 * 60 * 60 * 24;

/// The furthest tick a `seek` may go to (a year at 240 fps; beyond it a tick's seconds
/// lose precision in the templates' clock).
pub const MAX_SEEK: u64 = 240 * 60 * 60 * 24 * 366;

/// A command that could not be understood; it changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// Not JSON, not an object, an unknown `cmd`, a missing or mistyped field.
    #[error("bad command: {0}")]
    Malformed(String),
    /// Well-formed but out of range.
    #[error("bad command: {0}")]
    Invalid(String),
}

impl Command {
    /// Parses one command from JSON text.
    pub fn parse(json: &[u8]) -> Result<Command, CommandError> {
        let value: Value =
            serde_json::from_slice(json).map_err(|e| CommandError::Malformed(e.to_string()))?;
        Command::from_value(value)
    }

    /// Parses one command from a JSON value.
    pub fn from_value(value: Value) -> Result<Command, CommandError> {
        if !value.is_object() {
            return Err(CommandError::Malformed(
                "a command is a JSON object with a \"cmd\" field, e.g. {\"cmd\": \"pause\"}".into(),
            ));
        }
        if value.get("cmd").is_none_or(|c| !c.is_string()) {
            return Err(CommandError::Malformed(
                "the \"cmd\" field (a string) is missing".into(),
            ));
        }
        let cmd: Command = serde_json::from_value(value.clone())
            .map_err(|e| CommandError::Malformed(e.to_string()))?;
        // serde lets unit variants (`pause`) through with extra fields: every field given
        // must be one the command has.
        let known = cmd.to_value();
        if let (Some(given), Some(known)) = (value.as_object(), known.as_object())
            && let Some(extra) = given.keys().find(|k| !known.contains_key(*k))
        {
            return Err(CommandError::Malformed(format!(
                "unknown field `{extra}` for \"{}\"",
                cmd.name()
            )));
        }
        cmd.check()?;
        Ok(cmd)
    }

    /// Range checks serde cannot express.
    fn check(&self) -> Result<(), CommandError> {
        match self {
            Command::Set { key, .. }
                if key.trim().is_empty() || key.contains(char::is_whitespace) =>
            {
                Err(CommandError::Invalid(format!(
                    "{key:?} is not a key (dotted words, no spaces)"
                )))
            }
            Command::Step { n } if *n == 0 || *n > MAX_STEP => Err(CommandError::Invalid(format!(
                "step n must be 1..={MAX_STEP}, not {n}"
            ))),
            Command::Load { scene } if scene.trim().is_empty() => Err(CommandError::Invalid(
                "load needs the scene's text in \"scene\" (RON, as in a scene file)".into(),
            )),
            Command::Seek { tick } if *tick > MAX_SEEK => Err(CommandError::Invalid(format!(
                "seek tick must be 0..={MAX_SEEK}, not {tick}"
            ))),
            Command::Alert { seconds, .. } if *seconds == 0 || *seconds > MAX_ALERT_SECONDS => {
                Err(CommandError::Invalid(format!(
                    "alert seconds must be 1..={MAX_ALERT_SECONDS}, not {seconds}"
                )))
            }
            _ => Ok(()),
        }
    }

    /// The command's name (its `cmd`).
    pub fn name(&self) -> &'static str {
        match self {
            Command::Set { .. } => "set",
            Command::Page { .. } => "page",
            Command::Next => "next",
            Command::Previous => "previous",
            Command::Pause => "pause",
            Command::Resume => "resume",
            Command::Step { .. } => "step",
            Command::Reset => "reset",
            Command::Seek { .. } => "seek",
            Command::Reload => "reload",
            Command::Contrast { .. } => "contrast",
            Command::Brightness { .. } => "brightness",
            Command::Sleep => "sleep",
            Command::Wake => "wake",
            Command::Alert { .. } => "alert",
            Command::Load { .. } => "load",
        }
    }

    /// The command for a log line: its JSON, a `load`'s scene as its size, cut to
    /// [`SUMMARY_BYTES`].
    pub fn summary(&self) -> String {
        let text = match self {
            Command::Load { scene } => {
                serde_json::json!({"cmd": "load", "scene": format!("({} bytes)", scene.len())})
                    .to_string()
            }
            other => other.to_value().to_string(),
        };
        if text.len() <= SUMMARY_BYTES {
            return text;
        }
        let mut end = SUMMARY_BYTES;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}… ({} bytes)", &text[..end], text.len())
    }

    /// The command as a JSON value (what [`Command::from_value`] reads back).
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// The engine's answer to one command.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// Done.
    Ok,
    /// Not done, and why.
    Error(ReplyError),
}

/// Why the engine did not do a command: the text a reply's `error` shows (it reads as a
/// `str`: `e.contains("…")`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ReplyError(String);

impl ReplyError {
    /// The message.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for ReplyError {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<String> for ReplyError {
    fn from(message: String) -> ReplyError {
        ReplyError(message)
    }
}

impl From<&str> for ReplyError {
    fn from(message: &str) -> ReplyError {
        ReplyError(message.to_owned())
    }
}

impl From<ReplyError> for String {
    fn from(e: ReplyError) -> String {
        e.0
    }
}

impl Reply {
    /// [`Reply::Error`] with this message.
    pub fn error(message: impl Into<ReplyError>) -> Reply {
        Reply::Error(message.into())
    }

    /// True for [`Reply::Ok`].
    pub fn is_ok(&self) -> bool {
        matches!(self, Reply::Ok)
    }

    /// `{"ok": true}` or `{"ok": false, "error": "…"}`.
    pub fn to_json(&self) -> Value {
        match self {
            Reply::Ok => serde_json::json!({"ok": true}),
            Reply::Error(e) => serde_json::json!({"ok": false, "error": e.as_str()}),
        }
    }
}

impl From<CommandError> for Reply {
    fn from(e: CommandError) -> Reply {
        Reply::Error(e.to_string().into())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_documented_command_parses() {
        let cases = [
            (json!({"cmd": "pause"}), Command::Pause),
            (json!({"cmd": "resume"}), Command::Resume),
            (json!({"cmd": "step", "n": 5}), Command::Step { n: 5 }),
            (json!({"cmd": "step"}), Command::Step { n: 1 }),
            (
                json!({"cmd": "set", "key": "mpd.title", "value": "x"}),
                Command::Set {
                    key: "mpd.title".into(),
                    value: json!("x"),
                },
            ),
            (
                json!({"cmd": "page", "name": "clock"}),
                Command::Page {
                    name: "clock".into(),
                },
            ),
            (json!({"cmd": "next"}), Command::Next),
            (json!({"cmd": "next_page"}), Command::Next),
            (json!({"cmd": "previous"}), Command::Previous),
            (json!({"cmd": "prev"}), Command::Previous),
            (json!({"cmd": "reset"}), Command::Reset),
            (
                json!({"cmd": "seek", "tick": 90}),
                Command::Seek { tick: 90 },
            ),
            (json!({"cmd": "reload"}), Command::Reload),
            (
                json!({"cmd": "contrast", "value": 40}),
                Command::Contrast { value: 40 },
            ),
            (
                json!({"cmd": "brightness", "value": 255}),
                Command::Brightness { value: 255 },
            ),
            (json!({"cmd": "sleep"}), Command::Sleep),
            (json!({"cmd": "wake"}), Command::Wake),
            (
                json!({"cmd": "alert", "page": "door", "seconds": 5}),
                Command::Alert {
                    page: "door".into(),
                    seconds: 5,
                },
            ),
            (
                json!({"cmd": "alert", "page": "door"}),
                Command::Alert {
                    page: "door".into(),
                    seconds: 10,
                },
            ),
            (
                json!({"cmd": "load", "scene": "Scene(widgets: [])"}),
                Command::Load {
                    scene: "Scene(widgets: [])".into(),
                },
            ),
        ];
        for (v, want) in cases {
            let got = Command::from_value(v.clone()).unwrap_or_else(|e| panic!("{v}: {e}"));
            assert_eq!(got, want, "{v}");
            assert_eq!(Command::from_value(got.to_value()), Ok(want), "round trip");
        }
    }

    #[test]
    fn malformed_commands_are_typed_errors_with_a_reason() {
        let bad: [&[u8]; 12] = [
            br#"{"cmd": "load"}"#,
            br#"{"cmd": "load", "scene": "  "}"#,
            b"not json",
            b"[1, 2]",
            br#"{"n": 5}"#,
            br#"{"cmd": 3}"#,
            br#"{"cmd": "jump"}"#,
            br#"{"cmd": "set", "value": 1}"#,
            br#"{"cmd": "contrast", "value": 300}"#,
            br#"{"cmd": "step", "n": -1}"#,
            br#"{"cmd": "pause", "extra": 1}"#,
            br#"{"cmd": "set", "key": "a b", "value": 1}"#,
        ];
        for b in bad {
            let e = Command::parse(b).expect_err(&String::from_utf8_lossy(b));
            assert!(e.to_string().starts_with("bad command: "), "{e}");
        }
        assert!(matches!(
            Command::parse(br#"{"cmd": "step", "n": 0}"#),
            Err(CommandError::Invalid(_))
        ));
        for seconds in [0, MAX_ALERT_SECONDS + 1] {
            let cmd = format!(r#"{{"cmd": "alert", "page": "p", "seconds": {seconds}}}"#);
            assert!(matches!(
                Command::parse(cmd.as_bytes()),
                Err(CommandError::Invalid(_))
            ));
        }
        assert!(
            Command::parse(br#"{"cmd": "alert"}"#).is_err(),
            "page missing"
        );
        let unknown = Command::parse(br#"{"cmd": "jump"}"#)
            .unwrap_err()
            .to_string();
        assert!(unknown.contains("jump"), "{unknown}");
    }

    #[test]
    fn summaries_are_short() {
        let load = Command::Load {
            scene: "x".repeat(10_000),
        };
        assert_eq!(load.summary(), r#"{"cmd":"load","scene":"(10000 bytes)"}"#);
        let set = Command::Set {
            key: "k".into(),
            value: json!("é".repeat(500)),
        };
        let s = set.summary();
        assert!(s.len() < SUMMARY_BYTES + 30 && s.ends_with("bytes)"), "{s}");
        assert_eq!(Command::Pause.summary(), r#"{"cmd":"pause"}"#);
    }

    #[test]
    fn replies_are_json_objects() {
        assert_eq!(Reply::Ok.to_json(), json!({"ok": true}));
        assert_eq!(
            Reply::Error("no page named x".into()).to_json(),
            json!({"ok": false, "error": "no page named x"})
        );
    }
}
