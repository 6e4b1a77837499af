//! The file source: a JSON or text file, re-read whenever its modification time or size
//! changes.

use std::fs;
use std::io::Read;
use std::path::PathBuf;
use std::time::SystemTime;

use serde::Deserialize;

use crate::source::{Format, PollSource, SourceError, Value};

/// Settings of a file source.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FileConfig {
    /// The file to read.
    pub path: PathBuf,
    /// How to read it (default `Json`: its leaves become `<ns>.<path>` keys; `Text`: `<ns>.text`).
    #[serde(default)]
    pub format: Format,
    /// Key prefix (default `file`).
    #[serde(default = "default_namespace")]
    pub namespace: String,
}

fn default_namespace() -> String {
    "file".to_owned()
}

impl FileConfig {
    /// Settings for `path` with the default format and namespace.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            format: Format::default(),
            namespace: default_namespace(),
        }
    }
}

/// Reads a file when it changed since the last successful read; an unchanged file gives
/// no updates.
#[derive(Debug, Clone)]
pub struct FileSource {
    config: FileConfig,
    seen: Option<(Option<SystemTime>, u64)>,
    max_bytes: usize,
}

impl FileSource {
    /// A file source from its settings (the first poll always reads the file).
    pub fn new(config: FileConfig) -> Self {
        Self {
            config,
            seen: None,
            max_bytes: crate::source::policy::DEFAULT_MAX_OUTPUT_BYTES,
        }
    }

    /// Refuses a file larger than `bytes` (nothing of it is kept).
    pub fn with_size_limit(mut self, bytes: usize) -> Self {
        self.max_bytes = bytes.max(1);
        self
    }
}

impl PollSource for FileSource {
    fn poll(&mut self) -> Result<Vec<(String, Value)>, SourceError> {
        let path = &self.config.path;
        let io_error = |source| SourceError::Io {
            context: format!("reading {}", path.display()),
            source,
        };
        let meta = fs::metadata(path).map_err(io_error)?;
        let signature = (meta.modified().ok(), meta.len());
        if self.seen == Some(signature) {
            return Ok(Vec::new());
        }
        let too_large = || SourceError::TooLarge {
            what: path.display().to_string(),
            limit: self.max_bytes,
            setting: "policy max_output_bytes",
        };
        if meta.len() > self.max_bytes as u64 {
            return Err(too_large());
        }
        // Read at most one byte past the limit: a file that grows (or a device that never
        // ends) while it is read cannot take more.
        let mut bytes = Vec::new();
        fs::File::open(path)
            .and_then(|f| f.take(self.max_bytes as u64 + 1).read_to_end(&mut bytes))
            .map_err(io_error)?;
        if bytes.len() > self.max_bytes {
            return Err(too_large());
        }
        let text = String::from_utf8(bytes).map_err(|e| SourceError::Parse {
            what: path.display().to_string(),
            message: e.to_string(),
        })?;
        let updates = self.config.format.updates(
            &self.config.namespace,
            &text,
            &path.display().to_string(),
        )?;
        // Remember the file only once it parsed, so a half-written file is read again.
        self.seen = Some(signature);
        Ok(updates)
    }
}

/// The `File` source kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct FileKind;

impl crate::source::kind::SourceKind for FileKind {
    const NAME: &'static str = "File";
    type Config = FileConfig;

    fn start(
        c: &FileConfig,
        name: &str,
        policy: crate::source::Policy,
        tx: std::sync::mpsc::Sender<crate::source::Message>,
    ) -> Result<crate::source::SourceHandle, crate::source::SourceError> {
        let source = FileSource::new(c.clone()).with_size_limit(policy.max_output_bytes);
        Ok(crate::source::spawn_poll(
            name,
            Box::new(source),
            policy,
            tx,
        ))
    }

    fn resolve_paths(c: &mut FileConfig, dir: &std::path::Path) {
        c.path = dir.join(&c.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Duration;

    fn temp_path(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("tinydisplay-file-{}-{name}", std::process::id()))
    }

    #[test]
    fn picks_up_a_rewrite_and_skips_an_unchanged_file() {
        let path = temp_path("weather.json");
        fs::write(&path, r#"{"temp": 21.5, "tags": ["a", "b"]}"#).expect("temp dir is writable");
        let mut src = FileSource::new(FileConfig {
            namespace: "w".to_owned(),
            ..FileConfig::new(&path)
        });
        assert_eq!(
            src.poll().expect("first read"),
            vec![
                ("w.tags.0".to_owned(), json!("a")),
                ("w.tags.1".to_owned(), json!("b")),
                ("w.temp".to_owned(), json!(21.5)),
            ]
        );
        assert!(src.poll().expect("unchanged").is_empty());
        std::thread::sleep(Duration::from_millis(20));
        fs::write(&path, r#"{"temp": 9}"#).expect("rewrite");
        assert_eq!(
            src.poll().expect("reread"),
            vec![("w.temp".to_owned(), json!(9))]
        );
        assert!(src.poll().expect("unchanged again").is_empty());
        let _ = fs::remove_file(&path);
    }

    #[test]
    fn text_file_is_trimmed_and_missing_file_fails() {
        let path = temp_path("motd.txt");
        fs::write(&path, "  hello display \n").expect("temp dir is writable");
        let mut src = FileSource::new(FileConfig {
            format: Format::Text,
            ..FileConfig::new(&path)
        });
        assert_eq!(
            src.poll().expect("read"),
            vec![("file.text".to_owned(), json!("hello display"))]
        );
        let _ = fs::remove_file(&path);
        assert!(matches!(src.poll(), Err(SourceError::Io { .. })));
    }

    #[test]
    fn bad_json_fails_and_is_retried() {
        let path = temp_path("bad.json");
        fs::write(&path, "{not json").expect("temp dir is writable");
        let mut src = FileSource::new(FileConfig::new(&path));
        assert!(matches!(src.poll(), Err(SourceError::Parse { .. })));
        assert!(matches!(src.poll(), Err(SourceError::Parse { .. })));
        let _ = fs::remove_file(&path);
    }

    #[test]
    fn config_deserialises_with_defaults() {
        let c: FileConfig =
            ron::from_str(r#"(path: "/tmp/x.txt", format: Text)"#).expect("valid RON");
        assert_eq!(c.namespace, "file");
        assert_eq!(c.format, Format::Text);
    }

    #[test]
    fn a_file_over_the_limit_is_refused() {
        let path = temp_path("big.json");
        fs::write(&path, format!("{{\"a\": \"{}\"}}", "x".repeat(5000))).expect("write");
        let mut src = FileSource::new(FileConfig::new(&path)).with_size_limit(1000);
        assert!(
            matches!(src.poll(), Err(SourceError::TooLarge { limit: 1000, .. })),
            "a 5 kB file under a 1 kB limit"
        );
        let mut endless = FileSource::new(FileConfig::new("/dev/zero")).with_size_limit(1000);
        assert!(matches!(endless.poll(), Err(SourceError::TooLarge { .. })));
    }
}
