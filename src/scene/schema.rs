//! The scene file's types, as serde reads them from RON. Every field has a default
//! except the few a widget cannot do without (a text's `text`, an image's `file`).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::data::persist::PersistSpec;
use crate::data::rules::Rule;
use crate::data::scene_sources::SourceSpec;
use crate::render::PixelMode;
pub use crate::widget::kind::WidgetSpec;

/// A whole scene file: `Scene(display: (...), fonts: {...}, widgets: [...])`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename = "Scene")]
pub struct SceneFile {
    /// The display's name on the broker (`tinydisplay/<name>/…`), unless `--name` is given.
    #[serde(default)]
    pub name: Option<String>,
    /// Files of shared fonts, data set-up and sources, relative to the scene:
    /// `include: ["common.ron"]`.
    #[serde(default)]
    pub include: Vec<String>,
    /// The panel's size, mode, tick rate and colours.
    #[serde(default)]
    pub display: DisplaySpec,
    /// Fonts by the name widgets use.
    #[serde(default)]
    pub fonts: BTreeMap<String, FontSpec>,
    /// The widget tree, back to front.
    #[serde(default)]
    pub widgets: Vec<WidgetSpec>,
    /// Rules, history, initial values and persistence of the dataset.
    #[serde(default)]
    pub data: DataSpec,
    /// Data sources by name: `{"clock": (source: Clock()), "web": (source: Http(url: "…"))}`.
    #[serde(default)]
    pub sources: BTreeMap<String, SourceSpec>,
    /// Resource limits (dataset, layers, images, templates); every one has a default.
    #[serde(default)]
    pub limits: crate::data::limits::Limits,
    /// Where images from URLs are cached: `image_cache: (dir: "cache", max_mb: 32)`.
    #[serde(default)]
    pub image_cache: ImageCacheSpec,
    /// Control surfaces: `control: (http: "127.0.0.1:8080")`.
    #[serde(default)]
    pub control: ControlSpec,
}

/// The image cache section: folder and size limit for images fetched from URLs.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageCacheSpec {
    /// Folder, relative to the scene file (default `$XDG_CACHE_HOME/tinydisplay/images`,
    /// else `~/.cache/tinydisplay/images`).
    #[serde(default)]
    pub dir: Option<String>,
    /// Megabytes kept at most; the least recently used images go first (default 32).
    #[serde(default = "default_cache_mb")]
    pub max_mb: u64,
}

fn default_cache_mb() -> u64 {
    32
}

impl Default for ImageCacheSpec {
    fn default() -> Self {
        ImageCacheSpec {
            dir: None,
            max_mb: default_cache_mb(),
        }
    }
}

/// Default web preview frames per second (`control.preview_fps`).
pub const DEFAULT_PREVIEW_FPS: u32 = 10;

fn default_preview_fps() -> u32 {
    DEFAULT_PREVIEW_FPS
}

/// The control section: which surfaces steer the running scene.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ControlSpec {
    /// Address of the HTTP API and web preview (`"127.0.0.1:8080"`; off when absent).
    #[serde(default)]
    pub http: Option<String>,
    /// Frames per second the web preview is sent at most, 1..=240 (default 10).
    #[serde(default = "default_preview_fps")]
    pub preview_fps: u32,
    /// MQTT broker for control and health topics (`"mqtt://127.0.0.1:1883"`; off when absent).
    #[serde(default)]
    pub mqtt: Option<String>,
    /// NATS server for control and health subjects (`"nats://127.0.0.1:4222"`; off when absent).
    #[serde(default)]
    pub nats: Option<String>,
    /// A control command run whenever a key changes:
    /// `on_change: {"gpio.select.presses": {"cmd": "next"}}`.
    #[serde(default)]
    pub on_change: BTreeMap<String, serde_json::Value>,
    /// Home Assistant MQTT discovery over the `mqtt` broker (off when absent):
    /// `home_assistant: (text_keys: ["msg.text"])`.
    #[serde(default)]
    pub home_assistant: Option<HomeAssistantSpec>,
    /// Whether a scene sent with the `load` command is also written over this scene's
    /// file (atomically), so it survives a restart (default false: it runs until the next
    /// reload or restart). Read when tinydisplay starts.
    #[serde(default)]
    pub allow_write_scene: bool,
    /// Commands a second each control surface may send (`http`, `mqtt`, `nats`, …), in
    /// bursts of up to ten seconds' worth; more are refused (default 50; 0: no limit).
    #[serde(default = "default_rate_limit")]
    pub rate_limit: u32,
    /// Credentials and TLS of the `mqtt` control connection (and Home Assistant's):
    /// `mqtt_auth: (username: "display", password_file: "mqtt.pw")`.
    #[serde(default)]
    pub mqtt_auth: Option<crate::net::auth::MqttAuth>,
    /// Credentials and TLS of the `nats` control connection:
    /// `nats_auth: (token_env: "NATS_TOKEN", tls: (ca_file: "ca.pem"))`.
    #[serde(default)]
    pub nats_auth: Option<crate::net::auth::NatsAuth>,
}

