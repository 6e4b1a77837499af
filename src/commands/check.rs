//! `tinydisplay check`: load scenes and print every problem.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tinydisplay::scene::{self, SceneError, Severity};

/// Prints a scene's problems; the scene when it has no errors.
pub fn report(path: &Path) -> Option<scene::CompiledScene> {
    match scene::load(path) {
        Ok(s) => {
            for w in &s.warnings {
                eprintln!("{w}");
            }
            Some(s)
        }
        Err(SceneError::Invalid(problems)) => {
            for p in &problems {
                eprintln!("{p}");
            }
            let n = problems
                .iter()
                .filter(|p| p.severity == Severity::Error)
                .count();
            eprintln!("{}: {n} error(s)", path.display());
            None
        }
        Err(e) => {
            eprintln!("{e}");
            None
        }
    }
}

/// Checks every scene (a character LCD's pages rendered for their custom characters);
/// exit status 2 when any has errors.
pub fn check(scenes: &[PathBuf]) -> ExitCode {
    let mut ok = true;
    for path in scenes {
        if let Some(s) = report(path) {
            for w in scene::cells::custom_character_warnings(&s) {
                eprintln!("{w}");
            }
            eprintln!("{}: ok", path.display());
        } else {
            ok = false;
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}
