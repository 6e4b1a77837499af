//! The dataset: live values under dotted keys (`mpd.title`, `sys.cpu_temp`), with the
//! tick and time each last changed, its previous value and a bounded history.
//!
//! It is bounded by the scene's [`Limits`]: a value larger than `value_bytes` is refused
//! (the last good one stays), a key's history keeps at most `history_bytes` of past
//! values, a namespace takes at most `namespace_keys` keys and the whole dataset at most
//! `dataset_keys` keys and `dataset_bytes` bytes. A refusal is logged once per key (or
//! namespace) and recorded as `_data.<namespace>.refused` (the reason).

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::SystemTime;

use bevy_ecs::prelude::Resource;
use serde_json::Value;

use super::limits::{Limits, json_bytes};
use super::rules::{Rule, RuleError};

/// History kept per key unless a namespace says otherwise.
pub const DEFAULT_HISTORY: usize = 100;

/// One key's value and what is known about its changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The current value.
    pub value: Value,
    /// The value before the last change.
    pub previous: Option<Value>,
    /// Tick of the last change.
    pub changed_tick: u64,
    /// Wall time of the last change.
    pub changed_at: SystemTime,
    /// Past values with their ticks, oldest first (bounded per namespace).
    pub history: VecDeque<(u64, Value)>,
    /// Bytes of the values in `history` (roughly, as JSON text).
    history_bytes: usize,
    /// Bytes of `value` (roughly, as JSON text), as counted in the dataset's total.
    value_bytes: usize,
    /// The [`Dataset::begin_tick`] count when the key was last put in the changed list.
    listed: u64,
}

/// Values by dotted key; the first segment is the namespace.
#[derive(Resource, Debug, Default)]
pub struct Dataset {
    entries: Map<String, Entry>,
    changed: Changed,
    /// How many ticks began: an entry listed in this one has `listed == ticks`.
    ticks: u64,
    history_len: Map<String, usize>,
    rules: Map<String, Rule>,
    warned: HashSet<String, Hasher>,
    limits: Limits,
    ns_keys: Map<String, usize>,
    clock: (u64, u32),
    /// Bytes held: every key, value and history (see [`Limits::dataset_bytes`]).
    total_bytes: usize,
}

/// Refusal reports remembered at most (which keys were already logged); past it the
/// memory is cleared, so a flood of new keys cannot grow it.
const WARNED_MAX: usize = 4096;

/// Why the dataset refused a value: its key's rule, or one of the scene's limits. The
/// message starts with the key and names the limit to raise.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refused {
    /// The key's rule refused it.
    #[error("{key}: {error}")]
    Rule {
        /// The key.
        key: String,
        /// The rule's reason.
        error: RuleError,
    },
    /// The value is larger than `limits.value_bytes`.
    #[error(
        "{key}: refused a value over the limit of {limit} bytes (limits.value_bytes); keeping the previous value"
    )]
    ValueBytes {
        /// The key.
        key: String,
        /// The limit in bytes.
        limit: usize,
    },
    /// A new key while the dataset has `limits.dataset_keys` keys.
    #[error("{key}: refused a new key, the dataset already has {limit} keys (limits.dataset_keys)")]
    DatasetKeys {
        /// The key.
        key: String,
        /// The limit in keys.
        limit: usize,
    },
    /// A new key that would take the dataset over `limits.dataset_bytes`.
    #[error(
        "{key}: refused a new key, the dataset would hold over {room} bytes (limits.dataset_bytes)"
    )]
    NewKeyBytes {
        /// The key.
        key: String,
        /// The limit in bytes.
        room: usize,
    },
    /// A larger value that would take the dataset over `limits.dataset_bytes`.
    #[error(
        "{key}: refused a larger value, the dataset would hold over {room} bytes (limits.dataset_bytes); keeping the previous value"
    )]
    LargerValueBytes {
        /// The key.
        key: String,
        /// The limit in bytes.
        room: usize,
    },
    /// A new key in a namespace that has `limits.namespace_keys` keys.
    #[error(
        "{key}: refused a new key, namespace {ns:?} already has {limit} keys (limits.namespace_keys)"
    )]
    NamespaceKeys {
        /// The key.
        key: String,
        /// Its namespace.
        ns: String,
        /// The limit in keys.
        limit: usize,
    },
}

/// The keys changed in this tick, in the order they changed.
#[derive(Debug, Default)]
struct Changed {
    keys: Vec<String>,
    /// Strings of past lists, reused for the next ones (no allocation per change).
    spare: Vec<String>,
}

