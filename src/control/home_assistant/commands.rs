//! What a message from Home Assistant on one of the display's command topics asks for,
//! as a command of the one control command set.

use serde::Deserialize;

use crate::control::Command;

/// What an entity's command topic steers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The `select` of the page shown: the payload is a page name.
    Page,
    /// The `number` for contrast: the payload is 0..=255.
    Contrast,
    /// The `switch` for the panel: `ON` wakes it, `OFF` puts it to sleep.
    Panel,
    /// The `button` for the next page.
    Next,
    /// The `button` for the previous page.
    Previous,
    /// The `button` that reloads the scene.
    Reload,
    /// A `text` entity: the payload is the key's new value.
    Text(String),
    /// The alert topic: `{"page": "doorbell", "seconds": 10}`.
    Alert,
}

/// A command HA's payload could not be made into; it changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad command: {0}")]
pub struct PayloadError(String);

/// The alert topic's payload.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertPayload {
    page: String,
    #[serde(default)]
    seconds: Option<u32>,
}

/// The command `payload` on `target`'s topic stands for.
pub fn command(target: &Target, payload: &[u8]) -> Result<Command, PayloadError> {
    let text = std::str::from_utf8(payload)
        .map_err(|_| PayloadError("the payload is not UTF-8 text".into()))?;
    let cmd = match target {
        Target::Page => Command::Page {
            name: text.trim().to_owned(),
        },
        Target::Contrast => {
            let n: f64 = text
                .trim()
                .parse()
                .map_err(|_| PayloadError(format!("contrast {text:?} is not a number 0..=255")))?;
            if !(0.0..=255.0).contains(&n) {
                return Err(PayloadError(format!("contrast {n} is not within 0..=255")));
            }
            Command::Contrast {
                value: n.round() as u8,
            }
        }
        Target::Panel => match text.trim() {
            "ON" => Command::Wake,
            "OFF" => Command::Sleep,
            other => {
                return Err(PayloadError(format!(
                    "panel switch {other:?}: send ON or OFF"
                )));
            }
        },
        Target::Next => Command::Next,
        Target::Previous => Command::Previous,
        Target::Reload => Command::Reload,
        Target::Text(key) => Command::Set {
            key: key.clone(),
            value: serde_json::Value::String(text.to_owned()),
        },
        Target::Alert => {
            let a: AlertPayload = serde_json::from_str(text).map_err(|e| {
                PayloadError(format!(
                    "alert: {e}; send {{\"page\": \"NAME\", \"seconds\": 10}}"
                ))
            })?;
            Command::Alert {
                page: a.page,
                seconds: a.seconds.unwrap_or(10),
            }
        }
    };
    Ok(cmd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_become_commands() {
        let ok = |t: Target, p: &str| command(&t, p.as_bytes()).expect(p);
        assert_eq!(
            ok(Target::Page, "clock"),
            Command::Page {
                name: "clock".into()
            }
        );
        assert_eq!(
            ok(Target::Contrast, "40.0"),
            Command::Contrast { value: 40 }
        );
        assert_eq!(ok(Target::Panel, "OFF"), Command::Sleep);
        assert_eq!(ok(Target::Panel, "ON"), Command::Wake);
        assert_eq!(ok(Target::Next, "PRESS"), Command::Next);
        assert_eq!(
            ok(Target::Text("msg.text".into()), "Washing machine done"),
            Command::Set {
                key: "msg.text".into(),
                value: "Washing machine done".into()
            }
        );
        assert_eq!(
            ok(Target::Alert, r#"{"page": "door", "seconds": 3}"#),
            Command::Alert {
                page: "door".into(),
                seconds: 3
            }
        );
        for (t, p) in [
            (Target::Contrast, "bright"),
            (Target::Contrast, "300"),
            (Target::Panel, "maybe"),
            (Target::Alert, "door"),
            (Target::Alert, r#"{"seconds": 3}"#),
        ] {
            let e = command(&t, p.as_bytes()).expect_err(p);
            assert!(e.to_string().starts_with("bad command: "), "{e}");
        }
    }
}
