//! A property test over mutated scenes: take the scenes in `scenes/` and a few hostile
//! seeds, mutate bytes, tokens and numbers with a seeded generator, and `check` each; when
//! the check passes, run a few ticks. Neither may panic (or abort). Bounded: at most
//! `TINYDISPLAY_FUZZ_CASES` cases (default 400) and at most 45 s, whichever comes first;
//! `TINYDISPLAY_FUZZ_SEED` picks another seed. A failing case is printed with its seed.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use tinydisplay::app::{RunMode, run_ticks};
use tinydisplay::scene::compile_str;

/// xorshift64*: reproducible, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Numbers that tend to break things.
const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1",
    "255",
    "256",
    "4096",
    "65535",
    "65536",
    "100000",
    "2147483647",
    "-2147483648",
    "4294967295",
    "18446744073709551615",
    "1e30",
    "-1e30",
    "NaN",
    "inf",
    "-inf",
    "0.0001",
    "-1000000",
];

/// Snippets spliced in: widgets, templates, fields.
const SNIPPETS: &[&str] = &[
    "Canvas(width: 9, height: 9, children: [Text(text: \"x\")]),",
    "Text(text: \"{{ a.b }}\", fallback: \"f\"),",
    "Text(text: \"{% for i in range(100000) %}{{ i }}{% endfor %}\"),",
    "Marquee(width: 10, height: 8, child: Text(text: \"long long long long\")),",
    "Image(file: \"../assets/images/play.png\", width: 3),",
    "line_spacing: -100,",
    "wrap: true,",
    "Rectangle(width: 1, height: 1, line_width: 4000000000),",
    "Line(x1: 0, y1: 0, x2: 100000, y2: 3),",
    "ProgressBar(width: 10, height: 2, value: \"1/0\"),",
    "Index(width: 8, height: 8, select: \"-5\", children: [Text(text: \"a\")]),",
    "\u{feff}",
    "é",
    "\"",
    "(",
    "]",
];

fn mutate(src: &str, rng: &mut Rng) -> String {
    let mut s = src.as_bytes().to_vec();
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        let at = rng.below(s.len() + 1).min(s.len());
        match rng.below(7) {
            // Flip a byte.
            0 if !s.is_empty() => {
                let i = at.min(s.len() - 1);
                s[i] = (rng.next() & 0xFF) as u8;
            }
            // Delete a run.
            1 if !s.is_empty() => {
                let n = 1 + rng.below(16);
                let end = (at + n).min(s.len());
                s.drain(at.min(end)..end);
            }
            // Duplicate a run (nesting, repeated fields).
            2 if !s.is_empty() => {
                let n = 1 + rng.below(200);
                let start = at.min(s.len() - 1);
                let end = (start + n).min(s.len());
                let run: Vec<u8> = s[start..end].to_vec();
                s.splice(end..end, run);
            }
            // Replace a number with a nasty one.
            3 | 4 => {
                let digits: Vec<usize> = s
                    .iter()
                    .enumerate()
                    .filter(|(i, b)| b.is_ascii_digit() && (*i == 0 || !s[i - 1].is_ascii_digit()))
                    .map(|(i, _)| i)
                    .collect();
                if let Some(&i) = digits.get(rng.below(digits.len())) {
                    let end = s[i..]
                        .iter()
                        .position(|b| !(b.is_ascii_digit() || *b == b'.'))
                        .map_or(s.len(), |p| i + p);
                    let n = NUMBERS[rng.below(NUMBERS.len())].as_bytes().to_vec();
                    s.splice(i..end, n);
                }
            }
            // Splice in a snippet.
            _ => {
                let snip = SNIPPETS[rng.below(SNIPPETS.len())].as_bytes().to_vec();
                s.splice(at..at, snip);
            }
        }
    }
    String::from_utf8_lossy(&s).into_owned()
}

/// Small hostile seeds besides the repository's scenes.
const SEEDS: &[&str] = &[
    r#"Scene(display: (width: 64, height: 32), widgets: [
        Text(x: 1, y: 1, text: "a b c d e f", width: 30, wrap: true, line_spacing: 2),
        Canvas(x: 0, y: 10, width: 64, height: 20, children: [
            Rectangle(width: 64, height: 20, outline: "white", line_width: 2),
            Marquee(width: 60, height: 8, child: Text(text: "{{ t.x }}", fallback: "-")),
        ]),
    ], data: (initial: {"t.x": "hello"}))"#,
    r#"Scene(display: (width: 32, height: 16, mode: Rgb565), fonts: {"s": (file: "../assets/fonts/DejaVuSans.ttf", size: 9)},
        widgets: [Text(text: "Ab", font: "s"), Image(file: "../assets/images/sphere.jpg", width: 16)])"#,
];

#[test]
fn mutated_scenes_never_panic_in_check_or_run() {
    let cases: usize = std::env::var("TINYDISPLAY_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(400);
    let seed: u64 = std::env::var("TINYDISPLAY_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x7e57_5eed);
    let budget = Duration::from_secs(45);
    let dir = common::root().join("scenes");
    let mut corpus: Vec<String> = SEEDS.iter().map(|s| (*s).to_owned()).collect();
    for entry in std::fs::read_dir(&dir).expect("scenes/") {
        let path = entry.expect("an entry").path();
        if path.extension().is_some_and(|e| e == "ron") {
            corpus.push(std::fs::read_to_string(&path).expect("a scene"));
        }
    }
    let path = dir.join("fuzz.ron");
    let started = Instant::now();
    let (mut run, mut accepted, mut ran) = (0usize, 0usize, 0usize);
    let mut rng = Rng(seed | 1);
    while run < cases && started.elapsed() < budget {
        let case_seed = rng.next() | 1;
        let mut case_rng = Rng(case_seed);
        let base = &corpus[case_rng.below(corpus.len())];
        let src = mutate(base, &mut case_rng);
        run += 1;
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let Ok(mut scene) = compile_str(&src, &path) else {
                return (false, false);
            };
            // No sources (they would start programs and clocks) and no snapshots
            // (they would write into scenes/): the render path is what is fuzzed.
            scene.sources.clear();
            scene.data.persist.clear();
            let big = u64::from(scene.display.width) * u64::from(scene.display.height) > 1 << 20;
            if big {
                // Valid but slow to render many of at opt-level 1: checked, not run.
                return (true, false);
            }
            let mut app = common::app_for(scene);
            run_ticks(&mut app, RunMode::Ticks(3));
            tinydisplay::shutdown(app.world_mut());
            (true, true)
        }));
        match outcome {
            Ok((a, r)) => {
                accepted += usize::from(a);
                ran += usize::from(r);
            }
            Err(_) => panic!(
                "case {run} (seed {case_seed}) panicked; the scene was:\n{src}\n(rerun with TINYDISPLAY_FUZZ_SEED={seed})"
            ),
        }
    }
    eprintln!(
        "fuzz: {run} mutated scenes in {:?}: {accepted} passed check, {ran} ran 3 ticks, 0 panics",
        started.elapsed()
    );
    assert!(run >= 50.min(cases), "only {run} cases ran");
}
