//! The memory plan (`tinydisplay check --plan`): what a checked scene needs in memory at
//! most, item by item, against a budget (the scene's `limits.memory_mb`, or a Raspberry
//! Pi model's RAM less a reserve for the system: `check --device pi3`).
//!
//! The items are upper bounds computed from the scene alone: the frame buffer, the frames
//! render-ahead keeps (its depth, one per worker in flight, the snapshot's base), every
//! widget's layer, images and GIF frames decoded at load (an image whose `file` is bound
//! counts its cache of recent files at the display's size), the dataset with its history
//! buffers (`limits.dataset_bytes`), each source's line, output and value limits, and a
//! fixed baseline for the program itself.

use serde::Serialize;

use super::compile::{CompiledScene, CompiledWidget};
use crate::ahead::workers::auto_workers;

/// The program's own memory before any scene: code, heap, fonts' glyph caches, the
/// threads' stacks in use (measured: `run --sink none` of a bare scene stays under it).
pub const BASELINE_BYTES: u64 = 16 * MIB;

/// Memory a device keeps for the system (the kernel, systemd, a shell, MPD): 256 MB.
pub const RESERVE_MB: u64 = 256;

const MIB: u64 = 1024 * 1024;

/// A Raspberry Pi model to plan for: its RAM (the smallest model commonly sold) less
/// [`RESERVE_MB`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// Raspberry Pi Zero 2 W: 512 MB, 4 cores.
    PiZero2W,
    /// Raspberry Pi 3 (B, B+, A+ counts as it): 1 GB, 4 cores.
    Pi3,
    /// Raspberry Pi 4 B, the 1 GB model: 4 cores.
    Pi4,
    /// Raspberry Pi 5, the 2 GB model (the 1 GB one is rare): 4 cores.
    Pi5,
}

impl Device {
    /// Every model, in the order `--device` lists them.
    pub const ALL: [Device; 4] = [Device::PiZero2W, Device::Pi3, Device::Pi4, Device::Pi5];

    /// RAM in MB.
    pub fn ram_mb(self) -> u64 {
        match self {
            Device::PiZero2W => 512,
            Device::Pi3 | Device::Pi4 => 1024,
            Device::Pi5 => 2048,
        }
    }

    /// CPU cores (every model: 4).
    pub fn cores(self) -> usize {
        4
    }

    /// Its name as `--device` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Device::PiZero2W => "pi-zero-2w",
            Device::Pi3 => "pi3",
            Device::Pi4 => "pi4",
            Device::Pi5 => "pi5",
        }
    }
}

impl std::str::FromStr for Device {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Device::ALL
            .into_iter()
            .find(|d| d.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                let names: Vec<&str> = Device::ALL.iter().map(|d| d.name()).collect();
                format!("{s:?} is not a device: {}", names.join(", "))
            })
    }
}

/// One line of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    /// What it is (`"render-ahead frames (depth 4 + 2 workers + 1)"`).
    pub what: String,
    /// Bytes at most.
    pub bytes: u64,
}

/// What the plan is compared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Budget {
    /// Bytes available.
    pub bytes: u64,
    /// Where the number comes from.
    pub from: String,
}

/// A scene's memory plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// The items, largest first.
    pub items: Vec<Item>,
    /// Their sum.
    pub total: u64,
    /// The budget, when the scene or `--device` gives one.
    pub budget: Option<Budget>,
}

impl Plan {
    /// True when the total is over the budget.
    pub fn over(&self) -> bool {
        self.budget.as_ref().is_some_and(|b| self.total > b.bytes)
    }

    /// The `check` error of a plan over budget, naming the biggest items; None within it.
    pub fn problem(&self) -> Option<String> {
        let budget = self.budget.as_ref().filter(|_| self.over())?;
        let biggest: Vec<String> = self
            .items
            .iter()
            .take(3)
            .map(|i| format!("{} {}", i.what, mb(i.bytes)))
            .collect();
        Some(format!(
            "the memory plan needs up to {}, over the budget of {} ({}); the biggest items: {}; \
             lower them (see `tinydisplay check --plan` and docs/scenes.md, Memory plan)",
            mb(self.total),
            mb(budget.bytes),
            budget.from,
            biggest.join(", ")
        ))
    }

    /// The plan as text, one item a line.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for i in &self.items {
            out.push_str(&format!("{:>10}  {}\n", mb(i.bytes), i.what));
        }
        out.push_str(&format!("{:>10}  total\n", mb(self.total)));
        match &self.budget {
            Some(b) => out.push_str(&format!(
                "{:>10}  budget ({}): {}\n",
                mb(b.bytes),
                b.from,
                if self.over() { "OVER" } else { "within" }
            )),
            None => out.push_str("no budget: give limits.memory_mb or --device\n"),
        }
        out
    }
}

