//! A panel as the engine uses it: a controller's driver, how the panel is mounted and its
//! settings. It packs the whole frame after an init; after that, of a frame's damage it
//! sends only the cells that differ from what the panel holds (the last frame sent), in
//! the windows that cost the fewest bytes on that controller ([`super::windows`]), never
//! more bytes than the damage's aligned rectangles would take.

use std::cell::Cell;

use crate::render::{FrameBuffer, Rect};

use super::driver::{Driver, Pixels, Registers, Settings};
use super::models::Model;
use super::refresh::{RefreshOptions, RefreshPolicy};
use super::rotation::Rotation;
use super::windows::Windows;
use super::wire::Wire;

/// A driven panel.
pub struct Panel {
    model: Model,
    driver: Box<dyn Driver>,
    rotation: Rotation,
    settings: Settings,
    rects: Vec<Rect>,
    refresh: Option<RefreshOptions>,
    /// The changed cells and their windows (None: the controller's damage goes as it is).
    windows: Option<Windows>,
    /// What the panel's RAM holds, as a frame: the last frame sent.
    held: Option<FrameBuffer>,
    /// `held` is what the RAM holds: false until a full frame follows an init.
    known: Cell<bool>,
    /// The windows chosen for a frame.
    chosen: Vec<Rect>,
    /// The same windows in another order, to compare.
    order: Vec<Rect>,
    /// What the controller's address registers hold (unknown after an init).
    regs: Cell<Registers>,
}

impl Panel {
    /// A panel of `model`, mounted turned by `rotation`, with init `settings`.
    pub fn new(model: Model, rotation: Rotation, settings: Settings) -> Panel {
        let driver = model.driver();
        let windows = driver
            .window_cost()
            .map(|cost| Windows::new(cost, model.native()));
        Panel {
            model,
            driver,
            rotation,
            settings,
            rects: Vec::new(),
            refresh: None,
            windows,
            held: None,
            known: Cell::new(false),
            chosen: Vec::new(),
            order: Vec::new(),
            regs: Cell::new(Registers::default()),
        }
    }

    /// Sends every frame's damage as it comes, aligned, never comparing with what the
    /// panel holds: the yardstick of what the damaged pixels need (`bench`).
    pub fn sending_damage(mut self) -> Panel {
        self.windows = None;
        self.held = None;
        self
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
        // A reset leaves RAM unknown until the next full frame.
        self.known.set(false);
        self.regs.set(Registers::default());
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
        let mut regs = self.regs.get();
        self.driver.pack_whole(&px, all, &mut regs, wire);
        self.regs.set(regs);
        self.driver.refresh(&px, &[all], true, wire);
        if self.windows.is_some() {
            match &mut self.held {
                Some(held) => held.copy_from(frame),
                None => self.held = Some(frame.clone()),
            }
            self.known.set(true);
        }
    }

    /// Only what changed of the frame's damage (and a partial refresh of it, on e-paper
    /// that has one): the cells that differ from what the panel holds, in the cheapest
    /// windows, unless that costs more bytes than the damage's aligned rectangles (then
    /// those); address commands the controller's registers already hold are left out.
    /// Before a full frame, or on a controller without a window cost, the damage's
    /// aligned, non-overlapping rectangles, each with all its commands.
    pub fn update(&mut self, frame: &FrameBuffer, damage: &[Rect], wire: &mut Wire) {
        self.damage_rects(frame, damage);
        let mut sticky = false;
        if self.known.get()
            && let (Some(windows), Some(held)) = (&mut self.windows, &mut self.held)
            && held.width() == frame.width()
            && held.height() == frame.height()
            && held.mode() == frame.mode()
        {
            sticky = true;
            for r in damage {
                windows.mark(frame, held, *r, self.rotation);
            }
            let driver = &*self.driver;
            windows.choose(&mut self.chosen, &|end, start| driver.hop_bytes(end, start));
            let regs = self.regs.get();
            let mut changed = bytes_from(driver, windows, &self.chosen, regs);
            // The rows bottom up, when that is cheaper: the registers still hold the
            // last rows of the frame before (page addressing: its last page).
            if self.chosen.first().map(|r| r.y) != self.chosen.last().map(|r| r.y) {
                // `chosen` is ordered by rows, then columns: its row groups reversed,
                // each group's windows kept in their order.
                self.order.clear();
                self.order
                    .extend(self.chosen.chunk_by(|a, b| a.y == b.y).rev().flatten());
                let up = bytes_from(driver, windows, &self.order, regs);
                if up < changed {
                    std::mem::swap(&mut self.chosen, &mut self.order);
                    changed = up;
                }
            }
            if self.chosen.len() > 1
                && let Some(all) = self.chosen.iter().copied().reduce(|a, b| a.union(&b))
            {
                let one = bytes_from(driver, windows, &[all], regs);
                if one <= changed {
                    self.chosen.clear();
                    self.chosen.push(all);
                    changed = one;
                }
            }
            let plain: u64 = self.rects.iter().map(|r| windows.cost_of(*r)).sum();
            if changed <= plain {
                std::mem::swap(&mut self.rects, &mut self.chosen);
            }
            for r in damage {
                held.copy_rect(frame, *r);
            }
        }
        let px = Pixels::new(frame, self.rotation, self.model.native());
        let mut regs = self.regs.get();
        for r in &self.rects {
            if sticky {
                self.driver.pack_from(&px, *r, &mut regs, wire);
            } else {
                regs = Registers::default();
                self.driver.pack(&px, *r, wire);
            }
        }
        self.regs.set(regs);
        if !self.rects.is_empty() {
            self.driver.refresh(&px, &self.rects, false, wire);
        }
    }

    /// The damage as aligned, non-overlapping panel rectangles, into `self.rects`.
    fn damage_rects(&mut self, frame: &FrameBuffer, damage: &[Rect]) {
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

/// The exact bytes of sending `rects` in order from registers `regs`: the address
/// commands the driver would send and the pixels.
fn bytes_from(driver: &dyn Driver, windows: &Windows, rects: &[Rect], mut regs: Registers) -> u64 {
    rects
        .iter()
        .map(|r| driver.address_bytes(*r, &mut regs) + windows.pixel_bytes_of(*r))
        .sum()
}
