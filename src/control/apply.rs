//! Applying commands inside the tick: drained at `Ingest` (a bounded number per tick),
//! each answered on its reply channel once the tick has published its result.

use bevy_ecs::prelude::*;

use super::channel::ControlInbox;
use super::command::{Command, Reply};
use super::events::EngineEvent;
use super::replies::HeldReplies;
use super::state::SceneStatus;
use crate::app::{Fps, Paused, Tick};
use crate::data::Dataset;
use crate::panel::power::{PanelContrast, PanelPower};
use crate::scene::swap::{ActiveScene, swap};
use crate::sink::present::Sinks;
use crate::source::throttle::Throttle;
use crate::widget::paged::Paged;

/// Commands applied per tick at most: as many as may wait ([`super::channel::QUEUE`]),
/// so every queued command is applied in the next tick.
pub const PER_TICK: usize = super::channel::QUEUE;

/// A command that was applied, with its tick and who sent it, for whoever records the
/// run (see [`super::record`]).
#[derive(Resource, Debug, Default)]
pub struct Applied(pub Vec<(u64, Command, super::Origin)>);

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
            .hold(req.reply, reply);
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
            with_named(world, page, |paged, i| {
                paged.force(i, tick, ticks);
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

/// Every widget with pages, in query order.
fn paged_widgets(world: &mut World) -> Vec<Entity> {
    let mut q = world.query_filtered::<Entity, With<Paged>>();
    q.iter(world).collect()
}

fn show_named(world: &mut World, name: &str, tick: u64) -> Reply {
    with_named(world, name, |paged, i| {
        if !paged.pages[i].showable {
            // Shown now, the rotation would take it away at the next tick.
            return Reply::error(format!(
                "page {name:?} cannot be shown now: its `when` is false (it shows by itself once its condition holds)"
            ));
        }
        paged.show(i, tick);
        Reply::Ok
    })
}

/// Runs `act` on the widget with pages holding the page named `name` (with the page's
/// index) and answers what it answers, or says which names there are.
fn with_named(
    world: &mut World,
    name: &str,
    act: impl FnOnce(&mut Paged, usize) -> Reply,
) -> Reply {
    let mut known = Vec::new();
    for e in paged_widgets(world) {
        let Some(mut paged) = world.get_mut::<Paged>(e) else {
            continue;
        };
        if let Some(i) = paged.find(name) {
            return act(&mut paged, i);
        }
        known.extend(paged.pages.iter().filter_map(|p| p.name.clone()));
    }
    Reply::error(if known.is_empty() {
        format!("no page named {name:?}: no page has a name (give a Page a `name`)")
    } else {
        format!("no page named {name:?} (pages: {})", known.join(", "))
    })
}

/// Shows the page `by` steps on in every widget with pages (rotation pages only: alerts
/// come by themselves).
fn shift(world: &mut World, by: i64, tick: u64) -> Reply {
    let all = paged_widgets(world);
    if all.is_empty() {
        return Reply::error(
            "no widget of the scene has pages to page through (a Sequence has, or a kind of yours with `Paged`)",
        );
    }
    for e in all {
        if let Some(mut paged) = world.get_mut::<Paged>(e)
            && let Some(next) = paged.step(by)
        {
            paged.show(next, tick);
        }
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
    let kinds = world
        .get_resource::<crate::widget::kinds::Kinds>()
        .cloned()
        .unwrap_or_default();
    let loaded = crate::scene::load_with(&path, &kinds);
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
