//! `tinydisplay doctor [SCENE]`: what stands between this Pi and a lit panel, one line
//! per check, each `ok` or the exact fix. Exit status 1 when something blocks the panel.
//!
//! Everything the checks read about the machine (`/dev`, `/sys`, `/boot/firmware`,
//! `/etc`) is looked up under `--root` (default `/`), so tests build a stand-in machine in
//! a folder: files stand in for device nodes, and a regular file at the I2C node lists
//! the addresses that answer.

mod i2c_scan;
mod nodes;
mod pins;
mod report;
mod spi;
mod system;
mod target;
mod unit;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use tinydisplay::panel::BusSpec;
use tinydisplay::scene::{self, SceneError, Severity};

use nodes::Need;
use report::{Finding, Report};
use system::{Access, Account, BootConfig, Groups, Root};
use target::Target;

/// The scene the doctor checks when none is given, if it exists.
const DEFAULT_SCENE: &str = "/etc/tinydisplay/scene.ron";

/// How the report is printed.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One line per check, then a summary.
    Text,
    /// One JSON object: `{"ok": bool, "checks": [{"status", "check", "message"}]}`.
    Json,
}

/// The arguments of `doctor`.
#[derive(clap::Args, Debug)]
pub struct DoctorArgs {
    /// The scene to check (default: /etc/tinydisplay/scene.ron if it exists, else the
    /// installed service's scene, else only the checks every panel needs).
    pub scene: Option<PathBuf>,
    /// Look up /dev, /sys, /boot and /etc under this folder instead of / (for tests; also
    /// TINYDISPLAY_DOCTOR_ROOT).
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// Check access for this user instead of the one running the command.
    #[arg(long)]
    pub user: Option<String>,
    /// Print one line per check (text) or one JSON object (json).
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// What the checks know about the machine.
pub struct Env {
    /// Where the machine's files are.
    pub root: Root,
    /// What config.txt turns on.
    pub boot: BootConfig,
    /// `/etc/group`.
    pub groups: Groups,
    /// The user whose access is checked.
    pub account: Account,
}

impl Env {
    /// Whether the checked user may read and write the system path `sys`.
    pub fn access(&self, sys: &str) -> Access {
        system::access(&self.root, sys, &self.account, &self.groups)
    }
}

/// Runs every check and prints the report; exit status 1 when something blocks the panel.
pub fn doctor(args: DoctorArgs) -> ExitCode {
    let root = args
        .root
        .or_else(|| std::env::var_os("TINYDISPLAY_DOCTOR_ROOT").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("/"));
    let root = Root::new(root);
    let groups = Groups::read(&root);
    let account = match &args.user {
        Some(name) => Account::named(name, &root, &groups),
        None => Account::current(&root, &groups),
    };
    let env = Env {
        boot: BootConfig::read(&root),
        root,
        groups,
        account,
    };
    let report = run(&env, args.scene);
    let text = match args.format {
        Format::Text => report.text(),
        Format::Json => report.json() + "\n",
    };
    // A closed stdout (`| head`) is not the doctor's problem.
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    if report.blocked() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The scene to check: the one given, else the default one, else the service's.
fn pick_scene(env: &Env, given: Option<PathBuf>, unit: Option<&unit::Unit>) -> Option<PathBuf> {
    if given.is_some() {
        return given;
    }
    if env.root.exists(DEFAULT_SCENE) {
        return Some(env.root.path(DEFAULT_SCENE));
    }
    let scene = unit?.scene.as_deref()?;
    env.root.exists(scene).then(|| env.root.path(scene))
}

/// Loads the scene; a line saying how that went, and what it asks for when it loads.
fn load(path: PathBuf) -> (Finding, Option<Target>) {
    match scene::load(&path) {
        Ok(s) => {
            let target = Target::of(&s);
            let panel = match (&target.model, &target.bus) {
                (Some(m), Some(b)) => format!("{} on {}", m.name(), describe(b)),
                (Some(m), None) => format!("{}, no display.bus", m.name()),
                _ => "no display.driver (previews only)".into(),
            };
            (
                Finding::ok("scene", format!("{} loads: {panel}", path.display())),
                Some(target),
            )
        }
        Err(SceneError::Invalid(problems)) => {
            let errors: Vec<_> = problems
                .iter()
                .filter(|p| p.severity == Severity::Error)
                .collect();
            let first = errors
                .first()
                .map(|p| format!(", the first: {p}"))
                .unwrap_or_default();
            (
                Finding::fail(
                    "scene",
                    format!(
                        "{} has {} error(s){first} — tinydisplay check {} lists them",
                        path.display(),
                        errors.len(),
                        path.display()
                    ),
                ),
                None,
            )
        }
        Err(e) => (Finding::fail("scene", e.to_string()), None),
    }
}

/// `SPI bus 0 chip select 0`, `I2C bus 1 at 0x3C`.
fn describe(bus: &BusSpec) -> String {
    match bus {
        BusSpec::Spi(s) => format!("SPI bus {} chip select {}", s.bus, s.cs),
        BusSpec::I2c(s) => format!("I2C bus {} at {}", s.bus, i2c_scan::hex(s.address)),
        BusSpec::Capture(c) => format!("a capture file ({})", c.file),
        BusSpec::Null => "the null bus".into(),
        BusSpec::Pcf8574(s) => format!(
            "a PCF8574 backpack on I2C bus {} at {} (not checked by doctor yet)",
            s.bus,
            i2c_scan::hex(s.address)
        ),
        BusSpec::Gpio4(_) => "4-bit GPIO pins (not checked by doctor yet)".into(),
    }
}

/// Every check, in order.
fn run(env: &Env, given: Option<PathBuf>) -> Report {
    let mut report = Report::default();
    let unit = unit::Unit::find(env);
    let account = &env.account;
    let mut groups: Vec<String> = account.gids.iter().map(|g| env.groups.name(*g)).collect();
    groups.dedup();
    report.push(Finding::ok(
        "user",
        format!(
            "checking access for {}{} (groups: {})",
            account.name,
            account
                .uid
                .map(|u| format!(", uid {u}"))
                .unwrap_or_default(),
            if groups.is_empty() {
                "none".to_string()
            } else {
                groups.join(", ")
            }
        ),
    ));
    let target = match pick_scene(env, given, unit.as_ref()) {
        Some(path) => {
            let (line, target) = load(path);
            report.push(line);
            target
        }
        None => {
            report.push(Finding::skip(
                "scene",
                format!("no SCENE given and no {DEFAULT_SCENE}: only the checks every panel needs"),
            ));
            None
        }
    };
    let hardware = target.as_ref().filter(|t| {
        matches!(t.bus, Some(BusSpec::Spi(_)) | Some(BusSpec::I2c(_))) && t.model.is_some()
    });
    match hardware {
        Some(t) => scene_checks(env, t, &mut report),
        None => {
            if let Some(t) = &target {
                report.push(Finding::skip(
                    "bus",
                    match (&t.model, &t.bus) {
                        (None, _) => "the scene names no display.driver: checking what every panel needs".to_string(),
                        (_, None) => "the scene gives no display.bus (then run needs --bus): checking what every panel needs".to_string(),
                        (_, Some(b)) => format!("display.bus is {}: no hardware bus to check; checking what every panel needs", describe(b)),
                    },
                ));
            }
            generic_checks(env, target.as_ref(), &mut report);
        }
    }
    report.extend(unit::check(env, unit.as_ref()));
    report
}

/// Which buses are on, for the pin check.
fn buses_on(env: &Env, target: &Target) -> pins::BusesOn {
    let spi = target.spi();
    let i2c = target.i2c();
    pins::BusesOn {
        spi0: env.boot.spi
            || !env.root.list("/dev", "spidev0.").is_empty()
            || spi.is_some_and(|(b, _)| b == 0),
        i2c1: env.boot.i2c_arm || env.root.exists("/dev/i2c-1") || i2c == Some(1),
        spi1_cs: spi.filter(|(b, _)| *b == 1).map(|(_, cs)| cs),
        i2c0: i2c == Some(0),
    }
}

/// The checks for a scene whose panel is on SPI or I2C.
fn scene_checks(env: &Env, t: &Target, report: &mut Report) {
    match &t.bus {
        Some(BusSpec::Spi(s)) => {
            report.push(nodes::spi(env, s.bus, s.cs, Need::Required));
            report.push(spi::clock(env, s, t.model));
            report.push(spi::buffer(env, s));
        }
        Some(BusSpec::I2c(s)) => {
            let line = nodes::i2c(env, s.bus, Need::Required);
            let usable = line.status == report::Status::Ok;
            report.push(line);
            let node = nodes::i2c_path(s.bus);
            if usable {
                report.push(scan(env, &node, s.bus, |sc| {
                    i2c_scan::check(sc, &node, s.address, &env.boot.path)
                }));
            } else {
                report.push(Finding::skip(
                    "i2c scan",
                    format!("{node} is not usable (see above)"),
                ));
            }
        }
        _ => {}
    }
    if t.pins.is_empty() {
        report.push(Finding::skip("gpio", "the scene uses no GPIO pins"));
    } else {
        report.extend(nodes::gpio(env, Need::Required));
    }
    report.extend(pins::check(t, buses_on(env, t)));
}

/// Scans the I2C bus `node` with the scanner that fits it, then `judge`s the answers.
fn scan(
    env: &Env,
    node: &str,
    bus: u8,
    judge: impl FnOnce(&mut dyn i2c_scan::I2cScanner) -> Finding,
) -> Finding {
    match i2c_scan::scanner_for(&env.root.path(node), node, bus) {
        Ok(mut scanner) => judge(scanner.as_mut()),
        Err(e) => Finding::warn("i2c scan", format!("could not scan: {e}")),
    }
}

/// The checks without a panel to aim at: SPI0 CE0 and I2C1 (one of them usable, else
/// both are failures), GPIO, and the pins of a scene that has no hardware bus.
fn generic_checks(env: &Env, target: Option<&Target>, report: &mut Report) {
    let usable = |sys: String| env.access(&sys) == Access::Granted;
    let need = if usable(nodes::spi_path(0, 0)) || usable(nodes::i2c_path(1)) {
        Need::Optional
    } else {
        Need::Required
    };
    report.push(nodes::spi(env, 0, 0, need));
    let line = nodes::i2c(env, 1, need);
    let usable = line.status == report::Status::Ok;
    report.push(line);
    if usable {
        let node = nodes::i2c_path(1);
        report.push(scan(env, &node, 1, |sc| i2c_scan::survey(sc, &node)));
    }
    let pins_used = target.is_some_and(|t| !t.pins.is_empty());
    report.extend(nodes::gpio(
        env,
        if pins_used {
            Need::Required
        } else {
            Need::Optional
        },
    ));
    if let Some(t) = target {
        report.extend(pins::check(t, buses_on(env, t)));
    }
}
