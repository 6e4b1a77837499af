//! `tinydisplay doctor` against stand-in machines: a folder with the files a Pi has
//! (`/dev` nodes as plain files, `/boot/firmware/config.txt`, `/etc/group`, ...), given
//! with `--root`. The I2C node's text lists the addresses that answer.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The groups of the stand-in Pi, with their gids.
const GROUPS: [(&str, u32); 3] = [("spi", 999), ("i2c", 998), ("gpio", 997)];

/// A stand-in machine in a temporary folder.
struct Machine {
    dir: PathBuf,
    members: BTreeMap<&'static str, Vec<&'static str>>,
}

impl Machine {
    /// An empty machine: no nodes, no config.txt; users root and pi (uid 4242).
    fn empty(name: &str) -> Machine {
        let dir =
            std::env::temp_dir().join(format!("tinydisplay-doctor-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let m = Machine {
            dir,
            members: GROUPS.iter().map(|(g, _)| (*g, vec!["pi"])).collect(),
        };
        m.file(
            "/etc/passwd",
            "root:x:0:0:root:/root:/bin/bash\npi:x:4242:4242::/home/pi:/bin/bash\nbob:x:4243:4243::/home/bob:/bin/bash\n",
        );
        m.write_groups();
        m
    }

    /// A Pi set up for panels: SPI and I2C on, pi in the spi, i2c and gpio groups, a
    /// device answering at 0x3C on I2C bus 1.
    fn pi(name: &str) -> Machine {
        let m = Machine::empty(name);
        m.file(
            "/boot/firmware/config.txt",
            "[all]\ndtparam=spi=on\ndtparam=i2c_arm=on\n",
        );
        m.node("/dev/spidev0.0", "spi", "");
        m.node("/dev/spidev0.1", "spi", "");
        m.node("/dev/i2c-1", "i2c", "0x3c\n");
        m.node("/dev/gpiomem", "gpio", "");
        m.node("/dev/gpiochip0", "gpio", "");
        m.file("/sys/module/spidev/parameters/bufsiz", "4096\n");
        m
    }

    /// Writes the system file `sys` under the root.
    fn file(&self, sys: &str, text: &str) -> PathBuf {
        let path = self.dir.join(sys.trim_start_matches('/'));
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("folders");
        std::fs::write(&path, text).expect("write");
        path
    }

    /// A device node owned by root and `group`, mode 0660.
    fn node(&self, sys: &str, group: &str, text: &str) {
        let path = self.file(sys, text);
        let gid = GROUPS
            .iter()
            .find(|g| g.0 == group)
            .expect("a known group")
            .1;
        std::os::unix::fs::chown(&path, Some(0), Some(gid))
            .expect("chown (the doctor tests run as root)");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o660)).expect("chmod");
    }

    /// Removes the system file `sys`.
    fn remove(&self, sys: &str) {
        std::fs::remove_file(self.dir.join(sys.trim_start_matches('/'))).expect("remove");
    }

    /// Sets who is in `group` and rewrites `/etc/group`.
    fn members(&mut self, group: &'static str, users: &[&'static str]) {
        self.members.insert(group, users.to_vec());
        self.write_groups();
    }

    fn write_groups(&self) {
        let mut text = String::from("root:x:0:\npi:x:4242:\nbob:x:4243:\n");
        for (g, gid) in GROUPS {
            text.push_str(&format!("{g}:x:{gid}:{}\n", self.members[g].join(",")));
        }
        self.file("/etc/group", &text);
    }

    /// A scene file outside the root (as a user's scene would be).
    fn scene(&self, text: &str) -> PathBuf {
        let path = self.dir.join("scene.ron");
        std::fs::write(&path, text).expect("scene");
        path
    }

    /// Runs `tinydisplay doctor --root DIR ARGS...`: exit status and output.
    fn doctor(&self, args: &[&str]) -> (i32, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_tinydisplay"))
            .arg("doctor")
            .arg("--root")
            .arg(&self.dir)
            .args(args)
            .env_remove("TINYDISPLAY_DOCTOR_ROOT")
            .output()
            .expect("doctor runs");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.code().is_some(),
            "killed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code().unwrap_or(-1), stdout)
    }

    /// Runs the doctor on `scene` as pi.
    fn doctor_scene(&self, scene: &Path) -> (i32, String) {
        let scene = scene.to_str().expect("a UTF-8 path");
        self.doctor(&[scene, "--user", "pi"])
    }
}

