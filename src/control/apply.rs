//! Applying commands inside the tick: drained at `Ingest` (a bounded number per tick),
//! each answered on its reply channel once the tick has published its result.

use bevy_ecs::prelude::*;

use super::channel::ControlInbox;
use super::command::{Command, Reply};
use super::events::EngineEvent;
use super::state::SceneStatus;
use crate::app::{Fps, Paused, Tick};
use crate::data::Dataset;
use crate::panel::power::{PanelContrast, PanelPower};
use crate::scene::WidgetName;
use crate::scene::swap::{ActiveScene, swap};
use crate::sink::present::Sinks;
use crate::source::throttle::Throttle;
use crate::widget::sequence::{Page, Sequence};

/// Commands applied per tick at most: as many as may wait ([`super::channel::QUEUE`]),
/// so every queued command is applied in the next tick.
pub const PER_TICK: usize = super::channel::QUEUE;

/// A command that was applied, with its tick and who sent it, for whoever records the
/// run (see [`super::record`]).
#[derive(Resource, Debug, Default)]
pub struct Applied(pub Vec<(u64, Command, super::Origin)>);

/// Replies held until the tick has published what its commands changed, so a client
/// that reads the state or the dataset after its reply sees the command's effect.
#[derive(Resource, Default)]
pub struct HeldReplies(Vec<(tokio::sync::oneshot::Sender<Reply>, Reply)>);

impl HeldReplies {
    /// True when no reply waits.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sends the replies held this tick (at `Present`, once the state is published).
    pub fn answer(&mut self) {
        for (to, reply) in self.0.drain(..) {
            // The surface may have given up waiting; that changes nothing here.
            let _ = to.send(reply);
        }
    }
}

/// Drains waiting commands and applies them in order (an exclusive system at `Ingest`).
/// Refusals are logged at most once per 10 s with a count (a client may send thousands).
pub fn apply_commands(world: &mut World, mut refusals: Local<Throttle>) {
    let Some(requests) = world
        .get_resource::<ControlInbox>()
        .map(|i| i.take(PER_TICK))
    else {
        return;
    };
    for req in requests {
        let reply = apply(world, &req.command);
        match &reply {
            // The audit line: every applied command, once, with who sent it.
            Reply::Ok => log::info!("control ({}): {}", req.origin, req.command.summary()),
            Reply::Error(e) => {
                if let Some(held) = refusals.allow() {
                    log::info!(
                        "control ({}): {} refused: {e}{}",
                        req.origin,
                        req.command.name(),
                        if held > 0 {
                            format!(" ({held} more refusals not logged)")
                        } else {
                            String::new()
                        }
                    );
                }
            }
        }
        if reply.is_ok() {
            let tick = world.get_resource::<Tick>().map_or(0, |t| t.0);
            if let Some(mut applied) = world.get_resource_mut::<Applied>() {
                applied
                    .0
                    .push((tick, req.command.clone(), req.origin.clone()));
            }
        }
        world
            .get_resource_or_init::<HeldReplies>()
            .0
            .push((req.reply, reply));
    }
}

/// Applies one command to the world.
pub fn apply(world: &mut World, cmd: &Command) -> Reply {
    let tick = world.get_resource::<Tick>().map_or(0, |t| t.0);
    match cmd {
        Command::Set { key, value } => {
            match world
                .get_resource_or_init::<Dataset>()
                .try_set(key, value.clone(), tick)
            {
                Ok(_) => Reply::Ok,
                Err(why) => Reply::error(why.to_string()),
            }
        }
        Command::Page { name } => show_named(world, name, tick),
        Command::Next => shift(world, 1, tick),
        Command::Previous => shift(world, -1, tick),
        Command::Pause => {
            *world.get_resource_or_init::<Paused>() = Paused {
                paused: true,
                steps: 0,
            };
            Reply::Ok
        }
        Command::Resume => {
            *world.get_resource_or_init::<Paused>() = Paused::default();
            Reply::Ok
        }
        Command::Step { n } => {
            let mut p = world.get_resource_or_init::<Paused>();
            p.paused = true;
            p.steps = p.steps.saturating_add(*n);
            Reply::Ok
        }
        Command::Reset => reset(world),
        Command::Seek { tick } => match crate::scene::seek::seek(world, *tick) {
            Ok(()) => Reply::Ok,
            Err(e) => Reply::error(e.to_string()),
        },
        Command::Reload => reload(world),
        Command::Load { scene } => super::load::load(world, scene),
        Command::Contrast { value } | Command::Brightness { value } => contrast(world, *value),
        Command::Alert { page, seconds } => {
            let fps = world.get_resource::<Fps>().map_or(30, |f| f.0.max(1));
            let ticks = u64::from(*seconds) * u64::from(fps);
            with_named(world, page, |world, seq, pages, i| {
                let n = pages.len();
                if let Some(mut s) = world.get_mut::<Sequence>(seq) {
                    s.state.force(i, n, tick, ticks);
                }
                Reply::Ok
            })
        }
        Command::Sleep | Command::Wake => {
            let asleep = matches!(cmd, Command::Sleep);
            let mut power = world.get_resource_or_init::<PanelPower>();
            if power.asleep != asleep {
                power.asleep = asleep;
            }
            Reply::Ok
        }
    }
}

