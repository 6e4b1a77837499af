//! A panel as the engine uses it: a controller's driver, how the panel is mounted and its
//! settings. It turns a frame's damage into the fewest aligned panel rectangles and packs
//! them, or the whole frame after an init.

use crate::render::{FrameBuffer, Rect};

use super::driver::{Driver, Pixels, Settings};
use super::models::Model;
use super::refresh::{RefreshOptions, RefreshPolicy};
use super::rotation::Rotation;
use super::wire::Wire;

/// A driven panel.
pub struct Panel {
    model: Model,
    driver: Box<dyn Driver>,
    rotation: Rotation,
    settings: Settings,
    rects: Vec<Rect>,
    refresh: Option<RefreshOptions>,
}

impl Panel {
    /// A panel of `model`, mounted turned by `rotation`, with init `settings`.
    pub fn new(model: Model, rotation: Rotation, settings: Settings) -> Panel {
        Panel {
            model,
            driver: model.driver(),
            rotation,
            settings,
            rects: Vec::new(),
            refresh: None,
        }
    }

    /// Takes the scene's refresh options (e-paper) instead of the controller's defaults.
    pub fn with_refresh(mut self, options: Option<RefreshOptions>) -> Panel {
        self.refresh = options;
        self
    }

    /// When and how the panel refreshes (e-paper); None: every frame shows at once.
    pub fn refresh_policy(&self) -> Option<RefreshPolicy> {
        self.driver
            .refresh_limits()
            .map(|l| RefreshPolicy::new(l, self.refresh))
    }

    /// The model.
    pub fn model(&self) -> Model {
        self.model
    }

    /// The size of the frames it shows (the native size, turned).
    pub fn frame_size(&self) -> (u32, u32) {
        self.rotation.frame_size(self.model.native())
    }

    /// True when `frame` has this panel's size and pixel mode.
    pub fn fits(&self, frame: &FrameBuffer) -> bool {
        (frame.width(), frame.height()) == self.frame_size() && frame.mode() == self.model.mode()
    }

    /// Reset pulse and the controller's init sequence.
    pub fn init(&self, wire: &mut Wire) {
        wire.reset();
        if self.settings.backlight_pwm {
            wire.backlight_level(self.settings.contrast);
        }
        self.driver.init(&self.settings, wire);
    }

    /// The whole frame (and a full refresh, on e-paper).
    pub fn full(&mut self, frame: &FrameBuffer, wire: &mut Wire) {
        let (w, h) = self.model.native();
        let px = Pixels::new(frame, self.rotation, self.model.native());
        let all = Rect::new(0, 0, w, h);
        self.driver.pack(&px, all, wire);
        self.driver.refresh(&px, &[all], true, wire);
    }

    /// Only the damaged parts of the frame, as aligned, non-overlapping panel rectangles
    /// (and a partial refresh of them, on e-paper that has one).
    pub fn update(&mut self, frame: &FrameBuffer, damage: &[Rect], wire: &mut Wire) {
        let native = self.model.native();
        let panel = Rect::new(0, 0, native.0, native.1);
        self.rects.clear();
        for r in damage {
            let r = r.intersect(&frame.bounds());
            if r.is_empty() {
                continue;
            }
            let mut cur = self
                .driver
                .align(self.rotation.rect_to_panel(r, native))
                .intersect(&panel);
            // Merge with anything it touches, until it touches nothing (aligned stays aligned).
            while let Some(i) = self.rects.iter().position(|o| o.overlaps(&cur)) {
                cur = cur.union(&self.rects.swap_remove(i));
            }
            self.rects.push(cur);
        }
        let px = Pixels::new(frame, self.rotation, native);
        for r in &self.rects {
            self.driver.pack(&px, *r, wire);
        }
        if !self.rects.is_empty() {
            self.driver.refresh(&px, &self.rects, false, wire);
        }
    }

    /// Sets contrast or brightness.
    pub fn contrast(&self, level: u8, wire: &mut Wire) {
        self.driver.contrast(level, wire);
        if self.settings.backlight_pwm {
            wire.backlight_level(level);
        }
    }

    /// Sets contrast or brightness and keeps it for later initialisations.
    pub fn set_contrast(&mut self, level: u8, wire: &mut Wire) {
        self.settings.contrast = level;
        self.contrast(level, wire);
    }

    /// Inverts the display (or not).
    pub fn invert(&self, on: bool, wire: &mut Wire) {
        self.driver.invert(on, wire);
    }

    /// Sleeps or wakes the panel. An e-paper controller wakes from deep sleep only by a
    /// reset, so waking it initialises it again (its glass kept the picture).
    pub fn sleep(&self, asleep: bool, wire: &mut Wire) {
        if !asleep && self.driver.refresh_limits().is_some() {
            self.init(wire);
        } else {
            self.driver.sleep(asleep, wire);
        }
    }
}
