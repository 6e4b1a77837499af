//! From a broker message to dataset keys, shared by the MQTT and NATS sources: topic
//! filters with wildcards, key templates built from topic levels, and payload decoding
//! (JSON with an optional pointer, a number, or raw text).
//!
//! A topic is split into levels (`/` for MQTT, `.` for NATS). A filter's single-level
//! wildcard (`+` / `*`) matches one level, its multi-level wildcard (`#` / `>`) the rest.
//! A key template names levels as `{1}`, `{2}` … (1-based), `{topic}` (all levels joined
//! with dots) and `{rest}` (the levels the multi-level wildcard matched, joined with dots).

use serde::Deserialize;

use crate::source::{SourceError, Value, flatten, join_key};

/// How a message's payload becomes a value.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub enum Payload {
    /// JSON if it parses, else a number if it parses, else the trimmed text.
    #[default]
    Auto,
    /// The trimmed text, always a string.
    Text,
    /// A number (`21.5`); anything else is an error for that message.
    Number,
    /// A JSON document (the subscription's `pointer`, e.g. `/temperature`, selects a part
    /// of it); an object or array is flattened under the key (`key.a`, `key.0`).
    Json,
}

/// One subscription: which topics, which key, how the payload is read.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Subscription {
    /// The topic filter, with wildcards (`home/+/temperature`, `zigbee2mqtt/#`).
    pub topic: String,
    /// The key template under the namespace (default `{topic}`).
    #[serde(default = "default_key")]
    pub key: String,
    /// How the payload is read (default `Auto`).
    #[serde(default)]
    pub payload: Payload,
    /// A JSON pointer selecting part of a JSON payload (`/temperature`).
    #[serde(default)]
    pub pointer: Option<String>,
}

fn default_key() -> String {
    "{topic}".to_owned()
}

impl Subscription {
    /// A subscription to `topic` with the default key and payload.
    pub fn new(topic: &str) -> Self {
        Self {
            topic: topic.to_owned(),
            key: default_key(),
            payload: Payload::Auto,
            pointer: None,
        }
    }
}

/// The wildcard spelling of a broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Syntax {
    /// Level separator.
    pub separator: char,
    /// Matches exactly one level.
    pub one: &'static str,
    /// Matches the remaining levels (only as the last level).
    pub rest: &'static str,
}

/// MQTT topics: `a/+/c`, `a/#`.
pub const MQTT: Syntax = Syntax {
    separator: '/',
    one: "+",
    rest: "#",
};

/// NATS subjects: `a.*.c`, `a.>`.
pub const NATS: Syntax = Syntax {
    separator: '.',
    one: "*",
    rest: ">",
};

/// The levels of `topic` matched against `filter`: `None` if it does not match, else the
/// levels matched by the multi-level wildcard (empty when there is none).
pub fn matches<'t>(syntax: Syntax, filter: &str, topic: &'t str) -> Option<Vec<&'t str>> {
    let mut levels = topic.split(syntax.separator);
    for part in filter.split(syntax.separator) {
        if part == syntax.rest {
            return Some(levels.collect());
        }
        let level = levels.next()?;
        if part != syntax.one && part != level {
            return None;
        }
    }
    levels.next().is_none().then(Vec::new)
}

/// Checks a filter: wildcards stand alone in their level, the multi-level one only last.
pub fn check_filter(syntax: Syntax, filter: &str) -> Result<(), SourceError> {
    if filter.is_empty() {
        return Err(SourceError::Config("an empty topic filter".to_owned()));
    }
    let parts: Vec<&str> = filter.split(syntax.separator).collect();
    for (i, part) in parts.iter().enumerate() {
        let wild = part.contains(syntax.one) || part.contains(syntax.rest);
        let alone = *part == syntax.one || *part == syntax.rest;
        if wild && !alone {
            return Err(SourceError::Config(format!(
                "topic filter {filter:?}: a wildcard must be a whole level"
            )));
        }
        if *part == syntax.rest && i + 1 != parts.len() {
            return Err(SourceError::Config(format!(
                "topic filter {filter:?}: {:?} must be the last level",
                syntax.rest
            )));
        }
    }
    Ok(())
}

/// Checks a key template: braces close and name `topic`, `rest` or a level number ≥ 1.
pub fn check_template(template: &str) -> Result<(), SourceError> {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(SourceError::Config(format!(
                "key template {template:?}: a '{{' is not closed"
            )));
        };
        let name = &after[..close];
        let known = name == "topic" || name == "rest" || name.parse::<usize>().is_ok_and(|n| n > 0);
        if !known {
            return Err(SourceError::Config(format!(
                "key template {template:?}: unknown placeholder {{{name}}} (use {{1}}, {{2}} …, {{topic}} or {{rest}})"
            )));
        }
        rest = &after[close + 1..];
    }
    Ok(())
}

