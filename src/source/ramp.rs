//! A ramp as a source declares it: a key that advances with the tick between the source's
//! reports (MPD's `elapsed`), which the data layer computes each tick (`data::ramp`).

use serde_json::Value;

/// One key that advances by one per second of ticks while a condition holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Ramp {
    /// The key written every tick (`mpd.elapsed`).
    pub key: String,
    /// The reported value it starts from (`mpd.elapsed_reported`).
    pub base: String,
    /// Keys whose change restarts the ramp from the base (`mpd.state`, a report counter).
    pub restart: Vec<String>,
    /// The key of the condition (`mpd.state`).
    pub while_key: String,
    /// The value the condition key must have (`"play"`).
    pub while_value: Value,
    /// A key holding the largest value (`mpd.duration`); none or ≤ 0 means no cap.
    pub max: Option<String>,
    /// A key that gets the value as `m:ss` text (`mpd.elapsed_text`).
    pub text: Option<String>,
}

/// `m:ss` (or `h:mm:ss` from an hour on) of a number of seconds; negative counts as 0.
pub fn clock_text(seconds: f64) -> String {
    let total = if seconds.is_finite() && seconds > 0.0 {
        seconds.floor() as u64
    } else {
        0
    };
    let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}
