//! Which optional surfaces this build has (cargo features, all on by default), and the
//! message for a scene, a flag or a kind that asks for one the build lacks.
//!
//! A lean build (`--no-default-features`) does not register what it lacks; the names it
//! would have had are listed here so that a scene naming one is told which feature to
//! build with, not that the name is unknown.

/// Kinds that come with a feature: (what, kind's name, feature).
const FEATURE_KINDS: &[(&str, &str, &str)] = &[
    ("source", "Http", "http"),
    ("source", "Mqtt", "mqtt"),
    ("source", "Nats", "nats"),
    ("source", "Mpd", "mpd"),
    ("source", "Gpio", "gpio"),
];

/// The features this build was made with.
const BUILT: &[&str] = &[
    #[cfg(feature = "http")]
    "http",
    #[cfg(feature = "mqtt")]
    "mqtt",
    #[cfg(feature = "nats")]
    "nats",
    #[cfg(feature = "mpd")]
    "mpd",
    #[cfg(feature = "gpio")]
    "gpio",
    #[cfg(feature = "bench")]
    "bench",
];

/// Whether this build has `feature` (false for a name that is not a feature).
pub fn enabled(feature: &str) -> bool {
    BUILT.contains(&feature)
}

/// The features this build has, comma-separated (`none` for none).
pub fn enabled_list() -> String {
    if BUILT.is_empty() {
        "none".to_string()
    } else {
        BUILT.join(", ")
    }
}

/// The message for `what` (a flag, a scene field) that needs `feature`.
pub fn lacking(what: &str, feature: &str) -> String {
    format!("{what} needs the `{feature}` feature; this build was made without it")
}

/// Something asked for (a flag, a scene field) that needs a feature this build lacks;
/// shown as [`lacking`]'s message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", lacking(what, feature))]
pub struct Lacking {
    /// What was asked for (`--http`, `control.mqtt`).
    pub what: String,
    /// The cargo feature it needs.
    pub feature: String,
}

/// Err ([`Lacking`]) when this build lacks `feature`.
pub fn require(what: &str, feature: &str) -> Result<(), Lacking> {
    if enabled(feature) {
        Ok(())
    } else {
        Err(Lacking {
            what: what.to_owned(),
            feature: feature.to_owned(),
        })
    }
}

/// For a kind (`what`: "source") a scene names but no registry holds: the message when
/// it is one this build was made without.
pub fn lacking_kind(what: &str, name: &str) -> Option<String> {
    FEATURE_KINDS
        .iter()
        .find(|(w, n, f)| *w == what && *n == name && !enabled(f))
        .map(|(_, _, f)| lacking(&format!("{what} kind `{name}`"), f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_of_features_built_in_are_not_reported_missing() {
        assert_eq!(lacking_kind("source", "Clock"), None);
        assert_eq!(
            lacking_kind("source", "Mqtt").is_some(),
            !cfg!(feature = "mqtt")
        );
        assert_eq!(lacking_kind("widget", "Mqtt"), None);
    }

    #[test]
    fn the_message_names_the_feature() {
        assert_eq!(
            lacking("source kind `Mqtt`", "mqtt"),
            "source kind `Mqtt` needs the `mqtt` feature; this build was made without it"
        );
        assert!(require("--http", "no-such-feature").is_err());
    }
}
