//! The MPD source against a real `mpd` started with its own configuration in a temporary
//! folder (null audio output, two short silent WAV tracks the test writes, a cover image):
//! play, pause, skip and volume through the MPD protocol reach the dataset and the frames,
//! `elapsed` advances with the tick while playing, and album art lands in a file.

mod common;
mod servers;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use servers::{Killed, tick_until, value};
use tinydisplay::render::FrameBuffer;

/// A silent 8 kHz mono 16-bit WAV of `seconds`, with title and artist in a LIST/INFO chunk.
fn wav(seconds: u32, title: &str, artist: &str) -> Vec<u8> {
    let rate: u32 = 8000;
    let data_len = rate * 2 * seconds;
    let mut info = Vec::new();
    info.extend_from_slice(b"INFO");
    for (id, text) in [(b"INAM", title), (b"IART", artist)] {
        let mut t = text.as_bytes().to_vec();
        t.push(0);
        if t.len() % 2 == 1 {
            t.push(0);
        }
        info.extend_from_slice(id);
        info.extend_from_slice(&(t.len() as u32).to_le_bytes());
        info.extend_from_slice(&t);
    }
    let mut out = Vec::new();
    out.extend_from_slice(b"RIFF");
    let riff_len = 4 + (8 + 16) + (8 + info.len() as u32) + (8 + data_len);
    out.extend_from_slice(&riff_len.to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"LIST");
    out.extend_from_slice(&(info.len() as u32).to_le_bytes());
    out.extend_from_slice(&info);
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    out.resize(out.len() + data_len as usize, 0);
    out
}

/// A tiny MPD client for driving the server: one command, its answer lines.
struct Mpc {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Mpc {
    /// Connects and reads the greeting; panics when the server does not greet.
    fn connect(port: u16) -> Mpc {
        Mpc::open(port).unwrap_or_else(|why| panic!("mpd on {port}: {why}"))
    }

    /// Connects and reads the greeting, or says what went wrong.
    fn open(port: u16) -> Result<Mpc, String> {
        let stream =
            TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect: {e}"))?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| format!("timeout: {e}"))?;
        let writer = stream.try_clone().map_err(|e| format!("clone: {e}"))?;
        let mut c = Mpc {
            reader: BufReader::new(stream),
            writer,
        };
        let mut greeting = String::new();
        c.reader
            .read_line(&mut greeting)
            .map_err(|e| format!("greeting: {e}"))?;
        if greeting.starts_with("OK MPD") {
            Ok(c)
        } else {
            Err(format!("greeting {greeting:?}"))
        }
    }

    fn run(&mut self, command: &str) -> Vec<(String, String)> {
        writeln!(self.writer, "{command}").expect("sent");
        let mut pairs = Vec::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).expect("answer");
            let line = line.trim_end();
            if line == "OK" {
                return pairs;
            }
            assert!(!line.starts_with("ACK"), "{command}: {line}");
            if let Some((k, v)) = line.split_once(": ") {
                pairs.push((k.to_owned(), v.to_owned()));
            }
        }
    }
}

struct Mpd {
    _child: Killed,
    port: u16,
    dir: PathBuf,
}

/// Starts a private `mpd`, ready when it greets a client. A start that exits before
/// greeting (seen once in CI as a refused or reset first connection) is reported with its
/// log and tried again on a fresh port, up to three times.
fn start_mpd() -> Option<Mpd> {
    let Some(bin) = servers::program(&["/usr/bin/mpd", "mpd"]) else {
        return servers::skip("mpd is not installed (Debian package mpd)");
    };
    let dir = std::env::temp_dir().join(servers::unique("mpd"));
    let music = dir.join("music").join("album");
    std::fs::create_dir_all(&music).expect("music folder");
    std::fs::create_dir_all(dir.join("playlists")).expect("playlists folder");
    std::fs::write(music.join("01.wav"), wav(20, "Track One", "The Testers")).expect("wav");
    std::fs::write(music.join("02.wav"), wav(20, "Track Two", "The Testers")).expect("wav");
    let cover = image::RgbImage::from_fn(8, 8, |x, y| {
        image::Rgb([(x * 30) as u8, (y * 30) as u8, 200])
    });
    cover.save(music.join("cover.png")).expect("cover");
    let mut failures = Vec::new();
    for attempt in 1..=3 {
        match launch(&bin, &dir) {
            Ok((child, port)) => {
                if !failures.is_empty() {
                    eprintln!(
                        "mpd started at attempt {attempt}; before:\n{}",
                        failures.join("\n")
                    );
                }
                return Some(Mpd {
                    _child: child,
                    port,
                    dir,
                });
            }
            Err(why) => failures.push(format!("attempt {attempt}: {why}")),
        }
    }
    panic!("mpd never greeted a client:\n{}", failures.join("\n"));
}