/// Default commands a second per control surface (`control.rate_limit`).
pub const DEFAULT_RATE_LIMIT: u32 = 50;

fn default_rate_limit() -> u32 {
    DEFAULT_RATE_LIMIT
}

/// The Home Assistant section: where HA looks for discovery and which dataset keys HA
/// may write as `text` entities.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HomeAssistantSpec {
    /// HA's discovery prefix (default `"homeassistant"`, HA's own default).
    #[serde(default = "default_discovery_prefix")]
    pub discovery_prefix: String,
    /// Dataset keys announced as HA `text` entities: writing one sets the key.
    #[serde(default)]
    pub text_keys: Vec<String>,
}

/// HA's default discovery prefix.
pub const DEFAULT_DISCOVERY_PREFIX: &str = "homeassistant";

fn default_discovery_prefix() -> String {
    DEFAULT_DISCOVERY_PREFIX.to_owned()
}

impl Default for HomeAssistantSpec {
    fn default() -> Self {
        HomeAssistantSpec {
            discovery_prefix: default_discovery_prefix(),
            text_keys: Vec::new(),
        }
    }
}

impl Default for ControlSpec {
    fn default() -> Self {
        ControlSpec {
            http: None,
            preview_fps: default_preview_fps(),
            mqtt: None,
            nats: None,
            on_change: BTreeMap::new(),
            home_assistant: None,
            allow_write_scene: false,
            rate_limit: DEFAULT_RATE_LIMIT,
            mqtt_auth: None,
            nats_auth: None,
        }
    }
}

/// The data section: `data: (rules: {...}, history: {...}, initial: {...}, persist: [...])`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct DataSpec {
    /// Per-key rules: `"mpd.volume": (type: Number, default: 50, min: 0, max: 100)`.
    #[serde(default)]
    pub rules: BTreeMap<String, Rule>,
    /// Past values kept per key, by namespace (default 100): `{"mpd": 20}`.
    #[serde(default)]
    pub history: BTreeMap<String, usize>,
    /// Values the dataset starts with: `{"mpd.title": "—"}`.
    #[serde(default)]
    pub initial: BTreeMap<String, serde_json::Value>,
    /// Namespaces saved to a snapshot file and restored at start.
    #[serde(default)]
    pub persist: Vec<PersistSpec>,
}

fn default_width() -> u32 {
    128
}
fn default_height() -> u32 {
    64
}
fn default_fps() -> u32 {
    30
}
fn black() -> String {
    "black".into()
}
fn white() -> String {
    "white".into()
}

