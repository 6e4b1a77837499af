//! What `scripts/dist` builds for a Pi, proven here: the arm64, armhf and ARMv6 binaries
//! run under qemu's user emulation and give the host's frames bit for bit; the Debian
//! packages hold what they must; the host's package installs, verifies and purges.
//!
//! `scripts/test` runs `scripts/dist` before `cargo test`, so the artifacts are in
//! `<target dir>/dist` (or `TINYDISPLAY_DIST_DIR`). When they are missing these tests say
//! so and skip, or fail with `CI=true`.

mod servers;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use servers::{program, required, skip};

/// The host binary the suite built.
const HOST: &str = env!("CARGO_BIN_EXE_tinydisplay");

/// The repository root.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The crate's version, as in the artifacts' names.
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// Where `scripts/dist` put its output.
fn dist_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("TINYDISPLAY_DIST_DIR") {
        return PathBuf::from(d);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| if t.is_absolute() { t } else { root().join(t) })
        .unwrap_or_else(|| root().join("target"));
    target.join("dist")
}

/// An artifact of `scripts/dist`, or a skip (a failure under CI) saying how to make it.
fn artifact(name: &str) -> Option<PathBuf> {
    let p = dist_dir().join(name);
    if p.exists() {
        Some(p)
    } else {
        skip(&format!(
            "{} is missing: run scripts/dist (scripts/test does)",
            p.display()
        ))
    }
}

/// One emulated target: its binary and how qemu runs it.
struct Emulated {
    /// A short name for messages.
    name: &'static str,
    /// The artifact's file name in the dist folder.
    binary: String,
    /// qemu and its arguments before the binary.
    qemu: Vec<String>,
    /// What `file` must say of it.
    file_says: &'static [&'static str],
}

fn targets() -> Vec<Emulated> {
    let v = version();
    vec![
        Emulated {
            name: "arm64",
            binary: format!("tinydisplay-{v}-aarch64-unknown-linux-gnu"),
            qemu: vec![
                "qemu-aarch64".into(),
                "-L".into(),
                "/usr/aarch64-linux-gnu".into(),
            ],
            file_says: &["ARM aarch64", "dynamically linked"],
        },
        Emulated {
            name: "armhf",
            binary: format!("tinydisplay-{v}-armv7-unknown-linux-gnueabihf"),
            qemu: vec![
                "qemu-arm".into(),
                "-cpu".into(),
                "cortex-a7".into(),
                "-L".into(),
                "/usr/arm-linux-gnueabihf".into(),
            ],
            file_says: &["ARM, EABI5", "dynamically linked"],
        },
        Emulated {
            name: "armv6",
            binary: format!("tinydisplay-{v}-arm-unknown-linux-musleabihf"),
            // The Pi Zero W's and Pi 1's CPU: an ARMv7 instruction anywhere crashes here.
            qemu: vec!["qemu-arm".into(), "-cpu".into(), "arm1176".into()],
            file_says: &["ARM, EABI5", "statically linked"],
        },
    ]
}

/// Runs a command in `dir`, returning its output; panics only if it cannot start.
fn run_in(dir: &Path, program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot start {program}: {e}"))
}

fn emulated(t: &Emulated, bin: &Path, dir: &Path, args: &[&str]) -> Output {
    let mut all: Vec<&str> = t.qemu[1..].iter().map(String::as_str).collect();
    let bin = bin.to_string_lossy();
    all.push(&bin);
    all.extend_from_slice(args);
    run_in(dir, &t.qemu[0], &all)
}

fn ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn shipped_scenes() -> Vec<String> {
    let mut scenes: Vec<String> = std::fs::read_dir(root().join("scenes"))
        .expect("scenes/")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".ron"))
        .map(|n| format!("scenes/{n}"))
        .collect();
    scenes.sort();
    assert!(scenes.len() >= 5, "scenes/ holds the shipped scenes");
    scenes
}

