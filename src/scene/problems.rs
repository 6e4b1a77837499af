//! Why a scene could not be loaded: every problem found, each located in its file.

use std::path::PathBuf;

pub use crate::problem::{Problem, Raw, Severity};

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
