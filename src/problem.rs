//! A problem found in what a user wrote (a scene, an include), before and after it is
//! located at a file, line and column. The lowest layer: every checking step reports here.

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
pub struct Raw {
    /// Error or warning.
    pub severity: Severity,
    /// The dotted path of the value, `widgets[2].color`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// `parent.child`, or `child` at the root.
pub fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_string()
    } else {
        format!("{parent}.{child}")
    }
}