/// The key for `topic` from `template` (`rest` = levels under the multi-level wildcard);
/// a level number past the end renders empty.
pub fn render_key(syntax: Syntax, template: &str, topic: &str, rest: &[&str]) -> String {
    let levels: Vec<&str> = topic.split(syntax.separator).collect();
    let mut out = String::with_capacity(template.len() + topic.len());
    let mut tail = template;
    while let Some(open) = tail.find('{') {
        out.push_str(&tail[..open]);
        let after = &tail[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&tail[open..]);
            return out;
        };
        let name = &after[..close];
        match name {
            "topic" => out.push_str(&levels.join(".")),
            "rest" => out.push_str(&rest.join(".")),
            n => {
                if let Some(level) = n
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| i.checked_sub(1))
                    .and_then(|i| levels.get(i))
                {
                    out.push_str(level);
                }
            }
        }
        tail = &after[close + 1..];
    }
    out.push_str(tail);
    out
}

/// The updates for a payload read as `payload` (JSON selected by `pointer`), under `key`.
pub fn decode(
    payload: &Payload,
    pointer: Option<&str>,
    key: &str,
    bytes: &[u8],
) -> Result<Vec<(String, Value)>, SourceError> {
    let text = String::from_utf8_lossy(bytes);
    let value = match payload {
        Payload::Text => Value::from(text.trim()),
        Payload::Number => number(text.trim()).ok_or_else(|| SourceError::Parse {
            what: format!("the payload for {key} as a number"),
            message: format!("{:?} is not a number", super::lines::shorten(text.trim())),
        })?,
        Payload::Auto if pointer.is_none() => serde_json::from_str::<Value>(text.trim())
            .ok()
            .or_else(|| number(text.trim()))
            .unwrap_or_else(|| Value::from(text.trim())),
        Payload::Auto | Payload::Json => {
            let doc: Value = serde_json::from_str(text.trim()).map_err(|e| SourceError::Parse {
                what: format!("the payload for {key} as JSON"),
                message: e.to_string(),
            })?;
            match pointer {
                Some(p) if !p.is_empty() => {
                    doc.pointer(p).cloned().ok_or_else(|| SourceError::Select {
                        pointer: p.to_owned(),
                    })?
                }
                _ => doc,
            }
        }
    };
    Ok(flatten(key, &value))
}

fn number(text: &str) -> Option<Value> {
    if let Ok(i) = text.parse::<i64>() {
        return Some(Value::from(i));
    }
    text.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .and_then(|f| serde_json::Number::from_f64(f).map(Value::Number))
}

/// A set of checked subscriptions that maps incoming messages to updates.
#[derive(Debug, Clone)]
pub struct Router {
    syntax: Syntax,
    namespace: String,
    subscriptions: Vec<Subscription>,
}

impl Router {
    /// Checks every filter and template; the first problem is the error.
    pub fn new(
        syntax: Syntax,
        namespace: &str,
        subscriptions: Vec<Subscription>,
    ) -> Result<Self, SourceError> {
        if subscriptions.is_empty() {
            return Err(SourceError::Config(
                "no subscriptions: add `subscriptions: [(topic: \"…\")]`".to_owned(),
            ));
        }
        for s in &subscriptions {
            check_filter(syntax, &s.topic)?;
            check_template(&s.key)?;
            if let Some(p) = &s.pointer
                && !p.is_empty()
                && !p.starts_with('/')
            {
                return Err(SourceError::Config(format!(
                    "JSON pointer {p:?} must be empty or start with '/'"
                )));
            }
        }
        Ok(Self {
            syntax,
            namespace: namespace.to_owned(),
            subscriptions,
        })
    }

    /// The filters to subscribe to.
    pub fn filters(&self) -> impl Iterator<Item = &Subscription> {
        self.subscriptions.iter()
    }

