//! Per-key rules a scene declares: a type (with conversion from strings), a default,
//! an allowed range or set of values.

use serde::Deserialize;
use serde_json::Value;

/// The type a key's values must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum ValueType {
    /// Anything (the default).
    #[default]
    Any,
    /// A number; numeric strings are converted.
    Number,
    /// A string; numbers and booleans are converted to their text.
    String,
    /// A boolean; "true"/"false"/"1"/"0"/"on"/"off" are converted.
    Bool,
}

/// A rule for one key: `"mpd.volume": (type: Number, default: 50, min: 0, max: 100)`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub struct Rule {
    /// Required type.
    #[serde(rename = "type")]
    pub kind: ValueType,
    /// Value before any source sends one.
    pub default: Option<Value>,
    /// Smallest allowed number.
    pub min: Option<f64>,
    /// Largest allowed number.
    pub max: Option<f64>,
    /// The only allowed values (strings).
    pub values: Option<Vec<String>>,
}

/// Why a value was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RuleError {
    /// Not of the declared type and not convertible.
    #[error("value {0} is not a {1:?}")]
    Type(String, ValueType),
    /// A number outside the allowed range.
    #[error("value {0} is outside {1}..={2}")]
    Range(f64, f64, f64),
    /// Not one of the allowed values.
    #[error("value {0:?} is not one of {1:?}")]
    NotAllowed(String, Vec<String>),
}

impl Rule {
    /// Converts `v` to the rule's type and checks its range and allowed values.
    pub fn apply(&self, v: Value) -> Result<Value, RuleError> {
        let v = match self.kind {
            ValueType::Any => v,
            ValueType::Number => match &v {
                Value::Number(_) => v,
                Value::String(s) => s
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
                    .ok_or_else(|| RuleError::Type(v.to_string(), self.kind))?,
                _ => return Err(RuleError::Type(v.to_string(), self.kind)),
            },
            ValueType::String => match v {
                Value::String(_) => v,
                Value::Number(n) => Value::String(n.to_string()),
                Value::Bool(b) => Value::String(b.to_string()),
                other => return Err(RuleError::Type(other.to_string(), self.kind)),
            },
            ValueType::Bool => match &v {
                Value::Bool(_) => v,
                Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                    "true" | "1" | "on" | "yes" => Value::Bool(true),
                    "false" | "0" | "off" | "no" => Value::Bool(false),
                    _ => return Err(RuleError::Type(v.to_string(), self.kind)),
                },
                Value::Number(n) => Value::Bool(n.as_f64().is_some_and(|f| f != 0.0)),
                _ => return Err(RuleError::Type(v.to_string(), self.kind)),
            },
        };
        if let Some(n) = v.as_f64() {
            let (lo, hi) = (
                self.min.unwrap_or(f64::NEG_INFINITY),
                self.max.unwrap_or(f64::INFINITY),
            );
            if n < lo || n > hi {
                return Err(RuleError::Range(n, lo, hi));
            }
        }
        if let (Some(allowed), Some(s)) = (&self.values, v.as_str())
            && !allowed.iter().any(|a| a == s)
        {
            return Err(RuleError::NotAllowed(s.to_string(), allowed.clone()));
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn converts_and_checks() {
        let r = Rule {
            kind: ValueType::Number,
            min: Some(0.0),
            max: Some(100.0),
            ..Rule::default()
        };
        assert_eq!(r.apply(json!("42")), Ok(json!(42.0)));
        assert!(matches!(r.apply(json!(101)), Err(RuleError::Range(..))));
        assert!(matches!(r.apply(json!("loud")), Err(RuleError::Type(..))));
        let s = Rule {
            kind: ValueType::String,
            values: Some(vec!["play".into(), "stop".into()]),
            ..Rule::default()
        };
        assert_eq!(s.apply(json!("play")), Ok(json!("play")));
        assert!(matches!(
            s.apply(json!("rewind")),
            Err(RuleError::NotAllowed(..))
        ));
        let b = Rule {
            kind: ValueType::Bool,
            ..Rule::default()
        };
        assert_eq!(b.apply(json!("on")), Ok(json!(true)));
    }

    #[test]
    fn refused_values_keep_the_old_one_and_warn_once() {
        let mut d = crate::data::dataset::Dataset::new();
        d.set_rule(
            "a.v",
            Rule {
                kind: ValueType::Number,
                max: Some(10.0),
                ..Rule::default()
            },
        );
        assert!(d.set("a.v", json!(5), 1));
        assert!(!d.set("a.v", json!(50), 2));
        assert!(!d.set("a.v", json!(60), 3));
        assert_eq!(d.get("a.v"), Some(&json!(5)));
    }
}