impl Drop for Machine {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const I2C_SCENE: &str = r#"Scene(
    display: (width: 128, height: 64, mode: Mono, driver: Ssd1306, bus: I2c(bus: 1, address: 0x3C)),
    widgets: [],
)"#;

const SPI_SCENE: &str = r#"Scene(
    display: (width: 256, height: 64, mode: Gray4, driver: Ssd1322,
              bus: Spi(bus: 0, cs: 0, hz: 10000000, dc: 24, reset: 25)),
    sources: {"input": (source: Gpio(buttons: {"select": (pin: 17)}, encoders: {"knob": (a: 5, b: 6)}))},
    widgets: [],
)"#;

/// The lines of `out` that start with `status`.
fn lines<'a>(out: &'a str, status: &str) -> Vec<&'a str> {
    out.lines()
        .filter(|l| l.split_whitespace().next() == Some(status))
        .collect()
}

#[test]
fn a_ready_pi_is_all_ok_on_i2c_and_spi() {
    let m = Machine::pi("ready");
    for scene in [I2C_SCENE, SPI_SCENE] {
        let (code, out) = m.doctor_scene(&m.scene(scene));
        assert_eq!(code, 0, "{out}");
        assert!(lines(&out, "FAIL").is_empty(), "{out}");
        assert!(lines(&out, "warn").is_empty(), "{out}");
    }
    let (_, out) = m.doctor_scene(&m.scene(I2C_SCENE));
    assert!(
        out.contains("ok    i2c: /dev/i2c-1 present, read/write for pi\n"),
        "{out}"
    );
    assert!(
        out.contains("ok    i2c scan: a device answers at 0x3C on /dev/i2c-1\n"),
        "{out}"
    );
    let (_, out) = m.doctor_scene(&m.scene(SPI_SCENE));
    for line in [
        "ok    spi: /dev/spidev0.0 present, read/write for pi\n",
        "ok    gpio: /dev/gpiomem, /dev/gpiochip0 present, read/write for pi\n",
        "ok    pins: GPIO 24 display.bus.dc, 25 display.bus.reset, 17 sources.input.buttons.select.pin, 5 sources.input.encoders.knob.a, 6 sources.input.encoders.knob.b — each used once, none on a bus's pins\n",
    ] {
        assert!(out.contains(line), "{line} not in:\n{out}");
    }
}

#[test]
fn no_spi_node_gives_the_config_txt_line() {
    let m = Machine::pi("no-spi");
    m.file("/boot/firmware/config.txt", "dtparam=i2c_arm=on\n");
    m.remove("/dev/spidev0.0");
    m.remove("/dev/spidev0.1");
    let (code, out) = m.doctor_scene(&m.scene(SPI_SCENE));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAIL  spi: /dev/spidev0.0 missing — add dtparam=spi=on to /boot/firmware/config.txt (or run sudo raspi-config nonint do_spi 0), then reboot\n"),
        "{out}"
    );
    // Without a scene, one of SPI and I2C is enough: the missing SPI is a warning.
    let (code, out) = m.doctor(&["--user", "pi"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("warn  spi: /dev/spidev0.0 missing — add dtparam=spi=on"),
        "{out}"
    );
}

#[test]
fn a_panel_at_0x3d_gets_the_exact_address_hint() {
    let m = Machine::pi("0x3d");
    m.node("/dev/i2c-1", "i2c", "0x3d\n");
    let (code, out) = m.doctor_scene(&m.scene(I2C_SCENE));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAIL  i2c scan: no device answers at 0x3C on /dev/i2c-1; a device answers at 0x3D — set address: 0x3D in display.bus\n"),
        "{out}"
    );
    m.node("/dev/i2c-1", "i2c", "");
    let (code, out) = m.doctor_scene(&m.scene(I2C_SCENE));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAIL  i2c scan: no device answers on /dev/i2c-1 — check the wiring"),
        "{out}"
    );
}