#[test]
fn arm_binaries_give_the_hosts_frames_under_emulation() {
    let tmp = tempdir("emu");
    // The host's frame and capture, from the binary this suite built.
    let host_png = tmp.join("host.png");
    let host_capture = tmp.join("host.capture");
    let png_args = [
        "run",
        "scenes/reference.ron",
        "--ticks",
        "120",
        "--sink",
        "png",
        "--out",
    ];
    let mut args: Vec<&str> = png_args.to_vec();
    let host_png_s = host_png.to_string_lossy().into_owned();
    args.push(&host_png_s);
    ok(&run_in(&root(), HOST, &args), "host run --sink png");
    let host_cap_s = format!("capture:{}", host_capture.display());
    let panel_args = |bus: &str| -> Vec<String> {
        [
            "run",
            "scenes/reference.ron",
            "--ticks",
            "120",
            "--sink",
            "panel",
            "--bus",
            bus,
        ]
        .map(String::from)
        .to_vec()
    };
    let pa = panel_args(&host_cap_s);
    let pa: Vec<&str> = pa.iter().map(String::as_str).collect();
    ok(&run_in(&root(), HOST, &pa), "host run --sink panel");
    let host_png_bytes = std::fs::read(&host_png).expect("host PNG");
    let host_decoded = decode(&host_capture, &tmp.join("host.decoded.png"));

    let mut ran = 0;
    for t in targets() {
        let Some(bin) = artifact(&t.binary) else {
            continue;
        };
        if program(&[t.qemu[0].as_str()]).is_none() {
            skip::<()>(&format!(
                "{} is not installed (Debian qemu-user)",
                t.qemu[0]
            ));
            continue;
        }
        ran += 1;
        // `file` tells the architecture and the linking.
        let file = run_in(&root(), "file", &["-b", &bin.to_string_lossy()]);
        let says = String::from_utf8_lossy(&file.stdout);
        for want in t.file_says {
            assert!(says.contains(want), "{}: file says {says}", t.name);
        }
        // `check` on every shipped scene.
        for scene in shipped_scenes() {
            let out = emulated(&t, &bin, &root(), &["check", &scene]);
            ok(&out, &format!("{}: check {scene}", t.name));
        }
        // The same PNG, byte for byte.
        let png = tmp.join(format!("{}.png", t.name));
        let png_s = png.to_string_lossy().into_owned();
        let mut args: Vec<&str> = png_args.to_vec();
        args.push(&png_s);
        ok(
            &emulated(&t, &bin, &root(), &args),
            &format!("{}: run", t.name),
        );
        assert!(
            std::fs::read(&png).expect("emulated PNG") == host_png_bytes,
            "{}: the PNG of 120 ticks differs from the host's ({} vs {})",
            t.name,
            png.display(),
            host_png.display()
        );
        // The panel path: the stream decodes to the host's frame. (The streams themselves
        // may differ: with `--ticks` as fast as possible the panel thread sends the newest
        // frame when it is free, so how many frames travel depends on timing.)
        let cap = tmp.join(format!("{}.capture", t.name));
        let cap_s = format!("capture:{}", cap.display());
        let pa = panel_args(&cap_s);
        let pa: Vec<&str> = pa.iter().map(String::as_str).collect();
        ok(
            &emulated(&t, &bin, &root(), &pa),
            &format!("{}: run --sink panel", t.name),
        );
        assert_eq!(
            decode(&cap, &tmp.join(format!("{}.decoded.png", t.name))),
            host_decoded,
            "{}: the panel's stream decodes to another frame than the host's",
            t.name
        );
    }
    if ran == 0 {
        eprintln!("no emulated target ran");
    }
}

/// Decodes an SSD1322 capture with the host binary; the PNG's bytes.
fn decode(capture: &Path, png: &Path) -> Vec<u8> {
    let out = run_in(
        &root(),
        HOST,
        &[
            "decode",
            &capture.to_string_lossy(),
            "--display",
            "ssd1322",
            "--out",
            &png.to_string_lossy(),
        ],
    );
    ok(&out, &format!("decode {}", capture.display()));
    std::fs::read(png).expect("decoded PNG")
}

/// The fields and files of one package, read with dpkg-deb.
fn inspect(deb: &Path) -> (String, String) {
    let info = run_in(&root(), "dpkg-deb", &["--info", &deb.to_string_lossy()]);
    ok(&info, "dpkg-deb --info");
    let contents = run_in(&root(), "dpkg-deb", &["--contents", &deb.to_string_lossy()]);
    ok(&contents, "dpkg-deb --contents");
    (
        String::from_utf8_lossy(&info.stdout).into_owned(),
        String::from_utf8_lossy(&contents.stdout).into_owned(),
    )
}

