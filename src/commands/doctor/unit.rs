//! The installed systemd unit (`tinydisplay.service`): whether it is enabled and
//! running, which user it runs as, and which scene it runs.

use std::path::PathBuf;
use std::process::Command;

use super::Env;
use super::report::Finding;

/// Where an installed unit file may be.
const UNIT_PATHS: [&str; 3] = [
    "/etc/systemd/system/tinydisplay.service",
    "/lib/systemd/system/tinydisplay.service",
    "/usr/lib/systemd/system/tinydisplay.service",
];

/// An installed unit file.
#[derive(Debug, Clone)]
pub struct Unit {
    /// Its system path.
    pub path: &'static str,
    /// `User=`, if set.
    pub user: Option<String>,
    /// The scene its `ExecStart=` runs (`tinydisplay run SCENE …`), if it names one.
    pub scene: Option<String>,
}

impl Unit {
    /// The installed unit under the root, if there is one.
    pub fn find(env: &Env) -> Option<Unit> {
        UNIT_PATHS.iter().find_map(|path| {
            let text = env.root.read(path)?;
            let value = |key: &str| {
                text.lines()
                    .rev()
                    .find_map(|l| l.trim().strip_prefix(key))
                    .map(|v| v.trim().to_string())
            };
            let scene = value("ExecStart=").and_then(|cmd| {
                let words: Vec<&str> = cmd.split_whitespace().collect();
                let run = words.iter().position(|w| *w == "run")?;
                words.get(run + 1).map(|s| s.to_string())
            });
            Some(Unit {
                path,
                user: value("User="),
                scene,
            })
        })
    }
}

/// `systemctl` on `PATH`, if there is one.
fn systemctl() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("systemctl"))
        .find(|p| p.is_file())
}

/// What `systemctl VERB tinydisplay` prints (its first line).
fn ask(systemctl: &PathBuf, verb: &str) -> String {
    match Command::new(systemctl).args([verb, "tinydisplay"]).output() {
        Ok(out) => {
            let said = String::from_utf8_lossy(&out.stdout);
            match said.lines().next().map(str::trim) {
                Some(line) if !line.is_empty() => line.to_string(),
                _ => "unknown".into(),
            }
        }
        Err(e) => format!("unknown ({e})"),
    }
}

/// The unit's state, and whether it runs as the user whose access was checked.
pub fn check(env: &Env, unit: Option<&Unit>) -> Vec<Finding> {
    let Some(unit) = unit else {
        return vec![Finding::skip(
            "service",
            "no tinydisplay.service installed (README: On a Pi)",
        )];
    };
    let mut out = Vec::new();
    let Some(systemctl) = systemctl() else {
        out.push(Finding::skip(
            "service",
            format!(
                "{} is installed, but there is no systemctl to ask",
                unit.path
            ),
        ));
        return out;
    };
    let (enabled, active) = (ask(&systemctl, "is-enabled"), ask(&systemctl, "is-active"));
    let state = format!("tinydisplay.service is {enabled}, {active}");
    out.push(match (enabled.as_str(), active.as_str()) {
        ("enabled", "active") => Finding::ok("service", state),
        (_, "failed") => Finding::warn(
            "service",
            format!("{state} — journalctl -u tinydisplay -e shows why"),
        ),
        ("enabled", _) => Finding::warn(
            "service",
            format!("{state} — sudo systemctl start tinydisplay"),
        ),
        (_, "active") => Finding::warn(
            "service",
            format!("{state}, so it will not start at boot — sudo systemctl enable tinydisplay"),
        ),
        _ => Finding::warn(
            "service",
            format!("{state} — sudo systemctl enable --now tinydisplay"),
        ),
    });
    if let Some(user) = &unit.user
        && *user != env.account.name
    {
        out.push(Finding::warn(
            "service",
            format!(
                "it runs as {user} (User= in {}), these checks were for {} — tinydisplay doctor --user {user} checks its access",
                unit.path, env.account.name
            ),
        ));
    }
    out
}