#[test]
fn a_pin_used_twice_names_both_uses() {
    let m = Machine::pi("twice");
    let scene = SPI_SCENE.replace("(pin: 17)", "(pin: 24)");
    let (code, out) = m.doctor_scene(&m.scene(&scene));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAIL  pins: GPIO 24 is used 2 times: display.bus.dc and sources.input.buttons.select.pin — give each its own pin\n"),
        "{out}"
    );
}

#[test]
fn a_pin_on_a_bus_that_is_on_is_not_free() {
    let m = Machine::pi("bus-pin");
    // The panel is on I2C1, whose SDA is GPIO 2; SPI0 is on in config.txt (GPIO 7-11).
    let scene = I2C_SCENE.replace(
        "widgets: [],",
        r#"sources: {"input": (source: Gpio(buttons: {"a": (pin: 2), "b": (pin: 8)}))}, widgets: [],"#,
    );
    let (code, out) = m.doctor_scene(&m.scene(&scene));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAIL  pins: GPIO 2 (sources.input.buttons.a.pin) is I2C1 SDA, and I2C1 is on — pick a free pin (free: 4, 5, 6, 12)\n"),
        "{out}"
    );
    assert!(
        out.contains("FAIL  pins: GPIO 8 (sources.input.buttons.b.pin) is SPI0 CE0, and SPI0 is on — pick a free pin (free: 4, 5, 6, 12), or turn SPI0 off (remove dtparam=spi=on) if nothing uses it\n"),
        "{out}"
    );
}

#[test]
fn a_user_not_in_the_group_gets_the_usermod_line() {
    let mut m = Machine::pi("group");
    m.members("i2c", &["bob"]);
    let (code, out) = m.doctor_scene(&m.scene(I2C_SCENE));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAIL  i2c: pi cannot read/write /dev/i2c-1 (rw-rw---- root:i2c); pi is not in group i2c — sudo usermod -aG i2c pi, then log out and in again\n"),
        "{out}"
    );
    assert!(
        out.contains("skip  i2c scan: /dev/i2c-1 is not usable"),
        "{out}"
    );
    // bob is in it: the same machine is fine for bob.
    let scene = m.scene(I2C_SCENE);
    let (code, out) = m.doctor(&[scene.to_str().expect("UTF-8"), "--user", "bob"]);
    assert!(lines(&out, "FAIL").is_empty(), "{out}");
    assert_eq!(code, 0, "{out}");
}

#[test]
fn gpio_nodes_need_the_gpio_group() {
    let mut m = Machine::pi("gpio-group");
    m.members("gpio", &[]);
    let (code, out) = m.doctor_scene(&m.scene(SPI_SCENE));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAIL  gpio: pi cannot read/write /dev/gpiomem /dev/gpiochip0 (rw-rw---- root:gpio); pi is not in group gpio — sudo usermod -aG gpio pi, then log out and in again\n"),
        "{out}"
    );
}

#[test]
fn a_chunk_above_spidev_bufsiz_fails() {
    let m = Machine::pi("bufsiz");
    let scene = SPI_SCENE.replace("reset: 25)", "reset: 25, chunk: 65536)");
    let (code, out) = m.doctor_scene(&m.scene(&scene));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAIL  spi buffer: chunk: 65536 is above spidev's bufsiz 4096, so every larger transfer fails — set chunk: 4096 in display.bus, or add spidev.bufsiz=65536 to /boot/firmware/cmdline.txt (one line) and reboot\n"),
        "{out}"
    );
}

#[test]
fn a_clock_above_the_datasheet_is_a_warning() {
    let m = Machine::pi("clock");
    let scene = SPI_SCENE.replace("hz: 10000000", "hz: 40000000");
    let (code, out) = m.doctor_scene(&m.scene(&scene));
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("warn  spi clock: hz: 40000000 (40 MHz) is above the 10 MHz the SSD1322 datasheet allows"),
        "{out}"
    );
}