/// Megabytes with one decimal.
pub fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / MIB as f64)
}

/// The plan of `scene`, against `device` when given, else the scene's `limits.memory_mb`
/// (the smaller of the two when both are). With a device, render-ahead workers `Auto`
/// count as that device's.
pub fn plan(scene: &CompiledScene, device: Option<Device>) -> Plan {
    let d = &scene.display;
    let channels = d.mode.channels() as u64;
    let frame = u64::from(d.width) * u64::from(d.height) * channels;
    let mut items = vec![
        Item {
            what: "program baseline (code, heap, fonts, threads)".into(),
            bytes: BASELINE_BYTES,
        },
        Item {
            what: format!("frame buffer ({}x{} {:?})", d.width, d.height, d.mode),
            bytes: frame,
        },
    ];
    let ahead = d.render_ahead.unwrap_or_default();
    let workers = match device {
        Some(dev) if d.workers_auto => auto_workers(dev.cores()),
        _ => ahead.workers,
    };
    if workers > 0 && ahead.depth > 0 {
        let frames = (ahead.depth + workers + 1) as u64;
        items.push(Item {
            what: format!(
                "render-ahead frames (depth {} + {workers} worker(s) + the snapshot's base)",
                ahead.depth
            ),
            bytes: frames * frame,
        });
    }
    let layer_of = |w: u32, h: u32| u64::from(w) * u64::from(h) * (channels + 1);
    let mut layers = 0;
    let mut count = 0;
    walk(&scene.widgets, &mut |w| {
        let (mut lw, mut lh) = w.kind.size();
        if lw == 0 || lh == 0 {
            (lw, lh) = (d.width, d.height);
        }
        layers += layer_of(lw, lh);
        count += 1;
        let decoded = w.kind.decoded_bytes();
        let bound: Vec<&str> = w.bindings.iter().map(|b| b.target).collect();
        let recent = w.kind.bound_bytes(&bound, layer_of(d.width, d.height));
        let bytes = decoded + recent.map_or(0, |r| r.0);
        if bytes > 0 {
            items.push(Item {
                what: format!(
                    "{} {} ({})",
                    w.kind.kind_name().unwrap_or("widget").to_lowercase(),
                    w.name.as_deref().unwrap_or("(unnamed)"),
                    recent.map_or("decoded, GIF frames included", |r| r.1)
                ),
                bytes,
            });
        }
    });
    items.push(Item {
        what: format!("widget layers ({count} widgets; twice: the tick's and render-ahead's)"),
        bytes: layers * if workers > 0 { 2 } else { 1 },
    });
    items.push(Item {
        what: "dataset: values and history buffers (limits.dataset_bytes)".into(),
        bytes: scene.limits.dataset_bytes as u64,
    });
    for (name, spec) in &scene.sources {
        // A source set to `enabled: false` never runs: it holds nothing.
        if spec.enabled == crate::data::scene_sources::Enabled::Always(false) {
            continue;
        }
        let p = &spec.policy;
        items.push(Item {
            what: format!("source {name}: line, output and value limits"),
            bytes: (p.max_line_bytes + p.max_output_bytes + p.max_value_bytes) as u64,
        });
    }
    items.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.what.cmp(&b.what)));
    let total = items.iter().map(|i| i.bytes).sum();
    let from_scene = (scene.limits.memory_mb > 0).then(|| Budget {
        bytes: scene.limits.memory_mb.saturating_mul(MIB),
        from: format!("limits.memory_mb: {}", scene.limits.memory_mb),
    });
    let from_device = device.map(|dev| Budget {
        bytes: dev.ram_mb().saturating_sub(RESERVE_MB) * MIB,
        from: format!(
            "--device {}: {} MB RAM less a {RESERVE_MB} MB reserve",
            dev.name(),
            dev.ram_mb()
        ),
    });
    let budget = match (from_scene, from_device) {
        (Some(a), Some(b)) => Some(if a.bytes <= b.bytes { a } else { b }),
        (a, b) => a.or(b),
    };
    Plan {
        items,
        total,
        budget,
    }
}

/// Calls `f` on every widget of the tree, children after their parent.
fn walk(widgets: &[CompiledWidget], f: &mut dyn FnMut(&CompiledWidget)) {
    for w in widgets {
        f(w);
        walk(&w.children, f);
    }
}
