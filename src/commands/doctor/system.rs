//! What the doctor reads about the machine: files under a root folder (`/` on a Pi, a
//! temporary folder in tests), the boot configuration, users and groups, and who may
//! read and write a device node.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The folder under which `/dev`, `/sys`, `/boot` and `/etc` are looked up.
#[derive(Debug, Clone)]
pub struct Root {
    dir: PathBuf,
}

impl Root {
    /// The machine's files under `dir` (`/` for this machine).
    pub fn new(dir: PathBuf) -> Root {
        Root { dir }
    }

    /// Whether this is the machine itself (`/`), not a stand-in folder.
    pub fn is_real(&self) -> bool {
        self.dir == Path::new("/")
    }

    /// Where the system path `sys` (`/dev/i2c-1`) is under this root.
    pub fn path(&self, sys: &str) -> PathBuf {
        self.dir.join(sys.trim_start_matches('/'))
    }

    /// Whether the system path `sys` exists under this root.
    pub fn exists(&self, sys: &str) -> bool {
        self.path(sys).exists()
    }

    /// Reads the system file `sys` as text, if it is there and readable.
    pub fn read(&self, sys: &str) -> Option<String> {
        std::fs::read_to_string(self.path(sys)).ok()
    }

    /// The system paths of the entries of folder `dir` whose names start with `prefix`,
    /// in natural order (`gpiochip2` before `gpiochip10`).
    pub fn list(&self, dir: &str, prefix: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.path(dir))
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.starts_with(prefix))
            .collect();
        names.sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
        let dir = dir.trim_end_matches('/');
        names.into_iter().map(|n| format!("{dir}/{n}")).collect()
    }
}

/// What the Pi's boot configuration (`config.txt`) turns on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BootConfig {
    /// The file to edit (`/boot/firmware/config.txt`; `/boot/config.txt` before Bookworm).
    pub path: String,
    /// Whether that file exists.
    pub found: bool,
    /// `dtparam=spi=on`.
    pub spi: bool,
    /// `dtparam=i2c_arm=on` (or its alias `i2c=on`).
    pub i2c_arm: bool,
    /// `dtoverlay=` lines, by overlay name (`spi1-1cs`, `ssd1306`).
    pub overlays: Vec<String>,
}

impl BootConfig {
    /// Reads `/boot/firmware/config.txt`, else `/boot/config.txt`, under `root`.
    pub fn read(root: &Root) -> BootConfig {
        for path in ["/boot/firmware/config.txt", "/boot/config.txt"] {
            if let Some(text) = root.read(path) {
                let mut c = BootConfig::parse(&text);
                c.path = path.into();
                c.found = true;
                return c;
            }
        }
        BootConfig {
            path: "/boot/firmware/config.txt".into(),
            ..BootConfig::default()
        }
    }

    /// Parses config.txt text (`[section]` filters are ignored: every line counts).
    pub fn parse(text: &str) -> BootConfig {
        let mut c = BootConfig::default();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            if let Some(params) = line.strip_prefix("dtparam=") {
                for param in params.split(',') {
                    let (name, value) = param.split_once('=').unwrap_or((param, "on"));
                    let on = matches!(value.trim(), "on" | "true" | "yes" | "1");
                    match name.trim() {
                        "spi" => c.spi = on,
                        "i2c_arm" | "i2c" => c.i2c_arm = on,
                        _ => {}
                    }
                }
            } else if let Some(overlay) = line.strip_prefix("dtoverlay=") {
                let name = overlay.split(',').next().unwrap_or("").trim();
                if !name.is_empty() {
                    c.overlays.push(name.to_string());
                }
            }
        }
        c
    }

    /// The file next to config.txt that holds the kernel's command line.
    pub fn cmdline(&self) -> String {
        match self.path.rsplit_once('/') {
            Some((dir, _)) => format!("{dir}/cmdline.txt"),
            None => "cmdline.txt".into(),
        }
    }
}

/// The groups of `/etc/group`: names and members by gid.
#[derive(Debug, Clone, Default)]
pub struct Groups {
    by_gid: BTreeMap<u32, (String, Vec<String>)>,
}

impl Groups {
    /// Reads `/etc/group` under `root` (none when it is missing).
    pub fn read(root: &Root) -> Groups {
        Groups::parse(&root.read("/etc/group").unwrap_or_default())
    }

