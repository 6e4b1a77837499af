//! Home Assistant's MQTT discovery documents for one display: the entities a catalogue
//! gives, their config topics and payloads, and the state document their templates read.
//!
//! Every entity of display `<name>` is announced on
//! `<prefix>/<component>/tinydisplay_<name>/<object_id>/config` with
//! `unique_id` `tinydisplay_<name>_<object_id>`, one `device` (identifier
//! `tinydisplay_<name>`), `availability` on the display's `tinydisplay/<name>/state`
//! (its `status`, `offline` by the broker's last will), commands on
//! `tinydisplay/<name>/ha/<object_id>/set` and its state read from
//! `tinydisplay/<name>/ha/state`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::catalogue::Catalogue;
use super::commands::Target;
use crate::control::State;

/// The topics of display `name` that the discovery names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topics {
    /// HA's node id and the device's identifier: `tinydisplay_<name>`.
    pub node: String,
    /// Where the entities' state is published (retained).
    pub state: String,
    /// The display's health topic, whose `status` says online or offline.
    pub availability: String,
    /// Where refused commands are answered.
    pub error: String,
    /// The alert topic (`{"page": …, "seconds": …}`).
    pub alert: String,
    /// The filter of every command topic.
    pub commands: String,
    prefix: String,
}

impl Topics {
    /// The topics of display `name`.
    pub fn new(name: &str) -> Topics {
        let base = format!("tinydisplay/{name}");
        Topics {
            node: format!("tinydisplay_{name}"),
            state: format!("{base}/ha/state"),
            availability: format!("{base}/state"),
            error: format!("{base}/error"),
            alert: format!("{base}/ha/alert"),
            commands: format!("{base}/ha/+/set"),
            prefix: format!("{base}/ha/"),
        }
    }

    /// The command topic of entity `object_id`.
    pub fn command(&self, object_id: &str) -> String {
        format!("{}{object_id}/set", self.prefix)
    }

    /// The entity a command topic belongs to, if it is one.
    pub fn object_of<'a>(&self, topic: &'a str) -> Option<&'a str> {
        topic.strip_prefix(&self.prefix)?.strip_suffix("/set")
    }

    /// The filter of every config this display announced under `prefix`.
    pub fn configs(&self, prefix: &str) -> String {
        format!("{prefix}/+/{}/+/config", self.node)
    }
}

/// One entity the display has in HA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    /// HA's component (`select`, `number`, …).
    pub component: &'static str,
    /// Its id under the node (`page`, `source_weather`).
    pub object_id: String,
    /// Its name in HA.
    pub name: String,
    /// What its command topic steers (None: it only reports).
    pub target: Option<Target>,
    /// Where its state comes from in the state document (for sources and text keys).
    source: Option<String>,
}

