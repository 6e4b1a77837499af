//! `tinydisplay completions` and `tinydisplay man`: shell completions and man pages
//! generated from the command-line definitions, so they never disagree with `--help`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use clap::CommandFactory;

/// Prints the completion script for `shell` to stdout.
pub fn completions<C: CommandFactory>(shell: clap_complete::Shell) -> ExitCode {
    let mut cmd = C::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, &mut cmd, "tinydisplay", &mut out);
    match out.flush() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write the completion script: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Writes `tinydisplay.1` and `tinydisplay-<sub>.1` for each subcommand into `dir`.
pub fn man_pages<C: CommandFactory>(dir: &Path) -> ExitCode {
    let cmd = C::command().name("tinydisplay");
    let written = std::fs::create_dir_all(dir).and_then(|()| clap_mangen::generate_to(cmd, dir));
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write man pages into {}: {e}", dir.display());
            ExitCode::FAILURE
        }
    }
}
