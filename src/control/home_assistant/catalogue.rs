//! What the display announces to Home Assistant, taken from the running scene: its page
//! names, data sources and text keys, and the discovery prefix. A system keeps it up to
//! date when a scene is swapped in (reload), so the announcement follows the scene.

use std::collections::BTreeSet;
use std::sync::Arc;

use bevy_ecs::prelude::*;
use tokio::sync::watch;

use crate::scene::CompiledScene;
use crate::scene::compile::CompiledWidget;
use crate::scene::schema::HomeAssistantSpec;
use crate::scene::swap::ActiveScene;

/// The entities one scene gives the display in Home Assistant.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Catalogue {
    /// HA's discovery prefix (`homeassistant`).
    pub prefix: String,
    /// Every named page of every widget with pages (sequences), alerts included, in file
    /// order, each once.
    pub pages: Vec<String>,
    /// The scene's data sources by name, in order.
    pub sources: Vec<String>,
    /// The dataset keys HA may write (`text_keys`).
    pub text_keys: Vec<String>,
    /// What the device is, for HA's device page (`128×64 Ssd1306`).
    pub model: String,
}

impl Catalogue {
    /// The catalogue of `scene`; `fallback` stands in when the scene has no
    /// `control.home_assistant` (the `--ha` flag).
    pub fn of(scene: &CompiledScene, fallback: &HomeAssistantSpec) -> Catalogue {
        let spec = scene.control.home_assistant.as_ref().unwrap_or(fallback);
        let mut pages = Vec::new();
        collect_pages(&scene.widgets, &mut pages);
        let mut seen = BTreeSet::new();
        pages.retain(|p| seen.insert(p.clone()));
        let d = &scene.display;
        let model = match &d.panel {
            Some(p) => format!("{}×{} {}", d.width, d.height, p.model.name()),
            None => format!("{}×{}", d.width, d.height),
        };
        Catalogue {
            prefix: spec.discovery_prefix.trim_matches('/').to_owned(),
            pages,
            sources: scene.sources.iter().map(|(n, _)| n.clone()).collect(),
            text_keys: spec.text_keys.clone(),
            model,
        }
    }
}

/// Names of the pages (of any widget with pages) under `widgets`, in file order.
fn collect_pages(widgets: &[CompiledWidget], out: &mut Vec<String>) {
    for w in widgets {
        if w.kind.is_page()
            && let Some(name) = &w.name
        {
            out.push(name.clone());
        }
        collect_pages(&w.children, out);
    }
}

/// Where the catalogue goes: the Home Assistant surface watches it.
#[derive(Resource)]
pub struct CatalogueFeed {
    tx: watch::Sender<Arc<Catalogue>>,
    fallback: HomeAssistantSpec,
}

impl CatalogueFeed {
    /// A feed starting with `first`; `fallback` is used for scenes without a
    /// `control.home_assistant`.
    pub fn new(first: Catalogue, fallback: HomeAssistantSpec) -> CatalogueFeed {
        CatalogueFeed {
            tx: watch::Sender::new(Arc::new(first)),
            fallback,
        }
    }

    /// A receiver that wakes when the catalogue changed.
    pub fn subscribe(&self) -> watch::Receiver<Arc<Catalogue>> {
        self.tx.subscribe()
    }
}

/// Sends the catalogue of a scene swapped in (a reload, a reset) when it differs.
pub fn track(feed: Res<CatalogueFeed>, active: Option<Res<ActiveScene>>) {
    let Some(active) = active else { return };
    if !active.is_changed() {
        return;
    }
    let next = Catalogue::of(&active.0, &feed.fallback);
    feed.tx.send_if_modified(|current| {
        if **current == next {
            return false;
        }
        *current = Arc::new(next);
        true
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_come_from_every_sequence_in_file_order_alerts_included() {
        let scene = crate::scene::compile_str(
            r#"Scene(
                display: (width: 64, height: 32),
                control: (home_assistant: (text_keys: ["msg.text"])),
                widgets: [
                    Sequence(width: 64, height: 16, pages: [
                        Page(name: "clock", children: []),
                        Page(children: []),
                        Page(name: "door", priority: 5, when: "door.open", children: []),
                    ]),
                    Sequence(y: 16, width: 64, height: 16, pages: [
                        Page(name: "weather", children: []),
                        Page(name: "clock", children: []),
                    ]),
                ],
            )"#,
            "inline.ron".as_ref(),
        )
        .expect("a valid scene");
        let cat = Catalogue::of(&scene, &HomeAssistantSpec::default());
        assert_eq!(cat.pages, ["clock", "door", "weather"]);
        assert_eq!(cat.prefix, "homeassistant");
        assert_eq!(cat.text_keys, ["msg.text"]);
        assert_eq!(cat.model, "64×32");
    }
}