    /// The updates for one message: every subscription whose filter matches contributes;
    /// a payload one of them cannot read is logged and skipped.
    pub fn route(&self, topic: &str, bytes: &[u8]) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        for s in &self.subscriptions {
            let Some(rest) = matches(self.syntax, &s.topic, topic) else {
                continue;
            };
            let key = join_key(
                &self.namespace,
                &render_key(self.syntax, &s.key, topic, &rest),
            );
            match decode(&s.payload, s.pointer.as_deref(), &key, bytes) {
                Ok(updates) => out.extend(updates),
                Err(e) => log::warn!("topic {topic}: skipping a message: {e}"),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn mqtt_and_nats_wildcards_match() {
        assert_eq!(matches(MQTT, "a/+/c", "a/b/c"), Some(vec![]));
        assert_eq!(matches(MQTT, "a/+/c", "a/b/d"), None);
        assert_eq!(matches(MQTT, "a/+", "a/b/c"), None);
        assert_eq!(matches(MQTT, "a/#", "a/b/c"), Some(vec!["b", "c"]));
        assert_eq!(matches(MQTT, "a/#", "a"), Some(vec![]));
        assert_eq!(matches(MQTT, "#", "x/y"), Some(vec!["x", "y"]));
        assert_eq!(
            matches(NATS, "home.*.temp", "home.kitchen.temp"),
            Some(vec![])
        );
        assert_eq!(
            matches(NATS, "home.>", "home.kitchen.temp"),
            Some(vec!["kitchen", "temp"])
        );
        assert_eq!(matches(NATS, "home.*", "home.kitchen.temp"), None);
    }

    #[test]
    fn filters_and_templates_are_checked() {
        assert!(check_filter(MQTT, "a/#/b").is_err());
        assert!(check_filter(MQTT, "a/b+").is_err());
        assert!(check_filter(MQTT, "").is_err());
        assert!(check_filter(NATS, "a.>").is_ok());
        assert!(check_template("x.{2}.{rest}").is_ok());
        assert!(check_template("x.{0}").is_err());
        assert!(check_template("x.{level}").is_err());
        assert!(check_template("x.{1").is_err());
    }

    #[test]
    fn keys_from_topic_levels() {
        let t = "homeassistant/sensor/kitchen_temp/state";
        assert_eq!(render_key(MQTT, "ha.{3}", t, &[]), "ha.kitchen_temp");
        assert_eq!(
            render_key(MQTT, "{topic}", t, &[]),
            "homeassistant.sensor.kitchen_temp.state"
        );
        assert_eq!(
            render_key(MQTT, "z.{rest}", "z2m/a/b", &["a", "b"]),
            "z.a.b"
        );
        assert_eq!(render_key(MQTT, "x{9}", "a/b", &[]), "x");
    }

    #[test]
    fn payloads_decode() {
        let d = |p: &Payload, ptr: Option<&str>, b: &[u8]| decode(p, ptr, "k", b);
        assert_eq!(
            d(&Payload::Auto, None, b" 21.5 ").unwrap(),
            vec![("k".to_owned(), json!(21.5))]
        );
        assert_eq!(
            d(&Payload::Auto, None, b"on").unwrap(),
            vec![("k".to_owned(), json!("on"))]
        );
        assert_eq!(
            d(&Payload::Text, None, b"42").unwrap(),
            vec![("k".to_owned(), json!("42"))]
        );
        assert!(d(&Payload::Number, None, b"warm").is_err());
        assert_eq!(
            d(&Payload::Json, Some("/t"), br#"{"t": 3, "h": 50}"#).unwrap(),
            vec![("k".to_owned(), json!(3))]
        );
        assert_eq!(
            d(&Payload::Auto, Some("/t"), br#"{"t": 3, "h": 50}"#).unwrap(),
            vec![("k".to_owned(), json!(3))]
        );
        assert_eq!(
            d(&Payload::Json, None, br#"{"t": 3}"#).unwrap(),
            vec![("k.t".to_owned(), json!(3))]
        );
        assert!(d(&Payload::Json, Some("/x"), b"{}").is_err());
    }

    #[test]
    fn router_maps_and_skips_bad_payloads() {
        let router = Router::new(
            MQTT,
            "ha",
            vec![
                Subscription {
                    topic: "home/+/temp".to_owned(),
                    key: "{2}.temp".to_owned(),
                    payload: Payload::Number,
                    pointer: None,
                },
                Subscription::new("home/#"),
            ],
        )
        .unwrap();
        assert_eq!(
            router.route("home/kitchen/temp", b"20"),
            vec![
                ("ha.kitchen.temp".to_owned(), json!(20)),
                ("ha.home.kitchen.temp".to_owned(), json!(20)),
            ]
        );
        assert_eq!(
            router.route("home/kitchen/temp", b"warm"),
            vec![("ha.home.kitchen.temp".to_owned(), json!("warm"))]
        );
        assert!(Router::new(MQTT, "x", vec![]).is_err());
    }
}
