//! Images as a user sees them: animated GIFs loop by their frame delays (damaging the
//! frame only when the picture changes), and images from URLs are fetched from a real
//! local HTTP server off the tick thread, cached on disk, and shown once they arrive.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bevy_app::App;
use serde_json::json;
use tinydisplay::app::{RunMode, Tick, run_ticks};
use tinydisplay::render::FrameBuffer;

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tinydisplay-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    dir
}

/// An 8×4 GIF of three frames: left half lit (100 ms), all lit (200 ms), dark (100 ms).
fn write_gif(path: &Path) {
    let file = std::fs::File::create(path).expect("gif file");
    let mut enc = gif::Encoder::new(file, 8, 4, &[0, 0, 0, 255, 255, 255]).expect("encoder");
    enc.set_repeat(gif::Repeat::Infinite).expect("repeat");
    // (columns lit, delay in hundredths of a second)
    let frames = [(4, 10), (8, 20), (0, 10)];
    for (lit, delay) in frames {
        let pixels: Vec<u8> = (0..32).map(|i| u8::from(i % 8 < lit)).collect();
        let mut frame = gif::Frame::from_indexed_pixels(8, 4, pixels, None);
        frame.delay = delay;
        enc.write_frame(&frame).expect("frame");
    }
}

fn gif_scene(path: &Path) -> String {
    format!(
        r#"Scene(display: (width: 8, height: 4, fps: 30), widgets: [Image(file: "{}")])"#,
        path.display()
    )
}

/// Which of the three frames the display shows.
fn shown(fb: &FrameBuffer) -> usize {
    match (fb.rgb(1, 1)[0] > 0, fb.rgb(6, 1)[0] > 0) {
        (true, false) => 0,
        (true, true) => 1,
        (false, false) => 2,
        other => panic!("not one of the frames: {other:?}"),
    }
}

#[test]
fn an_animated_gif_loops_by_its_frame_delays_and_damages_only_on_a_new_frame() {
    let dir = temp_dir("gif");
    let path = dir.join("anim.gif");
    write_gif(&path);
    let mut app = common::app_for(common::compile(&gif_scene(&path)));
    // At 30 fps: 3, 6 and 3 ticks, a loop of 12.
    let expected = |t: u64| match t % 12 {
        0..=2 => 0,
        3..=8 => 1,
        _ => 2,
    };
    for t in 0..30u64 {
        run_ticks(&mut app, RunMode::Ticks(1));
        let fb = app.world().resource::<FrameBuffer>();
        assert_eq!(shown(fb), expected(t), "tick {t}");
        let new_frame = t > 0 && expected(t) != expected(t - 1);
        assert_eq!(
            !fb.damage().is_empty(),
            t == 0 || new_frame,
            "damage at tick {t}"
        );
    }
    // Jumping straight to tick 1000 shows what 1000 steps show.
    let mut jumped = common::app_for(common::compile(&gif_scene(&path)));
    jumped.world_mut().insert_resource(Tick(1000));
    run_ticks(&mut jumped, RunMode::Ticks(1));
    let mut stepped = common::app_for(common::compile(&gif_scene(&path)));
    run_ticks(&mut stepped, RunMode::Ticks(1001));
    let a = jumped.world().resource::<FrameBuffer>();
    let b = stepped.world().resource::<FrameBuffer>();
    assert_eq!(shown(a), expected(1000));
    assert_eq!(a.to_rgb8(), b.to_rgb8(), "jump and steps agree");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A plain HTTP server serving files from a folder; while `hold` is set it keeps requests
/// waiting.
struct FileServer {
    base: String,
    hold: Arc<AtomicBool>,
    requests: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FileServer {
    fn start(files: Vec<(&'static str, Vec<u8>)>) -> FileServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        listener.set_nonblocking(true).expect("non-blocking");
        let hold = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let files = Arc::new(Mutex::new(files));
        let (h, r, s) = (hold.clone(), requests.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                let Ok((mut stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                r.fetch_add(1, Ordering::SeqCst);
                while h.load(Ordering::SeqCst) && !s.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(5));
                }
                let head = String::from_utf8_lossy(&head);
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                let files = files.lock().expect("files");
                let reply = match files.iter().find(|(p, _)| *p == path) {
                    Some((_, body)) => {
                        let mut r = format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .into_bytes();
                        r.extend_from_slice(body);
                        r
                    }
                    None => {
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .to_vec()
                    }
                };
                let _ = stream.write_all(&reply);
            }
        });
        FileServer {
            base,
            hold,
            requests,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Runs ticks until `done` (hang guard: a minute).
fn run_until(app: &mut App, what: &str, done: impl Fn(&App) -> bool) {
    let start = Instant::now();
    loop {
        run_ticks(app, RunMode::Ticks(1));
        if done(app) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn frame(app: &App) -> Vec<u8> {
    app.world().resource::<FrameBuffer>().to_rgb8()
}

#[test]
fn an_image_url_is_fetched_cached_and_shown_when_it_arrives() {
    let assets = common::root().join("assets/images");
    let png = std::fs::read(assets.join("play.png")).expect("play.png");
    let server = FileServer::start(vec![("/art/cover.png", png)]);
    let dir = temp_dir("url-image");
    let cache = dir.join("cache");
    let scene = |initial: &str| {
        format!(
            r#"Scene(
                display: (width: 32, height: 32, mode: Gray8),
                image_cache: (dir: "{}", max_mb: 1),
                data: (initial: {{"mpd.art": "{initial}"}}),
                widgets: [Image(file: "{{{{ mpd.art }}}}")],
            )"#,
            cache.display()
        )
    };
    let local = |file: &str| {
        let src = format!(
            r#"Scene(display: (width: 32, height: 32, mode: Gray8), widgets: [Image(file: "{file}")])"#
        );
        common::render(&src, 1).to_rgb8()
    };
    let before = local("../assets/images/note.bmp");
    let after = local("../assets/images/play.png");
    assert_ne!(before, after);

    let mut app = common::app_for(common::compile(&scene("../assets/images/note.bmp")));
    run_ticks(&mut app, RunMode::Ticks(1));
    assert_eq!(frame(&app), before);
    // The URL arrives while the server is slow: the old picture stays, ticks go on.
    server.hold.store(true, Ordering::SeqCst);
    let url = format!("{}/art/cover.png", server.base);
    common::set(&mut app, "mpd.art", json!(url));
    run_until(&mut app, "the request", |_| {
        server.requests.load(Ordering::SeqCst) == 1
    });
    run_ticks(&mut app, RunMode::Ticks(5));
    assert_eq!(frame(&app), before, "the previous picture stays meanwhile");
    server.hold.store(false, Ordering::SeqCst);
    run_until(&mut app, "the fetched picture", |app| frame(app) == after);
    let cached: Vec<_> = std::fs::read_dir(&cache).expect("cache folder").collect();
    assert_eq!(cached.len(), 1, "one cached file");
    tinydisplay::shutdown(app.world_mut());

    // Another run with the server gone shows the picture from the cache.
    drop(server);
    let mut again = common::app_for(common::compile(&scene(&url)));
    run_until(&mut again, "the cached picture", |app| frame(app) == after);
    tinydisplay::shutdown(again.world_mut());
    let _ = std::fs::remove_dir_all(&dir);
}