/// The files every package holds (paths as dpkg-deb lists them).
const PACKAGE_FILES: &[&str] = &[
    "./usr/bin/tinydisplay",
    "./usr/lib/systemd/system/tinydisplay.service",
    "./etc/tinydisplay/scene.ron",
    "./usr/share/tinydisplay/scenes/reference.ron",
    "./usr/share/tinydisplay/scenes/panel.ron",
    "./usr/share/tinydisplay/assets/fonts/spleen-5x8.bdf",
    "./usr/share/tinydisplay/assets/fonts/DejaVuSans.ttf",
    "./usr/share/tinydisplay/assets/images/play.png",
    "./usr/share/man/man1/tinydisplay.1.gz",
    "./usr/share/man/man1/tinydisplay-run.1.gz",
    "./usr/share/bash-completion/completions/tinydisplay",
    "./usr/share/zsh/vendor-completions/_tinydisplay",
    "./usr/share/fish/vendor_completions.d/tinydisplay.fish",
    "./usr/share/doc/tinydisplay/copyright",
];

#[test]
fn packages_hold_the_binary_unit_scene_assets_man_page_and_completions() {
    let v = version();
    let host_arch =
        String::from_utf8_lossy(&run_in(&root(), "dpkg", &["--print-architecture"]).stdout)
            .trim()
            .to_string();
    let packages = [
        (format!("tinydisplay_{v}_arm64.deb"), "arm64", true),
        (format!("tinydisplay_{v}_armhf.deb"), "armhf", true),
        (format!("tinydisplay_{v}_armv6.deb"), "armhf", false),
        (
            format!("tinydisplay_{v}_{host_arch}.deb"),
            host_arch.as_str(),
            true,
        ),
    ];
    for (name, arch, dynamic) in &packages {
        let Some(deb) = artifact(name) else {
            continue;
        };
        let (info, contents) = inspect(&deb);
        assert!(info.contains(" Package: tinydisplay\n"), "{name}:\n{info}");
        assert!(
            info.contains(&format!(" Version: {v}\n")),
            "{name}:\n{info}"
        );
        assert!(
            info.contains(&format!(" Architecture: {arch}\n")),
            "{name}:\n{info}"
        );
        assert!(info.contains(" Maintainer: "), "{name}:\n{info}");
        assert!(info.contains(" Description: "), "{name}:\n{info}");
        if *dynamic {
            assert!(
                info.contains(" Depends: libc6 (>= 2.") && info.contains("libgcc-s1 (>= "),
                "{name}: Depends from the binary's libraries:\n{info}"
            );
        } else {
            assert!(
                !info.contains(" Depends:"),
                "{name}: a static binary depends on nothing:\n{info}"
            );
        }
        for script in ["postinst", "postrm", "prerm", "conffiles"] {
            assert!(info.contains(script), "{name}: no {script}:\n{info}");
        }
        for file in PACKAGE_FILES {
            assert!(
                contents.lines().any(|l| l.ends_with(file)),
                "{name}: {file} missing:\n{contents}"
            );
        }
        assert!(
            contents
                .lines()
                .all(|l| l.contains(" root/root ") || l.starts_with('d')),
            "{name}: files owned by root:\n{contents}"
        );
        // The scene is a conffile: an upgrade never overwrites the user's edits.
        let conffiles = run_in(
            &root(),
            "dpkg-deb",
            &["--info", &deb.to_string_lossy(), "conffiles"],
        );
        assert_eq!(
            String::from_utf8_lossy(&conffiles.stdout).trim(),
            "/etc/tinydisplay/scene.ron",
            "{name}"
        );
    }
}

#[test]
fn unit_file_runs_the_packaged_scene_as_its_own_user_and_reloads_on_sighup() {
    let unit = std::fs::read_to_string(root().join("deploy/tinydisplay.service")).expect("unit");
    for line in [
        "User=tinydisplay",
        "SupplementaryGroups=spi i2c gpio video",
        "ExecStart=/usr/bin/tinydisplay run /etc/tinydisplay/scene.ron --sink panel",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "StateDirectory=tinydisplay",
        "LimitNOFILE=",
    ] {
        assert!(
            unit.lines().any(|l| l.starts_with(line)),
            "unit lacks {line}"
        );
    }
    // Hardening must not hide the panel's device nodes.
    for hides in [
        "PrivateDevices=yes",
        "DevicePolicy=closed",
        "DevicePolicy=strict",
    ] {
        assert!(!unit.contains(hides), "{hides} would hide /dev/spidev*");
    }
}