impl Changed {
    /// Appends `key`, in a spare string when there is one.
    fn push(&mut self, key: &str) {
        let mut s = self.spare.pop().unwrap_or_default();
        s.clear();
        s.push_str(key);
        self.keys.push(s);
    }

    /// True when `key` is in the list.
    fn contains(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k == key)
    }

    /// Empties the list, keeping its strings for later.
    fn clear(&mut self) {
        self.spare.append(&mut self.keys);
    }
}

/// The hasher of the dataset's maps: keys are short strings looked up several times per
/// change, where SipHash costs more than the rest of a lookup.
type Hasher = foldhash::fast::RandomState;

/// A map keyed by dataset keys or namespaces.
type Map<K, V> = HashMap<K, V, Hasher>;

/// The namespace of a dotted key (`mpd` of `mpd.title`).
pub fn namespace(key: &str) -> &str {
    key.split('.').next().unwrap_or(key)
}

impl Dataset {
    /// An empty dataset.
    pub fn new() -> Dataset {
        Dataset::default()
    }

    /// Bounds values, histories and namespaces by `limits`.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// The limits the dataset enforces.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Keeps `len` past values per key in namespace `ns` (default [`DEFAULT_HISTORY`]).
    pub fn set_history_len(&mut self, ns: &str, len: usize) {
        self.history_len.insert(ns.to_string(), len);
    }

    /// Declares the rule values of `key` must follow; its default, if any, becomes the value.
    pub fn set_rule(&mut self, key: &str, rule: Rule) {
        let default = rule.default.clone();
        self.rules.insert(key.to_string(), rule);
        if let Some(d) = default
            && !self.entries.contains_key(key)
        {
            self.store(key, d, 0);
        }
    }

