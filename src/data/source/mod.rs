//! STUB (replaced by the sources branch)
#![allow(missing_docs)]
pub type Value = serde_json::Value;
pub enum Message {
    Set {
        key: String,
        value: Value,
    },
    Health {
        source: String,
        ok: bool,
        last_error: Option<String>,
        failures: u64,
    },
}
