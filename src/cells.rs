//! `tinydisplay check` for character LCDs: how many custom characters each page needs
//! (above `engine`: it runs the scene to see its pages).
//!
//! The controller holds 8 custom characters (CGRAM); a frame that needs more shows the
//! nearest glyphs in the other cells. The scene's compile does not render, so this check
//! does: it runs the scene (without sources or persistence, with its initial data) for one
//! tick with each page of each sequence shown alone, or the scene as it starts when it
//! has no sequence, and counts the distinct cells no ROM character shows. A page over 8
//! becomes a warning at the page's line and column.

use crate::app::{RunMode, run_ticks};
use crate::engine::Engine;
use crate::panel::driver::hd44780::{SLOTS, custom_patterns};
use crate::panel::models::Family;
use crate::render::FrameBuffer;

use crate::scene::compile::{CompiledScene, CompiledWidget};
use crate::scene::locate::Locator;
use crate::scene::problems::{Problem, Severity};

/// Pages rendered at most (a scene with more is checked on its first ones).
const MAX_PAGES: usize = 64;

/// One frame to render: where it is in the file, and the scene that shows it.
struct Variant {
    path: String,
    scene: CompiledScene,
}

/// Warnings for the pages of a character-LCD scene that need more than 8 custom
/// characters at once (none for other panels).
pub fn custom_character_warnings(scene: &CompiledScene) -> Vec<Problem> {
    let Some(panel) = &scene.display.panel else {
        return Vec::new();
    };
    let Family::Hd44780(model) = panel.model.row().family else {
        return Vec::new();
    };
    let mut sequences = Vec::new();
    find_sequences(&scene.widgets, "widgets", &mut Vec::new(), &mut sequences);
    let mut variants = Vec::new();
    if sequences.is_empty() {
        variants.push(Variant {
            path: "widgets".into(),
            scene: scene.clone(),
        });
    }
    for (path, at, pages) in sequences {
        for j in 0..pages {
            let mut one = scene.clone();
            if let Some(seq) = widget_at(&mut one.widgets, &at) {
                let mut page = seq.children.swap_remove(j);
                page.visible = true;
                page.placement.order = 0;
                seq.children = vec![page];
            }
            variants.push(Variant {
                path: format!("{path}.pages[{j}]"),
                scene: one,
            });
        }
    }
    let src = std::fs::read_to_string(&scene.path).unwrap_or_default();
    let locator = Locator::new(&src);
    let mut out = Vec::new();
    for v in variants.into_iter().take(MAX_PAGES) {
        let n = custom_patterns(&first_frame(v.scene), model, panel.settings.rom);
        if n > SLOTS {
            let (line, col) = locator.find(&v.path).unwrap_or((0, 0));
            let what = if v.path == "widgets" {
                "the scene's first frame"
            } else {
                "this page (its first frame, with the initial data)"
            };
            out.push(Problem {
                severity: Severity::Warning,
                ..Problem::error(
                    &scene.path,
                    line,
                    col,
                    format!(
                        "{what} needs {n} custom characters at once; the controller holds \
                         {SLOTS}, so {} cell pattern(s) will show the nearest glyph",
                        n - SLOTS
                    ),
                )
            });
        }
    }
    out
}

/// The frame `scene` shows after its first tick.
fn first_frame(scene: CompiledScene) -> FrameBuffer {
    let mut app = Engine::new(scene)
        .workers(Some(0))
        .without_sources()
        .without_persistence()
        .build();
    run_ticks(&mut app, RunMode::Ticks(1));
    let fb = app.world().resource::<FrameBuffer>().clone();
    crate::shutdown(app.world_mut());
    fb
}

/// Every sequence under `widgets` (at `path`): its path in the file, its child indices
/// from the top, its number of pages.
fn find_sequences(
    widgets: &[CompiledWidget],
    path: &str,
    at: &mut Vec<usize>,
    out: &mut Vec<(String, Vec<usize>, usize)>,
) {
    for (i, w) in widgets.iter().enumerate() {
        let me = format!("{path}[{i}]");
        at.push(i);
        // A widget with pages (a sequence): each page is checked alone.
        if w.children.iter().any(|c| c.kind.is_page()) {
            out.push((me.clone(), at.clone(), w.children.len()));
            for (j, page) in w.children.iter().enumerate() {
                at.push(j);
                find_sequences(
                    &page.children,
                    &format!("{me}.pages[{j}].children"),
                    at,
                    out,
                );
                at.pop();
            }
        } else {
            find_sequences(&w.children, &format!("{me}.children"), at, out);
        }
        at.pop();
    }
}

/// The widget at child indices `at` from the top.
fn widget_at<'a>(
    widgets: &'a mut [CompiledWidget],
    at: &[usize],
) -> Option<&'a mut CompiledWidget> {
    let (first, rest) = at.split_first()?;
    let w = widgets.get_mut(*first)?;
    if rest.is_empty() {
        Some(w)
    } else {
        widget_at(&mut w.children, rest)
    }
}
