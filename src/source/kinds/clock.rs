//! The clock source: the current time, date, epoch seconds, weekday, hour and minute in a
//! time zone.

use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};
use serde::Deserialize;

use crate::source::{PollSource, SourceError, Value, join_key};

/// Settings of a clock source.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct ClockConfig {
    /// Key prefix (default `clock`).
    pub namespace: String,
    /// IANA time zone such as `Europe/Paris`; `None` uses the system's local zone.
    pub timezone: Option<String>,
    /// strftime format of `<ns>.time` (default `%H:%M:%S`).
    pub time_format: String,
    /// strftime format of `<ns>.date` (default `%Y-%m-%d`).
    pub date_format: String,
}

impl Default for ClockConfig {
    fn default() -> Self {
        Self {
            namespace: "clock".to_owned(),
            timezone: None,
            time_format: "%H:%M:%S".to_owned(),
            date_format: "%Y-%m-%d".to_owned(),
        }
    }
}

/// Reports `<ns>.time`, `<ns>.date`, `<ns>.epoch` (seconds), `<ns>.weekday` (e.g. `Sunday`),
/// `<ns>.hour` (0..=23) and `<ns>.minute` (0..=59).
#[derive(Debug, Clone)]
pub struct ClockSource {
    config: ClockConfig,
    zone: TimeZone,
}

impl ClockSource {
    /// A clock from its settings; an unknown time zone or a bad format is an error.
    pub fn new(config: ClockConfig) -> Result<Self, SourceError> {
        let zone = match &config.timezone {
            Some(name) => TimeZone::get(name)
                .map_err(|e| SourceError::Config(format!("time zone {name:?}: {e}")))?,
            None => TimeZone::system(),
        };
        let source = Self { config, zone };
        // Check the formats once, so a typo is reported at start rather than every tick.
        source.values_at(Timestamp::UNIX_EPOCH)?;
        Ok(source)
    }

    /// The updates for the instant `at`.
    pub fn values_at(&self, at: Timestamp) -> Result<Vec<(String, Value)>, SourceError> {
        let zoned: Zoned = at.to_zoned(self.zone.clone());
        let ns = &self.config.namespace;
        let format = |fmt: &str| {
            jiff::fmt::strtime::format(fmt, &zoned)
                .map_err(|e| SourceError::Config(format!("clock format {fmt:?}: {e}")))
        };
        Ok(vec![
            (
                join_key(ns, "time"),
                Value::from(format(&self.config.time_format)?),
            ),
            (
                join_key(ns, "date"),
                Value::from(format(&self.config.date_format)?),
            ),
            (join_key(ns, "epoch"), Value::from(at.as_second())),
            (join_key(ns, "weekday"), Value::from(format("%A")?)),
            (join_key(ns, "hour"), Value::from(zoned.hour())),
            (join_key(ns, "minute"), Value::from(zoned.minute())),
        ])
    }
}

impl PollSource for ClockSource {
    fn poll(&mut self) -> Result<Vec<(String, Value)>, SourceError> {
        self.values_at(Timestamp::now())
    }

    fn never_blocks(&self) -> bool {
        // Reading the clock and formatting it: nothing to time out.
        true
    }

    fn wall_aligned(&self) -> bool {
        // `%H:%M:%S` turns over when the second does, not up to a second later.
        true
    }
}

/// The `Clock` source kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClockKind;

impl crate::source::kind::SourceKind for ClockKind {
    const NAME: &'static str = "Clock";
    type Config = ClockConfig;

    fn start(
        c: &ClockConfig,
        name: &str,
        policy: crate::source::Policy,
        tx: std::sync::mpsc::Sender<crate::source::Message>,
    ) -> Result<crate::source::SourceHandle, crate::source::SourceError> {
        let source = ClockSource::new(c.clone())?;
        Ok(crate::source::spawn_poll(
            name,
            Box::new(source),
            policy,
            tx,
        ))
    }

    fn check(c: &ClockConfig) -> Result<(), crate::source::kind::CheckError> {
        match &c.timezone {
            Some(tz) if jiff::tz::TimeZone::get(tz).is_err() => {
                Err(format!("unknown time zone {tz:?}").into())
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn clock_in(zone: &str) -> ClockSource {
        ClockSource::new(ClockConfig {
            timezone: Some(zone.to_owned()),
            ..ClockConfig::default()
        })
        .expect("a known zone")
    }

    #[test]
    fn fixed_zones_give_their_local_time() {
        // 2026-11-22 14:03:07 UTC, a Sunday.
        let at = Timestamp::from_second(1_795_356_187).expect("a valid instant");
        let utc = clock_in("UTC").values_at(at).expect("formats");
        assert_eq!(
            utc,
            vec![
                ("clock.time".to_owned(), json!("14:03:07")),
                ("clock.date".to_owned(), json!("2026-11-22")),
                ("clock.epoch".to_owned(), json!(1_795_356_187)),
                ("clock.weekday".to_owned(), json!("Sunday")),
                ("clock.hour".to_owned(), json!(14)),
                ("clock.minute".to_owned(), json!(3)),
            ]
        );
        let tokyo = clock_in("Asia/Tokyo").values_at(at).expect("formats");
        assert_eq!(tokyo[0].1, json!("23:03:07"));
        assert_eq!(tokyo[1].1, json!("2026-11-22"));
        assert_eq!(tokyo[2].1, utc[2].1, "epoch does not depend on the zone");
        assert_eq!(tokyo[4].1, json!(23));
    }

    #[test]
    fn poll_has_a_well_formed_time() {
        let mut clock = ClockSource::new(ClockConfig {
            namespace: "c".to_owned(),
            ..ClockConfig::default()
        })
        .expect("the local zone");
        let got = clock.poll().expect("a poll");
        let time = got[0].1.as_str().unwrap_or_default().to_owned();
        assert_eq!(got[0].0, "c.time");
        let parts: Vec<&str> = time.split(':').collect();
        assert_eq!(parts.len(), 3, "{time}");
        assert!(
            parts
                .iter()
                .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()))
        );
    }

    #[test]
    fn unknown_zone_is_a_config_error() {
        let err = ClockSource::new(ClockConfig {
            timezone: Some("Mars/Olympus".to_owned()),
            ..ClockConfig::default()
        });
        assert!(matches!(err, Err(SourceError::Config(_))));
    }
}