    /// The current value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.get(key).map(|e| &e.value)
    }

    /// Everything known about `key`.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries.get(key)
    }

    /// How many keys have a value.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no key has a value.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// All keys, in no particular order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// Keys whose value changed since [`Dataset::begin_tick`].
    pub fn changed(&self) -> &[String] {
        &self.changed.keys
    }

    /// Sets the current tick and the ticks per second (Ingest does, every tick).
    pub fn set_clock(&mut self, tick: u64, fps: u32) {
        self.clock = (tick, fps.max(1));
    }

    /// The current tick and ticks per second, as last set (fps 30 before).
    pub fn clock(&self) -> (u64, u32) {
        (
            self.clock.0,
            if self.clock.1 == 0 { 30 } else { self.clock.1 },
        )
    }

    /// Starts a tick: forgets which keys changed in the last one.
    pub fn begin_tick(&mut self) {
        self.changed.clear();
        self.ticks += 1;
    }

    /// Sets `key` at `tick`, checked against its rule. Returns whether the value changed.
    /// A value that breaks its rule is refused (logged once per key until a good value
    /// arrives) and the old value stays.
    pub fn set(&mut self, key: &str, value: Value, tick: u64) -> bool {
        self.try_set(key, value, tick).unwrap_or(false)
    }

    /// Bytes the dataset holds (keys, values and histories, roughly as JSON text).
    pub fn total_bytes(&self) -> usize {
        self.total_bytes
    }

    /// Like [`Dataset::set`], with the reason when the value was refused (its rule, a
    /// limit): Ok(whether it changed) or Err(why, one line).
    pub fn try_set(&mut self, key: &str, value: Value, tick: u64) -> Result<bool, Refused> {
        let rule = (!self.rules.is_empty())
            .then(|| self.rules.get(key))
            .flatten();
        let checked = match rule {
            None => Ok(value),
            Some(rule) => rule.apply(value),
        };
        let value = match checked {
            Ok(v) => v,
            Err(e) => {
                let why = Refused::Rule {
                    key: key.to_owned(),
                    error: e.clone(),
                };
                self.refuse(key, e);
                return Err(why);
            }
        };
        if let Err(why) = self.within_limits(key, &value) {
            self.refuse_limit(key, &why);
            return Err(why);
        }
        if !self.warned.is_empty() {
            self.warned.remove(key);
        }
        Ok(self.store(key, value, tick))
    }

    /// The size counted for a value (its JSON text, roughly).
    fn size_of(&self, value: &Value) -> usize {
        json_bytes(
            value,
            self.limits.value_bytes.max(self.limits.history_bytes),
        )
    }

    /// Whether `value` may be stored at `key`: its size, and room in its namespace.
    fn within_limits(&self, key: &str, value: &Value) -> Result<(), Refused> {
        let limit = self.limits.value_bytes;
        if json_bytes(value, limit) > limit {
            return Err(Refused::ValueBytes {
                key: key.to_owned(),
                limit,
            });
        }
        let size = self.size_of(value);
        let room = self.limits.dataset_bytes;
        match self.entries.get(key) {
            None if self.entries.len() >= self.limits.dataset_keys => {
                return Err(Refused::DatasetKeys {
                    key: key.to_owned(),
                    limit: self.limits.dataset_keys,
                });
            }
            None if self.total_bytes + key.len() + size > room => {
                return Err(Refused::NewKeyBytes {
                    key: key.to_owned(),
                    room,
                });
            }
            Some(e)
                if size > e.value_bytes
                    && self
                        .total_bytes
                        .saturating_sub(e.value_bytes + e.history_bytes)
                        + size
                        > room =>
            {
                return Err(Refused::LargerValueBytes {
                    key: key.to_owned(),
                    room,
                });
            }
            _ => {}
        }
        let ns = namespace(key);
        if !ns.starts_with('_')
            && self.ns_keys.get(ns).copied().unwrap_or(0) >= self.limits.namespace_keys
            && !self.entries.contains_key(key)
        {
            return Err(Refused::NamespaceKeys {
                key: key.to_owned(),
                ns: ns.to_owned(),
                limit: self.limits.namespace_keys,
            });
        }
        Ok(())
    }

    /// Logs a refusal once per key and records the reason as `_data.<ns>.refused`.
    fn refuse_limit(&mut self, key: &str, refused: &Refused) {
        let ns = namespace(key).to_owned();
        // One report per namespace for new keys, one for the whole dataset when it is
        // full, per key for values.
        let once = match refused {
            Refused::DatasetKeys { .. }
            | Refused::NewKeyBytes { .. }
            | Refused::LargerValueBytes { .. } => "\u{2}dataset".to_owned(),
            Refused::NamespaceKeys { .. } => format!("\u{1}{ns}"),
            Refused::Rule { .. } | Refused::ValueBytes { .. } => key.to_owned(),
        };
        let why = refused.to_string();
        if self.warned.len() >= WARNED_MAX {
            self.warned.clear();
        }
        if self.warned.insert(once) {
            log::warn!("{why}");
            let at = format!("_data.{ns}.refused");
            // The record itself never grows a full dataset.
            let room = self.entries.contains_key(&at)
                || (self.entries.len() < self.limits.dataset_keys
                    && self.total_bytes + at.len() + why.len() + 2 <= self.limits.dataset_bytes);
            if !ns.starts_with('_') && room {
                let tick = self.entries.get(key).map_or(0, |e| e.changed_tick);
                if self.get(&at).and_then(Value::as_str) != Some(why.as_str()) {
                    self.store(&at, Value::String(why), tick);
                }
            }
        }
    }

    /// Removes `key` (an array item that disappeared); returns whether it was there.
    pub fn remove(&mut self, key: &str) -> bool {
        let Some(gone) = self.entries.remove(key) else {
            return false;
        };
        self.total_bytes = self
            .total_bytes
            .saturating_sub(key.len() + gone.value_bytes + gone.history_bytes);
        let ns = namespace(key);
        if let Some(n) = self.ns_keys.get_mut(ns) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.ns_keys.remove(ns);
            }
        }
        if !self.changed.contains(key) {
            self.changed.push(key);
        }
        true
    }

    fn refuse(&mut self, key: &str, e: RuleError) {
        if self.warned.len() >= WARNED_MAX {
            self.warned.clear();
        }
        if self.warned.insert(key.to_string()) {
            log::warn!("{key}: {e}; keeping the previous value");
        }
    }

    /// Stores `value` at `key` (its history, the changed list); false when it holds that value already.
    fn store(&mut self, key: &str, value: Value, tick: u64) -> bool {
        let limit = if self.history_len.is_empty() {
            DEFAULT_HISTORY
        } else {
            *self
                .history_len
                .get(namespace(key))
                .unwrap_or(&DEFAULT_HISTORY)
        };
        let max_bytes = self.limits.history_bytes;
        let value_size = self.size_of(&value);
        let room = self.limits.dataset_bytes;
        match self.entries.get_mut(key) {
            Some(e) if e.value == value => false,
            Some(e) => {
                let now = SystemTime::now();
                let size = json_bytes(&value, max_bytes);
                let before = e.value_bytes + e.history_bytes;
                if e.listed != self.ticks {
                    e.listed = self.ticks;
                    self.changed.push(key);
                }
                let old = std::mem::replace(&mut e.value, value.clone());
                e.previous = Some(old);
                e.changed_tick = tick;
                e.changed_at = now;
                e.history.push_back((tick, value));
                e.history_bytes += size;
                while e.history.len() > limit
                    || (e.history_bytes > max_bytes && !e.history.is_empty())
                {
                    if let Some((_, v)) = e.history.pop_front() {
                        e.history_bytes = e.history_bytes.saturating_sub(json_bytes(&v, max_bytes));
                    }
                }
                e.value_bytes = value_size;
                // A full dataset: this key gives up its oldest past values first.
                let others = self.total_bytes.saturating_sub(before);
                while others + e.value_bytes + e.history_bytes > room && !e.history.is_empty() {
                    if let Some((_, v)) = e.history.pop_front() {
                        e.history_bytes = e.history_bytes.saturating_sub(json_bytes(&v, max_bytes));
                    }
                }
                self.total_bytes = others + e.value_bytes + e.history_bytes;
                true
            }
            None => {
                let now = SystemTime::now();
                let size = json_bytes(&value, max_bytes);
                let mut history = VecDeque::new();
                let mut history_bytes = 0;
                if limit > 0
                    && size <= max_bytes
                    && self.total_bytes + key.len() + value_size + size <= room
                {
                    history.push_back((tick, value.clone()));
                    history_bytes = size;
                }
                self.total_bytes += key.len() + value_size + history_bytes;
                *self.ns_keys.entry(namespace(key).to_string()).or_insert(0) += 1;
                self.entries.insert(
                    key.to_string(),
                    Entry {
                        value,
                        previous: None,
                        changed_tick: tick,
                        changed_at: now,
                        history,
                        history_bytes,
                        value_bytes: value_size,
                        listed: self.ticks,
                    },
                );
                // A new key (or one removed and set again in this tick).
                if !self.changed.contains(key) {
                    self.changed.push(key);
                }
                true
            }
        }
    }

    /// The value at a key or, for a prefix like `mpd`, an object of everything below it.
    pub fn lookup(&self, path: &str) -> Option<Value> {
        if let Some(v) = self.get(path) {
            return Some(v.clone());
        }
        let prefix = format!("{path}.");
        let mut obj = serde_json::Map::new();
        for (k, e) in &self.entries {
            if let Some(rest) = k.strip_prefix(&prefix) {
                insert_path(&mut obj, rest, e.value.clone());
            }
        }
        (!obj.is_empty()).then_some(Value::Object(obj))
    }
}