/// The pages (entities, in order) of every sequence, with their sequence.
fn sequences(world: &mut World) -> Vec<(Entity, Vec<Entity>)> {
    let mut pages = world.query_filtered::<Entity, With<Page>>();
    let page_ids: Vec<Entity> = pages.iter(world).collect();
    let mut seqs = world.query_filtered::<(Entity, &Children), With<Sequence>>();
    seqs.iter(world)
        .map(|(e, children)| {
            let list = children
                .iter()
                .filter(|c| page_ids.contains(c))
                .collect::<Vec<_>>();
            (e, list)
        })
        .collect()
}

/// Shows page `index` of the sequence `seq` whose pages are `pages`.
fn show(world: &mut World, seq: Entity, pages: &[Entity], index: usize, tick: u64) {
    let eligible: Vec<bool> = pages
        .iter()
        .map(|p| world.get::<Page>(*p).is_some_and(|p| p.eligible))
        .collect();
    if let Some(mut s) = world.get_mut::<Sequence>(seq) {
        s.state.show(index, &eligible, tick);
    }
}

fn show_named(world: &mut World, name: &str, tick: u64) -> Reply {
    with_named(world, name, |world, seq, pages, i| {
        if world.get::<Page>(pages[i]).is_some_and(|p| !p.eligible) {
            // Shown now, the rotation would take it away at the next tick.
            return Reply::error(format!(
                "page {name:?} cannot be shown now: its `when` is false (it shows by itself once its condition holds)"
            ));
        }
        show(world, seq, pages, i, tick);
        Reply::Ok
    })
}

/// Runs `act` on the sequence holding the page named `name` (with its pages and the
/// page's index) and answers what it answers, or says which names there are.
fn with_named(
    world: &mut World,
    name: &str,
    act: impl FnOnce(&mut World, Entity, &[Entity], usize) -> Reply,
) -> Reply {
    let seqs = sequences(world);
    let mut known = Vec::new();
    for (seq, pages) in &seqs {
        for (i, p) in pages.iter().enumerate() {
            match world.get::<WidgetName>(*p) {
                Some(n) if n.0 == name => {
                    return act(world, *seq, pages, i);
                }
                Some(n) => known.push(n.0.clone()),
                None => {}
            }
        }
    }
    Reply::error(if known.is_empty() {
        format!("no page named {name:?}: no page has a name (give a Page a `name`)")
    } else {
        format!("no page named {name:?} (pages: {})", known.join(", "))
    })
}

fn shift(world: &mut World, by: i64, tick: u64) -> Reply {
    let seqs = sequences(world);
    if seqs.is_empty() {
        return Reply::Error("the scene has no Sequence to page through".into());
    }
    for (seq, pages) in &seqs {
        let n = pages.len() as i64;
        if n == 0 {
            continue;
        }
        // Rotation pages only: alerts come by themselves.
        let rotation: Vec<bool> = pages
            .iter()
            .map(|p| world.get::<Page>(*p).is_some_and(|p| p.priority.is_none()))
            .collect();
        let Some(shown) = world
            .get::<Sequence>(*seq)
            .map(|s| s.state.current.unwrap_or(0))
        else {
            continue;
        };
        let next = (1..=n)
            .map(|k| (shown as i64 + by * k).rem_euclid(n) as usize)
            .find(|&j| rotation[j])
            .unwrap_or(shown);
        show(world, *seq, pages, next, tick);
    }
    Reply::Ok
}

