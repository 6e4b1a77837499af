//! Problems found in a scene, each with the file, line and column it comes from.

use std::fmt;
use std::path::PathBuf;

/// How bad a problem is: errors refuse the scene, warnings are reported and the scene runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The scene is refused.
    Error,
    /// Reported; the scene still runs.
    Warning,
}

/// One problem, located in the scene file (line and column are 1-based; 0 when unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The scene file.
    pub file: PathBuf,
    /// Line, 1-based.
    pub line: usize,
    /// Column, 1-based.
    pub col: usize,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, and where it helps, what to do.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.line > 0 {
            write!(
                f,
                "{}:{}:{}: {what}: {}",
                self.file.display(),
                self.line,
                self.col,
                self.message
            )
        } else {
            write!(f, "{}: {what}: {}", self.file.display(), self.message)
        }
    }
}

/// Why a scene could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SceneError {
    /// The file could not be read.
    #[error("{}: cannot read the scene: {source}", path.display())]
    Io {
        /// The scene file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The scene has errors (all found are listed, warnings included).
    #[error("{}", list(.0))]
    Invalid(Vec<Problem>),
}

fn list(problems: &[Problem]) -> String {
    let errors = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    let mut s: String = problems.iter().map(|p| format!("{p}\n")).collect();
    s.push_str(&format!("{errors} error(s); the scene was not loaded"));
    s
}

impl Problem {
    /// An error in `file` at 1-based `line` and `col`.
    pub fn error(file: &std::path::Path, line: usize, col: usize, message: String) -> Problem {
        Problem {
            file: file.to_path_buf(),
            line,
            col,
            severity: Severity::Error,
            message,
        }
    }
}

/// A problem before it is located: the path of the value it is about.
#[derive(Debug, Clone)]
pub(crate) struct Raw {
    pub(crate) severity: Severity,
    pub(crate) path: String,
    pub(crate) message: String,
}