/// One `mpd` on a fresh port with its configuration in `dir`: the child and its port once
/// it has greeted a client, or why not (its exit status and log).
fn launch(bin: &Path, dir: &Path) -> Result<(Killed, u16), String> {
    let port = servers::free_port();
    let d = dir.display();
    let conf = format!(
        r#"music_directory "{d}/music"
playlist_directory "{d}/playlists"
db_file "{d}/db"
log_file "{d}/log"
bind_to_address "127.0.0.1"
port "{port}"
auto_update "no"
zeroconf_enabled "no"
audio_output {{
    type "null"
    name "silence"
    mixer_type "software"
}}
"#
    );
    let conf_path = dir.join("mpd.conf");
    std::fs::write(&conf_path, conf).expect("config");
    let _ = std::fs::remove_file(dir.join("log"));
    let child = std::process::Command::new(bin)
        .arg("--no-daemon")
        .arg(&conf_path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("mpd starts");
    let mut child = Killed(child);
    let log = || std::fs::read_to_string(dir.join("log")).unwrap_or_default();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last = String::from("no connection tried");
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.0.try_wait() {
            return Err(format!(
                "port {port}: mpd exited ({status}); last try: {last}; its log:\n{}",
                log()
            ));
        }
        match Mpc::open(port) {
            Ok(_) => return Ok((child, port)),
            Err(why) => last = why,
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!(
        "port {port}: no greeting in 20 s; last try: {last}; its log:\n{}",
        log()
    ))
}

fn wait_for_database(c: &mut Mpc) {
    c.run("update");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = c.run("status");
        let files = c.run("listall");
        let songs = files.iter().filter(|(k, _)| k == "file").count();
        if !status.iter().any(|(k, _)| k == "updating_db") && songs == 2 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the database never had both songs: {files:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn scene(port: u16, art: &Path) -> String {
    format!(
        r#"Scene(
    display: (width: 128, height: 32, mode: Mono, fps: 30),
    fonts: {{"f": (file: "../assets/fonts/spleen-5x8.bdf")}},
    sources: {{
        "music": (source: Mpd(host: "127.0.0.1", port: {port}, art_dir: "{}"),
                  policy: (backoff_initial_ms: 100, backoff_max_ms: 400, jitter: 0.0)),
    }},
    widgets: [
        Text(x: 0, y: 0, text: "{{{{ mpd.title }}}} {{{{ mpd.state }}}}", font: "f"),
        Text(x: 0, y: 10, text: "{{{{ mpd.elapsed_text }}}} vol {{{{ mpd.volume }}}}", font: "f"),
        ProgressBar(x: 0, y: 24, width: 128, height: 6, value: "mpd.elapsed / mpd.duration"),
    ],
)"#,
        art.display()
    )
}

fn frame(app: &bevy_app::App) -> Vec<u8> {
    app.world().resource::<FrameBuffer>().to_rgb8()
}

#[test]
fn follows_play_pause_skip_and_volume() {
    let Some(mpd) = start_mpd() else {
        return;
    };
    let mut c = Mpc::connect(mpd.port);
    wait_for_database(&mut c);
    c.run("add \"\"");
    c.run("setvol 80");
    c.run("play 0");

    let mut app = common::app_for(common::compile_with_sources(&scene(
        mpd.port,
        &mpd.dir.join("art"),
    )));
    let limit = Duration::from_secs(30);
    let playing = tick_until(&mut app, limit, |d| {
        d.get("mpd.state") == Some(&json!("play"))
            && d.get("mpd.title") == Some(&json!("Track One"))
    });
    assert!(
        playing,
        "state {:?}, title {:?}, file {:?}, error {:?}",
        value(&app, "mpd.state"),
        value(&app, "mpd.title"),
        value(&app, "mpd.file"),
        value(&app, "_source.music.last_error")
    );
    assert_eq!(value(&app, "mpd.artist"), json!("The Testers"));
    assert_eq!(value(&app, "mpd.position"), json!(1));
    assert_eq!(value(&app, "mpd.playlist_length"), json!(2));
    assert_eq!(value(&app, "mpd.duration"), json!(20));
    assert_eq!(value(&app, "mpd.duration_text"), json!("0:20"));
    assert_eq!(value(&app, "_source.music.ok"), json!(true));
    // The cover is fetched after the status: wait for it too (hang guard only).
    tick_until(&mut app, limit, |d| d.get("mpd.albumart").is_some());
    let art = value(&app, "mpd.albumart");
    let art_path = PathBuf::from(art.as_str().unwrap_or_default());
    assert!(art_path.extension().is_some_and(|e| e == "png"), "{art}");
    assert_eq!(
        image::open(&art_path)
            .expect("the cached cover opens")
            .width(),
        8
    );

    // Between MPD's reports elapsed advances one second per fps ticks.
    let seq = value(&app, "mpd.status_seq");
    let e0 = value(&app, "mpd.elapsed").as_f64().expect("elapsed");
    let bar0 = frame(&app);
    tinydisplay::app::run_ticks(&mut app, tinydisplay::app::RunMode::Ticks(60));
    let e1 = value(&app, "mpd.elapsed").as_f64().expect("elapsed");
    if value(&app, "mpd.status_seq") == seq {
        assert!(
            (e1 - e0 - 2.0).abs() < 0.05,
            "elapsed {e0} -> {e1} over 60 ticks at 30 fps"
        );
        assert_ne!(bar0, frame(&app), "the progress bar did not move");
    }

    c.run("pause 1");
    assert!(tick_until(&mut app, limit, |d| d.get("mpd.state")
        == Some(&json!("pause"))));
    let paused_at = value(&app, "mpd.elapsed");
    let paused_frame = frame(&app);
    tinydisplay::app::run_ticks(&mut app, tinydisplay::app::RunMode::Ticks(30));
    assert_eq!(
        value(&app, "mpd.elapsed"),
        paused_at,
        "elapsed moves while paused"
    );
    assert_eq!(paused_frame, frame(&app));

    c.run("pause 0");
    c.run("next");
    let skipped = tick_until(&mut app, limit, |d| {
        d.get("mpd.title") == Some(&json!("Track Two"))
            && d.get("mpd.state") == Some(&json!("play"))
    });
    assert!(skipped, "title {:?}", value(&app, "mpd.title"));
    assert_eq!(value(&app, "mpd.position"), json!(2));
    assert_ne!(
        paused_frame,
        frame(&app),
        "the frame did not follow the skip"
    );

    c.run("setvol 40");
    assert!(tick_until(&mut app, limit, |d| d.get("mpd.volume") == Some(&json!(40))));
    c.run("random 1");
    assert!(tick_until(&mut app, limit, |d| d.get("mpd.random")
        == Some(&Value::Bool(true))));
    c.run("stop");
    assert!(tick_until(&mut app, limit, |d| d.get("mpd.state")
        == Some(&json!("stop"))));
    drop(app);
    let _ = std::fs::remove_dir_all(&mpd.dir);
}

#[test]
fn a_lost_mpd_stops_playing_until_it_is_back() {
    let Some(mpd) = start_mpd() else {
        return;
    };
    let mut c = Mpc::connect(mpd.port);
    wait_for_database(&mut c);
    c.run("add \"\"");
    c.run("play 0");
    drop(c);
    let mut app = common::app_for(common::compile_with_sources(&scene(
        mpd.port,
        &mpd.dir.join("art"),
    )));
    let limit = Duration::from_secs(30);
    assert!(tick_until(&mut app, limit, |d| d.get("mpd.state")
        == Some(&json!("play"))
        && d.get("mpd.connected") == Some(&Value::Bool(true))));
    let dir = mpd.dir.clone();
    drop(mpd); // kills mpd
    let lost = tick_until(&mut app, limit, |d| {
        d.get("mpd.connected") == Some(&Value::Bool(false))
    });
    assert!(lost, "mpd.connected {:?}", value(&app, "mpd.connected"));
    assert_eq!(
        value(&app, "mpd.state"),
        json!("stop"),
        "a dead MPD still looks like it is playing"
    );
    let elapsed = value(&app, "mpd.elapsed");
    let before = frame(&app);
    tinydisplay::app::run_ticks(&mut app, tinydisplay::app::RunMode::Ticks(60));
    assert_eq!(value(&app, "mpd.elapsed"), elapsed, "elapsed counts on");
    assert_eq!(before, frame(&app), "the progress bar moves on");
    drop(app);
    let _ = std::fs::remove_dir_all(&dir);
}