fn reset(world: &mut World) -> Reply {
    let Some(active) = world.get_resource::<ActiveScene>().map(|a| a.0.clone()) else {
        return Reply::Error("no scene is running".into());
    };
    match swap(world, active) {
        Ok(_) => {
            if let Some(mut t) = world.get_resource_mut::<Tick>() {
                t.0 = 0;
            }
            Reply::Ok
        }
        Err(e) => Reply::error(e.to_string()),
    }
}

/// Reads the running scene's file again and swaps it in; a bad one changes nothing and
/// its problems land in [`SceneStatus`].
pub fn reload(world: &mut World) -> Reply {
    let Some(path) = world
        .get_resource::<ActiveScene>()
        .map(|a| a.0.path.clone())
    else {
        return Reply::Error("no scene is running".into());
    };
    let loaded = crate::scene::load(&path);
    swap_in(world, loaded)
}

/// Swaps in a freshly loaded scene, or reports why it was refused (log and state).
pub fn swap_in(
    world: &mut World,
    loaded: Result<crate::scene::CompiledScene, crate::scene::SceneError>,
) -> Reply {
    swap_in_as(world, loaded, SceneChange::Reload)
}

/// What brought a new scene: a reload of its file or the `load` command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SceneChange {
    /// The scene file was read again.
    Reload,
    /// The `load` command sent the scene's text.
    Load,
}

impl SceneChange {
    /// The past tense for log lines (`reloaded`, `loaded`).
    fn done(self) -> &'static str {
        match self {
            SceneChange::Reload => "reloaded",
            SceneChange::Load => "loaded",
        }
    }
}

/// [`swap_in`], saying in its log lines and reply what brought the scene.
pub fn swap_in_as(
    world: &mut World,
    loaded: Result<crate::scene::CompiledScene, crate::scene::SceneError>,
    change: SceneChange,
) -> Reply {
    let result = match loaded {
        Ok(scene) => {
            let path = scene.path.display().to_string();
            swap(world, scene)
                .map(|s| (path, s))
                .map_err(|e| vec![e.to_string()])
        }
        Err(e) => Err(problems_of(&e)),
    };
    let done = change.done();
    let by = match change {
        SceneChange::Reload => "reload",
        SceneChange::Load => "load",
    };
    let event = match &result {
        Ok((path, _)) => EngineEvent::ReloadApplied {
            path: path.clone(),
            by,
        },
        Err(problems) => EngineEvent::ReloadRefused {
            by,
            problems: problems.clone(),
        },
    };
    super::events::emit(world, event);
    let mut status = world.get_resource_or_init::<SceneStatus>();
    match result {
        Ok((path, swapped)) => {
            log::info!(
                "{path}: {done} (sources restarted: {})",
                if swapped.started.is_empty() {
                    "none".to_string()
                } else {
                    swapped.started.join(", ")
                }
            );
            status.path = path;
            status.reloads += 1;
            status.problems.clear();
            Reply::Ok
        }
        Err(problems) => {
            for p in &problems {
                log::error!("scene not {done}, the running scene stays: {p}");
            }
            let reply = Reply::error(format!(
                "the scene was not {done} ({} problem(s)): {}",
                problems.len(),
                problems.join("; ")
            ));
            status.problems = problems;
            reply
        }
    }
}

/// Every problem of a scene error, one line each (file:line:col: message).
pub fn problems_of(e: &crate::scene::SceneError) -> Vec<String> {
    match e {
        crate::scene::SceneError::Invalid(list) => list.iter().map(|p| p.to_string()).collect(),
        other => vec![other.to_string()],
    }
}

fn contrast(world: &mut World, level: u8) -> Reply {
    let Some(sinks) = world.get_resource::<Sinks>() else {
        return Reply::Error("no sink to set the contrast of".into());
    };
    match sinks.contrast(level) {
        (0, names) => Reply::error(format!(
            "none of the sinks has a contrast (sinks: {}); run with --sink panel",
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        )),
        _ => {
            // The published state shows the level; the sinks have it already.
            world
                .get_resource_or_init::<PanelContrast>()
                .bypass_change_detection()
                .0 = Some(level);
            Reply::Ok
        }
    }
}