    /// Parses `name:x:gid:member,member` lines; malformed lines are skipped.
    pub fn parse(text: &str) -> Groups {
        let mut by_gid = BTreeMap::new();
        for line in text.lines() {
            let fields: Vec<&str> = line.trim().split(':').collect();
            if let [name, _, gid, members, ..] = fields[..]
                && let Ok(gid) = gid.parse::<u32>()
            {
                let members = members
                    .split(',')
                    .map(str::trim)
                    .filter(|m| !m.is_empty())
                    .map(String::from)
                    .collect();
                by_gid.insert(gid, (name.to_string(), members));
            }
        }
        Groups { by_gid }
    }

    /// The name of group `gid`, or `gid N` when `/etc/group` does not name it.
    pub fn name(&self, gid: u32) -> String {
        self.by_gid
            .get(&gid)
            .map_or_else(|| format!("gid {gid}"), |(n, _)| n.clone())
    }

    /// The gids of the groups that list `user` as a member.
    pub fn of_member(&self, user: &str) -> Vec<u32> {
        self.by_gid
            .iter()
            .filter(|(_, (_, members))| members.iter().any(|m| m == user))
            .map(|(gid, _)| *gid)
            .collect()
    }
}

/// The user whose access the doctor checks.
#[derive(Debug, Clone)]
pub struct Account {
    /// The login name (or `uid N`).
    pub name: String,
    /// The user id, when known.
    pub uid: Option<u32>,
    /// Its groups per `/etc/passwd` and `/etc/group`: what a new login gets.
    pub gids: Vec<u32>,
    /// The groups this process has, when it is this user's own session on this machine.
    pub session: Option<Vec<u32>>,
}

/// One `/etc/passwd` entry: name, uid, primary gid.
fn passwd(root: &Root) -> Vec<(String, u32, u32)> {
    root.read("/etc/passwd")
        .unwrap_or_default()
        .lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            match f[..] {
                [name, _, uid, gid, ..] => {
                    Some((name.to_string(), uid.parse().ok()?, gid.parse().ok()?))
                }
                _ => None,
            }
        })
        .collect()
}

impl Account {
    /// The user called `name`, per `/etc/passwd` and `/etc/group` under `root`.
    pub fn named(name: &str, root: &Root, groups: &Groups) -> Account {
        let entry = passwd(root).into_iter().find(|(n, _, _)| n == name);
        let uid = entry
            .as_ref()
            .map(|e| e.1)
            .or((name == "root").then_some(0));
        let mut gids = groups.of_member(name);
        if let Some((_, _, gid)) = entry {
            gids.insert(0, gid);
        }
        Account {
            name: name.to_string(),
            uid,
            gids,
            session: None,
        }
    }

    /// The user running this command.
    pub fn current(root: &Root, groups: &Groups) -> Account {
        let uid = std::fs::metadata("/proc/self").ok().map(|m| m.uid());
        let name = uid
            .and_then(|uid| passwd(root).into_iter().find(|e| e.1 == uid))
            .map(|e| e.0)
            .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
            .unwrap_or_else(|| uid.map_or("you".into(), |u| format!("uid {u}")));
        let mut account = Account::named(&name, root, groups);
        if account.uid.is_none() || uid == Some(0) {
            account.uid = uid;
        }
        if root.is_real() {
            account.session = session_gids();
        }
        account
    }

    /// Whether the system lets this user read and write anything (root).
    pub fn is_root(&self) -> bool {
        self.uid == Some(0)
    }
}

/// The groups of this process (`Gid:` and `Groups:` of `/proc/self/status`).
fn session_gids() -> Option<Vec<u32>> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let mut gids = Vec::new();
    for line in status.lines() {
        if let Some(rest) = line.strip_prefix("Groups:") {
            gids.extend(
                rest.split_whitespace()
                    .filter_map(|g| g.parse::<u32>().ok()),
            );
        } else if let Some(rest) = line.strip_prefix("Gid:") {
            gids.extend(
                rest.split_whitespace()
                    .next()
                    .and_then(|g| g.parse::<u32>().ok()),
            );
        }
    }
    Some(gids)
}

/// Whether a user may read and write a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// Read and write allowed.
    Granted,
    /// The node is not there.
    Missing,
    /// Read or write refused, and why.
    Denied(Denial),
}

