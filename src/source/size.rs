//! How big a value is as JSON text, counted cheaply (and only up to a limit) so a source's
//! reporter and the dataset can refuse a value over its size limit.

/// Roughly the size of `v` as JSON text; stops counting once past `limit`.
pub fn json_bytes(v: &serde_json::Value, limit: usize) -> usize {
    match v {
        serde_json::Value::Null | serde_json::Value::Bool(_) => 5,
        serde_json::Value::Number(_) => 8,
        serde_json::Value::String(s) => s.len() + 2,
        serde_json::Value::Array(items) => {
            let mut n = 2;
            for item in items {
                n += json_bytes(item, limit) + 1;
                if n > limit {
                    break;
                }
            }
            n
        }
        serde_json::Value::Object(map) => {
            let mut n = 2;
            for (k, item) in map {
                n += k.len() + 4 + json_bytes(item, limit);
                if n > limit {
                    break;
                }
            }
            n
        }
    }
}
