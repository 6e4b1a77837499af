//! Panel power from the scene: while the display's `sleep_when` expression is true the
//! panel sleeps (display off, low power; its RAM keeps the picture), and it wakes when the
//! expression turns false. The state is the [`PanelPower`] resource; the present step hands
//! its changes to every sink (only the panel sink acts on them). A `contrast` given as an
//! expression works the same way: [`PanelContrast`] follows it, and its changes reach the
//! panel driver through the sinks.

use bevy_app::{App, Plugin};
use bevy_ecs::prelude::*;

use crate::app::{TickSchedule, TickSet};
use crate::data::Dataset;
use crate::data::binding::Binding;
use crate::data::binding::Contexts;
use crate::data::propagate::{BindingEnv, truthy};

/// What the panel shows after tinydisplay stops (Ctrl-C, SIGTERM, SIGHUP, the end of
/// `--ticks`): `display: (on_exit: Clear)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
pub enum OnExit {
    /// All pixels off (the default): no stale data stays on the glass, nothing burns in.
    #[default]
    Clear,
    /// The panel is put to sleep (display off, low power); its RAM keeps the last frame.
    Sleep,
    /// The last frame stays on the panel.
    Keep,
}

/// Whether the panel should sleep.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PanelPower {
    /// True while the panel sleeps.
    pub asleep: bool,
}

/// The scene's compiled `sleep_when`.
#[derive(Resource, Debug, Clone)]
pub struct SleepWhen(pub Binding);

/// Re-evaluates `sleep_when` when a key it reads changed (and on the first tick). A value
/// that cannot be evaluated counts as false (awake) and is logged once until it recovers.
pub fn update_power(
    rule: Option<ResMut<SleepWhen>>,
    data: Option<Res<Dataset>>,
    env: Option<Res<BindingEnv>>,
    mut power: ResMut<PanelPower>,
    mut first: Local<bool>,
) {
    let (Some(mut rule), Some(data), Some(env)) = (rule, data, env) else {
        return;
    };
    let due = !*first || data.changed().iter().any(|k| rule.0.reads(k));
    *first = true;
    if !due {
        return;
    }
    let asleep = rule
        .0
        .evaluate_logged(
            &env.0,
            &data,
            &mut Contexts::default(),
            "keeping the panel awake",
        )
        .is_some_and(|v| truthy(&v));
    if power.asleep != asleep {
        power.asleep = asleep;
    }
}

/// The contrast (OLED) or brightness (TFT) the display's bound `contrast` asks for (None
/// until it has been evaluated).
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PanelContrast(pub Option<u8>);

/// The scene's compiled `contrast` expression.
#[derive(Resource, Debug, Clone)]
pub struct ContrastRule(pub Binding);

/// A value as a contrast level: a number rounded and clamped to 0..=255.
fn level(v: &serde_json::Value) -> Option<u8> {
    let n = match v {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }?;
    n.is_finite().then(|| n.round().clamp(0.0, 255.0) as u8)
}

/// Re-evaluates the bound `contrast` when a key it reads changed (and on the first tick).
/// A value that is not a number keeps the last level and is logged once until it recovers.
pub fn update_contrast(
    rule: Option<ResMut<ContrastRule>>,
    data: Option<Res<Dataset>>,
    env: Option<Res<BindingEnv>>,
    mut contrast: ResMut<PanelContrast>,
) {
    let (Some(mut rule), Some(data), Some(env)) = (rule, data, env) else {
        return;
    };
    // A new rule (the scene's start, or a scene swapped in) is evaluated at once.
    let due = rule.is_changed() || data.changed().iter().any(|k| rule.0.reads(k));
    if !due {
        return;
    }
    let rule = rule.bypass_change_detection();
    let result = rule.0.evaluate(&env.0, &data).and_then(|v| {
        level(&v).ok_or_else(|| crate::data::binding::BindingError(format!("{v} is not a number")))
    });
    rule.0
        .log_result(result.as_ref().err(), "keeping the current contrast");
    if let Ok(l) = result
        && contrast.0 != Some(l)
    {
        contrast.0 = Some(l);
    }
}

/// Adds [`PanelPower`] and its update in the Propagate step.
#[derive(Debug, Default)]
pub struct PowerPlugin;

impl Plugin for PowerPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<PanelPower>();
        app.init_resource::<PanelContrast>();
        app.add_systems(
            TickSchedule,
            (update_power, update_contrast).in_set(TickSet::Propagate),
        );
    }
}
