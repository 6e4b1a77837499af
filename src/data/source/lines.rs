//! Reading lines on a helper thread so a stream source can wait for them with a timeout
//! (and so stop stays prompt while a read blocks), and turning JSON lines into updates.

use std::io::BufRead;
use std::sync::mpsc::{self, Receiver};
use std::thread;

use super::{SourceError, Value, flatten};

/// Reads `reader` line by line on a thread; the receiver disconnects at end of input.
pub fn spawn_line_reader<R: BufRead + Send + 'static>(
    thread_name: String,
    reader: R,
) -> Result<Receiver<std::io::Result<String>>, SourceError> {
    let (tx, rx) = mpsc::channel();
    thread::Builder::new()
        .name(thread_name)
        .spawn(move || {
            for line in reader.lines() {
                let failed = line.is_err();
                if tx.send(line).is_err() || failed {
                    break;
                }
            }
        })
        .map_err(|source| SourceError::Io {
            context: "starting a line reader thread".to_owned(),
            source,
        })?;
    Ok(rx)
}

/// The updates of one JSON line under `ns`: an object or array is flattened, a scalar
/// becomes `<ns>.value`; a blank line gives nothing; anything else is a parse error.
pub fn json_line_updates(ns: &str, line: &str) -> Result<Vec<(String, Value)>, SourceError> {
    let line = line.trim();
    if line.is_empty() {
        return Ok(Vec::new());
    }
    let value: Value = serde_json::from_str(line).map_err(|e| SourceError::Parse {
        what: format!("JSON line {:?}", shorten(line)),
        message: e.to_string(),
    })?;
    Ok(match value {
        Value::Object(_) | Value::Array(_) => flatten(ns, &value),
        scalar => vec![(super::join_key(ns, "value"), scalar)],
    })
}

/// At most 60 characters of `text`, for error messages.
pub fn shorten(text: &str) -> String {
    const LIMIT: usize = 60;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_lines() {
        assert_eq!(
            json_line_updates("p", r#"{"a": 1}"#).expect("valid line"),
            vec![("p.a".to_owned(), json!(1))]
        );
        assert_eq!(
            json_line_updates("p", "7").expect("valid line"),
            vec![("p.value".to_owned(), json!(7))]
        );
        assert!(json_line_updates("p", "   ").expect("blank").is_empty());
        assert!(json_line_updates("p", "{oops").is_err());
    }
}