/// Lines of a file that name `who` as a user or group (passwd/group entries).
fn entries(path: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

#[test]
fn host_package_installs_checks_verifies_and_purges_cleanly() {
    let host_arch =
        String::from_utf8_lossy(&run_in(&root(), "dpkg", &["--print-architecture"]).stdout)
            .trim()
            .to_string();
    let Some(deb) = artifact(&format!("tinydisplay_{}_{host_arch}.deb", version())) else {
        return;
    };
    // Installing needs root; on a developer's own machine as another user this skips.
    let uid = run_in(&root(), "id", &["-u"]);
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        skip::<()>("installing a package needs root");
        return;
    }
    if program(&["systemd-analyze"]).is_none() {
        skip::<()>("systemd-analyze is not installed (Debian package systemd)");
        if !required() {
            return;
        }
    }
    // A package left by an earlier run would hide what this one does.
    let _ = run_in(&root(), "dpkg", &["--purge", "tinydisplay"]);
    let passwd_before = entries("/etc/passwd");
    let group_before = entries("/etc/group");

    let out = run_in(&root(), "dpkg", &["-i", &deb.to_string_lossy()]);
    ok(&out, "dpkg -i");
    let check = run_in(
        &root(),
        "/usr/bin/tinydisplay",
        &["check", "/etc/tinydisplay/scene.ron"],
    );
    ok(&check, "tinydisplay check /etc/tinydisplay/scene.ron");
    let groups = run_in(&root(), "id", &["-nG", "tinydisplay"]);
    ok(&groups, "id tinydisplay");
    let groups = String::from_utf8_lossy(&groups.stdout);
    for g in ["tinydisplay", "spi", "i2c", "gpio", "video"] {
        assert!(
            groups.split_whitespace().any(|x| x == g),
            "tinydisplay is not in {g}: {groups}"
        );
    }
    let shell = run_in(&root(), "getent", &["passwd", "tinydisplay"]);
    assert!(
        String::from_utf8_lossy(&shell.stdout).contains("/var/lib/tinydisplay:/usr/sbin/nologin"),
        "a system user with no login: {}",
        String::from_utf8_lossy(&shell.stdout)
    );
    let verify = run_in(
        &root(),
        "systemd-analyze",
        &["verify", "/usr/lib/systemd/system/tinydisplay.service"],
    );
    ok(&verify, "systemd-analyze verify");
    let verify_err = String::from_utf8_lossy(&verify.stderr);
    assert!(
        !verify_err.contains("tinydisplay.service:"),
        "systemd-analyze has remarks on the unit:\n{verify_err}"
    );
    // The man page and the completions work.
    let man = std::fs::read("/usr/share/man/man1/tinydisplay.1.gz").expect("man page");
    assert!(man.len() > 200);
    let bash = run_in(
        &root(),
        "bash",
        &[
            "-c",
            "source /usr/share/bash-completion/completions/tinydisplay && complete -p tinydisplay",
        ],
    );
    ok(&bash, "bash completion");
    // An upgrade (the same package again) keeps an edited scene.
    std::fs::write(
        "/etc/tinydisplay/scene.ron",
        std::fs::read_to_string("/etc/tinydisplay/scene.ron").expect("scene") + "\n// edited\n",
    )
    .expect("edit the scene");
    let out = run_in(
        &root(),
        "dpkg",
        &["-i", "--force-confold", &deb.to_string_lossy()],
    );
    ok(&out, "dpkg -i again");
    assert!(
        std::fs::read_to_string("/etc/tinydisplay/scene.ron")
            .expect("scene")
            .contains("// edited"),
        "the user's edit survives an upgrade"
    );

    let out = run_in(&root(), "dpkg", &["--purge", "tinydisplay"]);
    ok(&out, "dpkg --purge");
    for gone in [
        "/usr/bin/tinydisplay",
        "/etc/tinydisplay",
        "/var/lib/tinydisplay",
        "/usr/share/tinydisplay",
        "/usr/lib/systemd/system/tinydisplay.service",
        "/usr/share/man/man1/tinydisplay.1.gz",
    ] {
        assert!(!Path::new(gone).exists(), "{gone} is left after purge");
    }
    assert_eq!(entries("/etc/passwd"), passwd_before, "users after purge");
    assert_eq!(entries("/etc/group"), group_before, "groups after purge");
}

/// A fresh temporary folder under the target dir.
fn tempdir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("td-dist-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
