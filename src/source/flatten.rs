//! Turning a JSON document into dotted keys: `{"a": {"b": [1, 2]}}` under `ns` becomes
//! `ns.a.b.0 = 1` and `ns.a.b.1 = 2`.

use super::Value;

/// The leaves of `value` as `(key, value)` pairs, keys joined with dots under `ns`.
///
/// Objects contribute their member names, arrays their indices; a scalar (or an empty
/// object or array) is a leaf. A scalar at the top is keyed `ns` itself.
pub fn flatten(ns: &str, value: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    walk(ns.to_owned(), value, &mut out);
    out
}

/// `prefix.key`, or `key` alone when the prefix is empty.
pub fn join_key(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

fn walk(prefix: String, value: &Value, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(members) if !members.is_empty() => {
            for (key, child) in members {
                walk(join_key(&prefix, key), child, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (index, child) in items.iter().enumerate() {
                walk(join_key(&prefix, &index.to_string()), child, out);
            }
        }
        leaf => out.push((prefix, leaf.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_objects_and_arrays() {
        let v = json!({"a": {"b": [1, {"c": "x"}]}, "d": true, "e": {}});
        let got = flatten("ns", &v);
        assert_eq!(
            got,
            vec![
                ("ns.a.b.0".to_owned(), json!(1)),
                ("ns.a.b.1.c".to_owned(), json!("x")),
                ("ns.d".to_owned(), json!(true)),
                ("ns.e".to_owned(), json!({})),
            ]
        );
    }

    #[test]
    fn empty_namespace_and_scalar() {
        assert_eq!(
            flatten("", &json!({"k": 1})),
            vec![("k".to_owned(), json!(1))]
        );
        assert_eq!(
            flatten("t", &json!(3.5)),
            vec![("t".to_owned(), json!(3.5))]
        );
    }
}
