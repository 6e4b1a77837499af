//! `tinydisplay check`: load scenes and print every problem.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tinydisplay::cells;
use tinydisplay::scene::{self, Problem, SceneError, Severity, plan};

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

/// How `check` prints the problems.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `file:line:col: error: …` lines on stderr.
    Human,
    /// One JSON object per problem on stdout.
    Json,
}

/// Every problem of one scene (the character-LCD page check included), and the scene
/// when it loads.
fn problems_of(path: &Path) -> (Option<scene::CompiledScene>, Vec<Problem>) {
    match scene::load(path) {
        Ok(s) => {
            let mut problems = s.warnings.clone();
            problems.extend(cells::custom_character_warnings(&s));
            (Some(s), problems)
        }
        Err(SceneError::Invalid(problems)) => (None, problems),
        Err(e @ SceneError::Io { .. }) => (
            None,
            vec![Problem {
                file: path.to_path_buf(),
                line: 0,
                col: 0,
                severity: Severity::Error,
                message: e.to_string(),
            }],
        ),
    }
}

/// A problem as a JSON object: file, line, column (0 when unknown), severity, message and
/// hint (what to do, when the message says it: see [`split_hint`]; else null).
pub fn problem_json(p: &Problem) -> serde_json::Value {
    let (message, hint) = split_hint(&p.message);
    serde_json::json!({
        "file": p.file.display().to_string(),
        "line": p.line,
        "column": p.col,
        "severity": match p.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        },
        "message": message,
        "hint": hint,
    })
}

/// Splits off what the message says to do: a closing `(see …)`/`(docs/…)`, else what
/// follows its first `: use ` or its last `; ` (`"bad colour: use #rgb"` →
/// (`"bad colour"`, `"use #rgb"`)); None when it says nothing of the kind.
fn split_hint(message: &str) -> (&str, Option<&str>) {
    if message.ends_with(')') {
        for open in [" (see ", " (docs/"] {
            if let Some(at) = message.rfind(open) {
                return (&message[..at], Some(&message[at + 2..message.len() - 1]));
            }
        }
    }
    if let Some(at) = message.find(": use ") {
        return (&message[..at], Some(&message[at + 2..]));
    }
    match message.rsplit_once("; ") {
        Some((what, hint)) => (what, Some(hint)),
        None => (message, None),
    }
}

/// What `check` does with the memory plan.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlanArgs {
    /// `--plan`: print it.
    pub print: bool,
    /// `--device`: the budget is that device's.
    pub device: Option<plan::Device>,
}

/// The memory plan of a loaded scene: printed when asked, and an error when over budget.
#[allow(clippy::print_stdout, reason = "the plan is the command's output")]
fn memory_plan(
    path: &Path,
    scene: &scene::CompiledScene,
    args: PlanArgs,
    format: Format,
) -> Option<Problem> {
    let plan = plan::plan(scene, args.device);
    if args.print {
        match format {
            Format::Human => print!("{}: memory plan\n{}", path.display(), plan.text()),
            Format::Json => println!(
                "{}",
                serde_json::json!({"file": path.display().to_string(), "plan": plan})
            ),
        }
    }
    plan.problem()
        .map(|message| Problem::error(path, 0, 0, message))
}

/// Checks every scene (a character LCD's pages rendered for their custom characters) and
/// its memory plan; exit status 2 when any has errors, or with `strict` warnings.
#[allow(
    clippy::print_stdout,
    reason = "the JSON problems are the command's output"
)]
pub fn check(scenes: &[PathBuf], strict: bool, format: Format, plan_args: PlanArgs) -> ExitCode {
    let mut ok = true;
    for path in scenes {
        let (scene, mut problems) = problems_of(path);
        if let Some(s) = &scene {
            problems.extend(memory_plan(path, s, plan_args, format));
        }
        let errors = problems
            .iter()
            .filter(|p| p.severity == Severity::Error || strict)
            .count();
        for p in &problems {
            match format {
                Format::Human => eprintln!("{p}"),
                Format::Json => println!("{}", problem_json(p)),
            }
        }
        if scene.is_some() && errors == 0 {
            if format == Format::Human {
                eprintln!("{}: ok", path.display());
            }
        } else {
            ok = false;
            if format == Format::Human {
                let what = if strict {
                    "error(s) and warning(s)"
                } else {
                    "error(s)"
                };
                eprintln!("{}: {errors} {what}", path.display());
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

#[cfg(test)]
mod tests {
    use super::split_hint;

    #[test]
    fn the_hint_is_the_closing_parenthesis_or_the_last_clause() {
        assert_eq!(
            split_hint("unknown field `x` (docs/scenes.md lists the fields)"),
            ("unknown field `x`", Some("docs/scenes.md lists the fields"))
        );
        assert_eq!(
            split_hint("bad colour \"#z\": use \"#rgb\" or a name (black, white)"),
            (
                "bad colour \"#z\"",
                Some("use \"#rgb\" or a name (black, white)")
            )
        );
        assert_eq!(
            split_hint("no such font; add it under fonts"),
            ("no such font", Some("add it under fonts"))
        );
        assert_eq!(split_hint("needs a width"), ("needs a width", None));
    }
}
