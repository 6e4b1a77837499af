//! Ramps: keys that advance with the tick between a source's reports, such as MPD's
//! `elapsed`, so a progress bar moves smoothly although MPD only reports on changes.
//!
//! A ramp's value is `base + (tick − start) / fps` while a condition key holds a value
//! (`mpd.state == "play"`), where `start` is the last tick at which the base or one of the
//! restart keys changed, capped by an optional maximum key. It is computed from ticks
//! only, so a `--ticks` run is reproducible: the same reports at the same ticks give the
//! same values.

use bevy_ecs::prelude::*;
use serde_json::Value;

use super::dataset::Dataset;
use crate::app::{Fps, Tick};
pub use crate::source::ramp::{Ramp, clock_text};

/// The ramps of the running sources.
#[derive(Resource, Debug, Default, Clone)]
pub struct Ramps(pub Vec<Ramp>);

/// The ramp's value at `tick`, or `None` while its condition does not hold.
pub fn value_at(ramp: &Ramp, data: &Dataset, tick: u64, fps: u32) -> Option<f64> {
    if data.get(&ramp.while_key) != Some(&ramp.while_value) {
        return None;
    }
    let base = data.entry(&ramp.base)?;
    let start = ramp
        .restart
        .iter()
        .filter_map(|k| data.entry(k))
        .map(|e| e.changed_tick)
        .fold(base.changed_tick, u64::max);
    let from = base.value.as_f64()?;
    let value = from + tick.saturating_sub(start) as f64 / f64::from(fps.max(1));
    let cap = ramp
        .max
        .as_deref()
        .and_then(|k| data.get(k))
        .and_then(Value::as_f64)
        .filter(|m| *m > 0.0);
    Some(cap.map_or(value, |m| value.min(m)))
}

/// While a ramp's condition holds its value moves every tick: the runner wakes every
/// tick (tickless idle).
pub fn plan_wake(data: Res<Dataset>, ramps: Res<Ramps>, mut plan: ResMut<crate::app::WakePlan>) {
    if ramps
        .0
        .iter()
        .any(|r| data.get(&r.while_key) == Some(&r.while_value))
    {
        plan.every_tick();
    }
}

/// Advances every ramp whose condition holds (runs in Ingest, after the sources' values).
pub fn advance_ramps(mut data: ResMut<Dataset>, ramps: Res<Ramps>, tick: Res<Tick>, fps: Res<Fps>) {
    for ramp in &ramps.0 {
        let Some(v) = value_at(ramp, &data, tick.0, fps.0) else {
            continue;
        };
        // Hundredths are plenty for a bar and keep the values tidy in the dataset.
        let rounded = (v * 100.0).round() / 100.0;
        let Some(number) = serde_json::Number::from_f64(rounded) else {
            continue;
        };
        data.set(&ramp.key, Value::Number(number), tick.0);
        if let Some(text) = &ramp.text {
            data.set(text, Value::from(clock_text(v)), tick.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bevy_ecs::system::RunSystemOnce;
    use serde_json::json;

    fn ramp() -> Ramp {
        Ramp {
            key: "m.elapsed".to_owned(),
            base: "m.elapsed_reported".to_owned(),
            restart: vec!["m.state".to_owned(), "m.seq".to_owned()],
            while_key: "m.state".to_owned(),
            while_value: json!("play"),
            max: Some("m.duration".to_owned()),
            text: Some("m.elapsed_text".to_owned()),
        }
    }

    #[test]
    fn clock_texts() {
        assert_eq!(clock_text(0.0), "0:00");
        assert_eq!(clock_text(125.9), "2:05");
        assert_eq!(clock_text(3725.0), "1:02:05");
        assert_eq!(clock_text(-3.0), "0:00");
    }

    #[test]
    fn advances_while_playing_restarts_and_caps() {
        let r = ramp();
        let mut d = Dataset::new();
        d.set("m.state", json!("play"), 10);
        d.set("m.elapsed_reported", json!(5.0), 10);
        d.set("m.duration", json!(7.0), 10);
        assert_eq!(value_at(&r, &d, 10, 30), Some(5.0));
        assert_eq!(value_at(&r, &d, 40, 30), Some(6.0));
        assert_eq!(
            value_at(&r, &d, 1000, 30),
            Some(7.0),
            "capped at the duration"
        );
        // Paused: no value; resumed from the same reported elapsed: restarts at the resume.
        d.set("m.state", json!("pause"), 50);
        assert_eq!(value_at(&r, &d, 60, 30), None);
        d.set("m.state", json!("play"), 70);
        assert_eq!(value_at(&r, &d, 85, 30), Some(5.5));
        // A new report with the same value (a seek back) restarts through the counter.
        d.set("m.seq", json!(2), 100);
        assert_eq!(value_at(&r, &d, 100, 30), Some(5.0));
    }

    #[test]
    fn system_writes_value_and_text() {
        let mut world = World::new();
        let mut d = Dataset::new();
        d.set("m.state", json!("play"), 0);
        d.set("m.elapsed_reported", json!(59.0), 0);
        world.insert_resource(d);
        world.insert_resource(Ramps(vec![ramp()]));
        world.insert_resource(Tick(45));
        world.insert_resource(Fps(30));
        world.run_system_once(advance_ramps).expect("runs");
        let d = world.resource::<Dataset>();
        assert_eq!(d.get("m.elapsed"), Some(&json!(60.5)));
        assert_eq!(d.get("m.elapsed_text"), Some(&json!("1:00")));
    }
}