/// `text` as an object id: letters, digits, `_` and `-`; anything else becomes `_`.
pub fn object_id(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The entities of a catalogue, in a fixed order, each object id once.
pub fn entities(cat: &Catalogue) -> Vec<Entity> {
    let fixed = |component, id: &str, name: &str, target| Entity {
        component,
        object_id: id.to_owned(),
        name: name.to_owned(),
        target,
        source: None,
    };
    let mut list = vec![
        fixed("select", "page", "Page", Some(Target::Page)),
        fixed("number", "contrast", "Contrast", Some(Target::Contrast)),
        fixed("switch", "panel", "Panel", Some(Target::Panel)),
        fixed("button", "next", "Next page", Some(Target::Next)),
        fixed(
            "button",
            "previous",
            "Previous page",
            Some(Target::Previous),
        ),
        fixed("button", "reload", "Reload scene", Some(Target::Reload)),
        fixed("sensor", "fps", "Frames per second", None),
        fixed("sensor", "late_ticks", "Ticks late", None),
    ];
    let mut taken: BTreeSet<String> = list.iter().map(|e| e.object_id.clone()).collect();
    let mut unique = |base: String| {
        let mut id = base.clone();
        let mut n = 2;
        while !taken.insert(id.clone()) {
            id = format!("{base}_{n}");
            n += 1;
        }
        id
    };
    for s in &cat.sources {
        list.push(Entity {
            component: "binary_sensor",
            object_id: unique(format!("source_{}", object_id(s))),
            name: format!("Source {s}"),
            target: None,
            source: Some(s.clone()),
        });
    }
    for k in &cat.text_keys {
        list.push(Entity {
            component: "text",
            object_id: unique(format!("text_{}", object_id(k))),
            name: k.clone(),
            target: Some(Target::Text(k.clone())),
            source: Some(k.clone()),
        });
    }
    list
}

/// The config topic of `entity` under `prefix`.
pub fn config_topic(prefix: &str, topics: &Topics, entity: &Entity) -> String {
    format!(
        "{prefix}/{}/{}/{}/config",
        entity.component, topics.node, entity.object_id
    )
}

/// `{{ value_json['<id>'] }}`: what a state template reads.
fn template(id: &str) -> String {
    format!("{{{{ value_json['{id}'] }}}}")
}

/// The discovery config of `entity` for display `name`.
pub fn config(name: &str, topics: &Topics, cat: &Catalogue, entity: &Entity) -> Value {
    let id = &entity.object_id;
    let mut c = json!({
        "name": entity.name,
        "unique_id": format!("{}_{id}", topics.node),
        "device": {
            "identifiers": [topics.node],
            "name": name,
            "manufacturer": "tinydisplay",
            "model": cat.model,
            "sw_version": env!("CARGO_PKG_VERSION"),
        },
        "origin": {"name": "tinydisplay", "sw_version": env!("CARGO_PKG_VERSION")},
        "availability": [{
            "topic": topics.availability,
            "value_template": "{{ value_json['status'] }}",
            "payload_available": "online",
            "payload_not_available": "offline",
        }],
        "state_topic": topics.state,
        "value_template": template(id),
    });
    let Some(obj) = c.as_object_mut() else {
        return c;
    };
    let mut put = |k: &str, v: Value| {
        obj.insert(k.to_owned(), v);
    };
    if entity.target.is_some() {
        put("command_topic", json!(topics.command(id)));
    }
    match entity.component {
        "select" => {
            put("options", json!(cat.pages));
            put("icon", json!("mdi:book-open-page-variant"));
        }
        "number" => {
            put("min", json!(0));
            put("max", json!(255));
            put("step", json!(1));
            put("mode", json!("slider"));
            // A level not set yet renders as None: HA's "unknown".
            put("payload_reset", json!("None"));
            put("icon", json!("mdi:brightness-6"));
        }
        "switch" => {
            put("payload_on", json!("ON"));
            put("payload_off", json!("OFF"));
            put("state_on", json!("ON"));
            put("state_off", json!("OFF"));
            put("icon", json!("mdi:monitor"));
        }
        "button" => {
            // A button has no state: the state topic and template go.
            obj.remove("state_topic");
            obj.remove("value_template");
            obj.insert("payload_press".into(), json!("PRESS"));
        }
        "sensor" if id == "fps" => {
            put("unit_of_measurement", json!("fps"));
            put("state_class", json!("measurement"));
            put("suggested_display_precision", json!(1));
            put("entity_category", json!("diagnostic"));
        }
        "sensor" => {
            put("state_class", json!("total_increasing"));
            put("entity_category", json!("diagnostic"));
        }
        "binary_sensor" => {
            put("device_class", json!("connectivity"));
            put("payload_on", json!("ON"));
            put("payload_off", json!("OFF"));
            put("entity_category", json!("diagnostic"));
        }
        "text" => {
            put("mode", json!("text"));
            put("min", json!(0));
            put("max", json!(255));
        }
        _ => {}
    }
    c
}

/// Every config of display `name`: config topic → payload.
pub fn announcements(name: &str, cat: &Catalogue) -> BTreeMap<String, Value> {
    let topics = Topics::new(name);
    entities(cat)
        .iter()
        .map(|e| {
            (
                config_topic(&cat.prefix, &topics, e),
                config(name, &topics, cat, e),
            )
        })
        .collect()
}

/// The state document the entities' templates read: the page shown (of the first
/// sequence showing a named page; null when none is), contrast, panel on/off, fps, ticks late, each
/// source's health and each text key's value. `text` gives a key's value.
pub fn state_document(
    cat: &Catalogue,
    state: &State,
    text: impl Fn(&str) -> Option<Value>,
) -> Value {
    // No named page shown: null, which HA's template renders `None`, its "unknown".
    let page = state.pages.iter().find_map(|p| p.page.clone());
    let on_off = |b: bool| if b { "ON" } else { "OFF" };
    let mut doc = serde_json::Map::new();
    doc.insert("page".into(), json!(page));
    doc.insert("contrast".into(), json!(state.contrast));
    doc.insert("panel".into(), json!(on_off(!state.asleep)));
    doc.insert(
        "fps".into(),
        json!((state.fps_achieved * 10.0).round() / 10.0),
    );
    doc.insert("late_ticks".into(), json!(state.late_ticks));
    for e in entities(cat) {
        let Some(from) = &e.source else { continue };
        let value = match e.component {
            "binary_sensor" => json!(on_off(state.sources.get(from).is_some_and(|s| s.ok))),
            _ => match text(from) {
                Some(Value::String(s)) => json!(s),
                Some(Value::Null) | None => json!(""),
                Some(other) => json!(other.to_string()),
            },
        };
        doc.insert(e.object_id, value);
    }
    Value::Object(doc)
}

/// The state document without what moves all the time (fps, ticks late): when only
/// those changed, the document waits a while before it is sent again.
pub fn steady_part(doc: &Value) -> Value {
    let mut d = doc.clone();
    if let Some(o) = d.as_object_mut() {
        o.remove("fps");
        o.remove("late_ticks");
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> Catalogue {
        Catalogue {
            prefix: "homeassistant".into(),
            pages: vec!["clock".into(), "door".into()],
            sources: vec!["weather".into(), "weather!".into()],
            text_keys: vec!["msg.text".into()],
            model: "128×64".into(),
        }
    }

    #[test]
    fn every_entity_has_a_stable_unique_id_and_the_device() {
        let a = announcements("kitchen", &cat());
        let ids: Vec<&str> = a
            .values()
            .map(|c| c["unique_id"].as_str().expect("a unique id"))
            .collect();
        assert_eq!(ids.len(), 11, "{ids:?}");
        assert!(ids.contains(&"tinydisplay_kitchen_page"));
        assert!(ids.contains(&"tinydisplay_kitchen_source_weather"));
        assert!(ids.contains(&"tinydisplay_kitchen_source_weather_"));
        assert!(ids.contains(&"tinydisplay_kitchen_text_msg_text"));
        assert!(a.contains_key("homeassistant/select/tinydisplay_kitchen/page/config"));
        for c in a.values() {
            assert_eq!(c["device"]["identifiers"][0], "tinydisplay_kitchen");
        }
        assert_eq!(a, announcements("kitchen", &cat()), "the same every time");
    }

    #[test]
    fn the_state_document_has_what_the_templates_read() {
        let mut state = State {
            asleep: true,
            contrast: Some(40),
            ..State::default()
        };
        state.sources.insert(
            "weather".into(),
            crate::control::state::SourceState {
                ok: true,
                ..Default::default()
            },
        );
        let doc = state_document(&cat(), &state, |k| {
            (k == "msg.text").then(|| json!("hello"))
        });
        assert_eq!(doc["page"], Value::Null, "no named page shown: unknown");
        assert_eq!(doc["panel"], "OFF");
        assert_eq!(doc["contrast"], 40);
        assert_eq!(doc["source_weather"], "ON");
        assert_eq!(doc["source_weather_"], "OFF");
        assert_eq!(doc["text_msg_text"], "hello");
        let topics = Topics::new("kitchen");
        assert_eq!(
            topics.object_of(&topics.command("text_msg_text")),
            Some("text_msg_text")
        );
    }
}