/// Inserts `value` at a dotted `path` inside `obj`, creating objects on the way.
pub fn insert_path(obj: &mut serde_json::Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            obj.insert(path.to_string(), value);
        }
        Some((head, rest)) => {
            let child = obj
                .entry(head.to_string())
                .or_insert_with(|| Value::Object(Default::default()));
            if !child.is_object() {
                *child = Value::Object(Default::default());
            }
            if let Value::Object(m) = child {
                insert_path(m, rest, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn set_records_previous_tick_and_history() {
        let mut d = Dataset::new();
        d.set_history_len("mpd", 2);
        assert!(d.set("mpd.title", json!("a"), 1));
        assert!(
            !d.set("mpd.title", json!("a"), 2),
            "same value is no change"
        );
        assert!(d.set("mpd.title", json!("b"), 3));
        assert!(d.set("mpd.title", json!("c"), 4));
        let e = d.entry("mpd.title").expect("entry");
        assert_eq!(e.value, json!("c"));
        assert_eq!(e.previous, Some(json!("b")));
        assert_eq!(e.changed_tick, 4);
        assert_eq!(
            e.history,
            VecDeque::from(vec![(3, json!("b")), (4, json!("c"))])
        );
        assert_eq!(d.changed(), &["mpd.title".to_string()]);
        d.begin_tick();
        assert!(d.changed().is_empty());
    }

    #[test]
    fn changed_lists_of_later_ticks_hold_only_their_own_keys() {
        let mut d = Dataset::new();
        for (tick, keys) in [
            (1, vec!["sys.a_rather_long_key", "sys.b", "sys.c"]),
            (2, vec!["sys.d"]),
            (3, vec!["sys.e", "sys.a_rather_long_key", "sys.f", "sys.g"]),
            (4, vec![]),
        ] {
            d.begin_tick();
            for k in &keys {
                assert!(d.set(k, json!(tick), tick));
            }
            assert_eq!(d.changed(), keys.as_slice(), "tick {tick}");
        }
    }

    #[test]
    fn lookup_builds_objects_for_prefixes() {
        let mut d = Dataset::new();
        d.set("w.today.temp", json!(21), 0);
        d.set("w.today.sky", json!("sun"), 0);
        assert_eq!(
            d.lookup("w"),
            Some(json!({"today": {"temp": 21, "sky": "sun"}}))
        );
        assert_eq!(d.lookup("w.today.temp"), Some(json!(21)));
        assert_eq!(d.lookup("nope"), None);
    }

    #[test]
    fn values_histories_and_namespaces_are_bounded() {
        let mut d = Dataset::new();
        d.set_limits(Limits {
            value_bytes: 1000,
            history_bytes: 3000,
            namespace_keys: 3,
            ..Limits::default()
        });
        assert!(d.set("w.text", json!("small"), 1));
        // Over the value limit: refused, the last good value stays, the reason is recorded.
        assert!(!d.set("w.text", json!("x".repeat(5000)), 2));
        assert_eq!(d.get("w.text"), Some(&json!("small")));
        let why = d
            .get("_data.w.refused")
            .and_then(Value::as_str)
            .unwrap_or_default();
        assert!(why.contains("limits.value_bytes"), "{why}");
        // History: 10 values of ~900 bytes, at most 3000 bytes kept.
        for i in 0..10 {
            d.set("w.text", json!(format!("{i}{}", "y".repeat(900))), 3 + i);
        }
        let e = d.entry("w.text").expect("entry");
        assert!(e.history.len() <= 3, "{} kept", e.history.len());
        assert!(e.history.back().is_some_and(|(t, _)| *t == 12));
        // Namespace keys: w.text + 2 more, then refused.
        assert!(d.set("w.a", json!(1), 20));
        assert!(d.set("w.b", json!(1), 20));
        assert!(!d.set("w.c", json!(1), 20));
        assert_eq!(d.get("w.c"), None);
        assert!(d.set("w.a", json!(2), 21), "existing keys still change");
        assert!(d.remove("w.b"));
        assert!(d.set("w.c", json!(1), 22), "room again after a removal");
    }

    #[test]
    fn the_whole_dataset_is_bounded_in_keys_and_bytes() {
        let mut d = Dataset::new();
        d.set_limits(Limits {
            dataset_keys: 10,
            ..Limits::default()
        });
        // New namespaces, `_`-prefixed ones too: the tenth key is the last.
        for i in 0..10 {
            assert_eq!(d.try_set(&format!("_n{i}.k"), json!(i), 1), Ok(true));
        }
        let err = d.try_set("_n10.k", json!(1), 1).unwrap_err().to_string();
        assert!(err.contains("limits.dataset_keys"), "{err}");
        assert_eq!(d.len(), 10);
        assert_eq!(d.try_set("_n0.k", json!("changed"), 2), Ok(true));
        assert!(d.remove("_n1.k"));
        assert_eq!(d.try_set("_n10.k", json!(1), 3), Ok(true));

        let mut d = Dataset::new();
        d.set_limits(Limits {
            dataset_bytes: 20_000,
            ..Limits::default()
        });
        let v = |i: usize| json!(format!("{i:04}{}", "v".repeat(3_996)));
        let mut keys = 0;
        let err = loop {
            match d.try_set(&format!("ns{keys}.k"), v(keys), 1) {
                Ok(changed) => assert!(changed),
                Err(e) => break e.to_string(),
            }
            keys += 1;
            assert!(keys < 10, "never refused");
        };
        assert!(err.contains("limits.dataset_bytes"), "{err}");
        assert!(keys >= 2, "{keys}");
        assert!(d.total_bytes() <= 20_000, "{}", d.total_bytes());
        // A full dataset: changes go on, giving up their history instead.
        for i in 0..50 {
            assert_eq!(
                d.try_set("ns0.k", json!(format!("{i}{}", "z".repeat(3_990))), 2 + i),
                Ok(true)
            );
            assert!(d.total_bytes() <= 20_000, "{}", d.total_bytes());
        }
        // The count follows removals exactly.
        let all: Vec<String> = d.keys().map(str::to_owned).collect();
        assert!(all.len() > keys, "the refusal is recorded: {all:?}");
        for key in all {
            assert!(d.remove(&key));
        }
        assert_eq!(d.total_bytes(), 0);
        // The records of refusals never grow a full dataset.
        let mut d = Dataset::new();
        d.set_limits(Limits {
            dataset_keys: 3,
            value_bytes: 100,
            ..Limits::default()
        });
        for i in 0..100 {
            let _ = d.try_set(&format!("n{i}.k"), json!(i), 1);
            let _ = d.try_set(&format!("n{i}.big"), json!("x".repeat(500)), 1);
        }
        assert!(d.len() <= 3, "{} keys", d.len());
    }
}