/// Why a user may not read and write a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// The node's permission bits.
    pub mode: u32,
    /// The owning user's name (or `uid N`).
    pub owner: String,
    /// The owning group's name (or `gid N`).
    pub group: String,
    /// What is missing.
    pub reason: DenialReason,
}

/// What keeps a user from a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenialReason {
    /// Not in the group that may read and write it.
    NotInGroup,
    /// In the group per `/etc/group`, but this login session predates that.
    Relogin,
    /// Its group may not read and write it either.
    GroupCannot,
    /// The user owns it, and the owner may not read and write it.
    OwnerCannot,
}

/// `rw-rw----` for mode 0o660.
fn mode_string(mode: u32) -> String {
    let mut s = String::with_capacity(9);
    for shift in [6, 3, 0] {
        let bits = (mode >> shift) & 7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        s.push(if bits & 1 != 0 { 'x' } else { '-' });
    }
    s
}

impl Denial {
    /// What is wrong with `nodes` for `user`, and the fix.
    pub fn explain(&self, nodes: &str, user: &str) -> String {
        let group = &self.group;
        let what = format!(
            "{user} cannot read/write {nodes} ({} {}:{group})",
            mode_string(self.mode),
            self.owner
        );
        match self.reason {
            DenialReason::NotInGroup => format!(
                "{what}; {user} is not in group {group} — sudo usermod -aG {group} {user}, then log out and in again"
            ),
            DenialReason::Relogin => format!(
                "{what}; {user} is in group {group}, but this login session started before that — log out and in again (or reboot)"
            ),
            DenialReason::GroupCannot => format!(
                "{what}; group {group} may not read/write it either — sudo chmod g+rw {nodes} (a udev rule normally sets this; check /etc/udev/rules.d)"
            ),
            DenialReason::OwnerCannot => {
                format!("{what}; its owner may not read/write it — sudo chmod u+rw {nodes}")
            }
        }
    }
}

/// Whether `account` may read and write the system path `sys` under `root`.
pub fn access(root: &Root, sys: &str, account: &Account, groups: &Groups) -> Access {
    let Ok(meta) = std::fs::metadata(root.path(sys)) else {
        return Access::Missing;
    };
    if account.is_root() {
        return Access::Granted;
    }
    let (mode, owner, gid) = (meta.mode() & 0o7777, meta.uid(), meta.gid());
    let rw = |shift: u32| (mode >> shift) & 6 == 6;
    let member = account.gids.contains(&gid);
    let reason = if account.uid == Some(owner) {
        if rw(6) {
            return Access::Granted;
        }
        DenialReason::OwnerCannot
    } else if rw(0) {
        return Access::Granted;
    } else if !rw(3) {
        DenialReason::GroupCannot
    } else if !member {
        DenialReason::NotInGroup
    } else if account.session.as_ref().is_some_and(|s| !s.contains(&gid)) {
        DenialReason::Relogin
    } else {
        return Access::Granted;
    };
    let owner = passwd(root)
        .into_iter()
        .find(|e| e.1 == owner)
        .map_or_else(|| format!("uid {owner}"), |e| e.0);
    Access::Denied(Denial {
        mode,
        owner,
        group: groups.name(gid),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_txt_lines_turn_buses_on_and_off() {
        let c = BootConfig::parse(
            "# dtparam=spi=on\n[all]\ndtparam=audio=on,i2c_arm=on\ndtparam=spi=on\ndtparam=spi=off\ndtoverlay=spi1-1cs,cs0_pin=18\n",
        );
        assert!(!c.spi);
        assert!(c.i2c_arm);
        assert_eq!(c.overlays, ["spi1-1cs"]);
    }

    #[test]
    fn group_lines_give_names_and_members() {
        let g = Groups::parse("root:x:0:\nspi:x:999:pi,bob\ngpio:x:997:bob\nbad line\n");
        assert_eq!(g.name(999), "spi");
        assert_eq!(g.name(5), "gid 5");
        assert_eq!(g.of_member("pi"), [999]);
        assert_eq!(g.of_member("bob"), [997, 999]);
    }

    #[test]
    fn modes_print_like_ls() {
        assert_eq!(mode_string(0o660), "rw-rw----");
        assert_eq!(mode_string(0o600), "rw-------");
    }
}