/// The display section: `display: (width: 256, height: 64, mode: Gray4, fps: 30)`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DisplaySpec {
    /// Width in pixels (default 128).
    #[serde(default = "default_width")]
    pub width: u32,
    /// Height in pixels (default 64).
    #[serde(default = "default_height")]
    pub height: u32,
    /// Pixel mode: Mono (default), Gray4, Gray8, Rgb565, Rgb888, Bwr (black, white, red).
    #[serde(default)]
    pub mode: PixelMode,
    /// Ticks per second (default 30).
    #[serde(default = "default_fps")]
    pub fps: u32,
    /// Colour behind everything (default black).
    #[serde(default = "black")]
    pub background: String,
    /// Default colour of text and shapes (default white).
    #[serde(default = "white")]
    pub foreground: String,
    /// The panel's controller, for `--sink panel` (default none: previews only).
    #[serde(default)]
    pub driver: Option<crate::panel::Controller>,
    /// How the panel is wired (default none: give `--bus` on the command line).
    #[serde(default)]
    pub bus: Option<crate::panel::BusSpec>,
    /// Clockwise turn of the frame on the panel: 0 (default), 90, 180 or 270.
    #[serde(default)]
    pub rotation: crate::panel::Rotation,
    /// Contrast (OLED) or brightness (TFT), 0..=255 (default 207), or an expression over
    /// the data that computes it (`"clock.hour >= 22 ? 10 : 207"` style:
    /// `"10 if clock.hour >= 22 else 207"`), applied whenever its value changes.
    #[serde(default)]
    pub contrast: Option<crate::widget::NumberOrExpr>,
    /// Show the panel inverted (default false).
    #[serde(default)]
    pub invert: bool,
    /// An expression over the data; while it is true the panel sleeps (display off, low
    /// power), e.g. `"clock.hour >= 23 or clock.hour < 7"`.
    #[serde(default)]
    pub sleep_when: Option<String>,
    /// Render-ahead: `(workers: Auto, depth: 4)` (the default); `workers: 0` renders inline.
    #[serde(default)]
    pub render_ahead: Option<RenderAheadSpec>,
    /// What the panel shows once tinydisplay stops: Clear (default), Sleep or Keep.
    #[serde(default)]
    pub on_exit: crate::panel::power::OnExit,
    /// A character LCD's character ROM: A00 (default, Japanese) or A02 (European).
    #[serde(default)]
    pub rom: Option<crate::panel::rom::Rom>,
    /// E-paper refreshes: `(full_every: 30, min_interval_ms: 1000)`; a missing field takes
    /// the panel's default.
    #[serde(default)]
    pub refresh: Option<crate::panel::refresh::RefreshOptions>,
}

/// How many frames to render ahead, on how many worker threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenderAheadSpec {
    /// Worker threads: a number (0 renders inline) or `Auto` (the default: from the cores).
    #[serde(default)]
    pub workers: crate::ahead::Workers,
    /// Frames rendered ahead at most (default 4).
    #[serde(default = "four")]
    pub depth: usize,
    /// Render ahead only while painting a tick takes at least this many µs on average
    /// (default 500; 0: whenever the state allows).
    #[serde(default = "engage_above_us")]
    pub engage_above_us: u64,
}

fn engage_above_us() -> u64 {
    crate::ahead::DEFAULT_ENGAGE_ABOVE.as_micros() as u64
}

fn four() -> usize {
    4
}

impl Default for DisplaySpec {
    fn default() -> Self {
        DisplaySpec {
            width: default_width(),
            height: default_height(),
            mode: PixelMode::default(),
            fps: default_fps(),
            background: black(),
            foreground: white(),
            driver: None,
            bus: None,
            rotation: crate::panel::Rotation::R0,
            contrast: None,
            invert: false,
            sleep_when: None,
            render_ahead: None,
            on_exit: crate::panel::power::OnExit::default(),
            rom: None,
            refresh: None,
        }
    }
}

/// A font entry: `small: (file: "../assets/fonts/spleen-5x8.bdf")`,
/// `sans: (file: "../assets/fonts/DejaVuSans.ttf", size: 12, fallback: ["small"])`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FontSpec {
    /// BDF or TTF/OTF file, relative to the scene file.
    pub file: String,
    /// Pixel size for outline fonts (default 16; ignored for BDF).
    #[serde(default)]
    pub size: Option<f32>,
    /// Names of fonts to take glyphs from when this one lacks them, in order.
    #[serde(default)]
    pub fallback: Vec<String>,
}