#[test]
fn without_a_scene_the_installed_one_is_checked_and_json_works() {
    let m = Machine::pi("default-scene");
    m.file(
        "/etc/tinydisplay/scene.ron",
        &I2C_SCENE.replace("0x3C", "0x3D"),
    );
    let (code, out) = m.doctor(&["--user", "pi", "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
    assert_eq!(v["ok"], false);
    let checks = v["checks"].as_array().expect("checks");
    assert!(
        checks.iter().any(|c| c["status"] == "fail"
            && c["check"] == "i2c scan"
            && c["message"]
                == "no device answers at 0x3D on /dev/i2c-1; a device answers at 0x3C — set address: 0x3C in display.bus"),
        "{out}"
    );
}

#[test]
fn the_service_state_comes_from_systemctl() {
    let m = Machine::pi("service");
    m.file(
        "/etc/systemd/system/tinydisplay.service",
        "[Service]\nUser=pi\nExecStart=/usr/local/bin/tinydisplay run /opt/tinydisplay/scenes/panel.ron --sink panel\n",
    );
    m.file("/opt/tinydisplay/scenes/panel.ron", I2C_SCENE);
    let bin = m.file(
        "/fakebin/systemctl",
        "#!/bin/sh\ncase \"$1\" in is-enabled) echo enabled;; is-active) echo active;; esac\n",
    );
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let out = Command::new(env!("CARGO_BIN_EXE_tinydisplay"))
        .args(["doctor", "--user", "pi", "--root"])
        .arg(&m.dir)
        .env("PATH", bin.parent().expect("fakebin"))
        .output()
        .expect("doctor runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("ok    service: tinydisplay.service is enabled, active\n"),
        "{text}"
    );
    // The unit's scene was the one checked.
    assert!(
        text.contains("/opt/tinydisplay/scenes/panel.ron loads: ssd1306 on I2C bus 1 at 0x3C"),
        "{text}"
    );
}

#[test]
fn the_root_can_come_from_the_environment() {
    let m = Machine::pi("env-root");
    m.node("/dev/i2c-1", "i2c", "0x3d\n");
    let scene = m.scene(I2C_SCENE);
    let out = Command::new(env!("CARGO_BIN_EXE_tinydisplay"))
        .arg("doctor")
        .arg(&scene)
        .args(["--user", "pi"])
        .env("TINYDISPLAY_DOCTOR_ROOT", &m.dir)
        .output()
        .expect("doctor runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("a device answers at 0x3D — set address: 0x3D"),
        "{text}"
    );
}

#[test]
fn without_a_scene_one_usable_bus_is_enough() {
    let mut m = Machine::pi("generic");
    m.members("spi", &[]);
    let (code, out) = m.doctor(&["--user", "pi"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("warn  spi: pi cannot read/write /dev/spidev0.0"),
        "{out}"
    );
    assert!(
        out.contains("ok    i2c scan: on /dev/i2c-1: 0x3C\n"),
        "{out}"
    );
    m.members("i2c", &[]);
    let (code, out) = m.doctor(&["--user", "pi"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAIL  i2c: pi cannot read/write /dev/i2c-1"),
        "{out}"
    );
}

#[test]
fn an_e_paper_busy_pin_and_a_character_lcds_pins_are_checked_too() {
    let m = Machine::pi("busy");
    // BUSY on the DC pin: one pin for two jobs.
    let scene = r#"Scene(
    display: (width: 250, height: 122, rotation: 90, driver: Ssd1680,
              bus: Spi(dc: 25, reset: 17, busy: 25)),
    widgets: [],
)"#;
    let (code, out) = m.doctor_scene(&m.scene(scene));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("GPIO 25 is used 2 times: display.bus.dc and display.bus.busy"),
        "{out}"
    );
    // A character LCD on GPIO 4-bit: its data pin on SPI0's MOSI.
    let scene = r#"Scene(
    display: (width: 95, height: 17, driver: Hd44780,
              bus: Gpio4(rs: 26, en: 19, d4: 13, d5: 10, d6: 5, d7: 21)),
    widgets: [],
)"#;
    let (code, out) = m.doctor_scene(&m.scene(scene));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("GPIO 10 (display.bus.d5) is SPI0 MOSI"),
        "{out}"
    );
}
