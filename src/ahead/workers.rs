//! How many render-ahead worker threads: a number, or `Auto` (from the machine's cores).

use serde::de::{self, Deserializer, Visitor};

/// Render-ahead worker threads as a scene or `--workers` gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Workers {
    /// From the cores the machine has: see [`auto_workers`] (the default).
    #[default]
    Auto,
    /// This many (0: render inline).
    Count(usize),
}

/// Workers `Auto` picks for `cores`: none on one core (a worker would only take turns
/// with the tick thread), one on two cores, two from four cores on (a Pi 3, 4 or 5: the
/// tick thread, two workers and a core left for the sources and the system).
pub fn auto_workers(cores: usize) -> usize {
    match cores {
        0 | 1 => 0,
        2 | 3 => 1,
        _ => 2,
    }
}

impl Workers {
    /// The number of threads on this machine.
    pub fn resolve(self) -> usize {
        match self {
            Workers::Count(n) => n,
            Workers::Auto => auto_workers(
                std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
            ),
        }
    }
}

impl std::str::FromStr for Workers {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("auto") {
            return Ok(Workers::Auto);
        }
        s.parse()
            .map(Workers::Count)
            .map_err(|_| format!("{s:?} is neither a number of workers nor `auto`"))
    }
}

impl<'de> serde::Deserialize<'de> for Workers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Workers;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number of workers or Auto")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Workers, E> {
                usize::try_from(v)
                    .map(Workers::Count)
                    .map_err(|_| E::custom("too many workers"))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Workers, E> {
                usize::try_from(v)
                    .map(Workers::Count)
                    .map_err(|_| E::custom(format!("{v} workers: give 0 or more, or Auto")))
            }
            /// RON hands a bare identifier (`Auto`) to `deserialize_any` as a unit value.
            fn visit_unit<E: de::Error>(self) -> Result<Workers, E> {
                Ok(Workers::Auto)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Workers, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_enum<A: de::EnumAccess<'de>>(self, a: A) -> Result<Workers, A::Error> {
                use de::VariantAccess;
                let (name, variant): (String, _) = a.variant()?;
                variant.unit_variant()?;
                name.parse().map_err(de::Error::custom)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_leaves_one_core_to_the_tick_and_caps_at_two() {
        assert_eq!(
            [1, 2, 4, 8].map(auto_workers),
            [0, 1, 2, 2],
            "Pi Zero, 2 cores, Pi 3/4/5, more"
        );
    }

    #[test]
    fn a_scene_writes_a_number_or_auto() {
        #[derive(serde::Deserialize)]
        struct R {
            workers: Workers,
        }
        let r: R = ron::from_str("(workers: Auto)").expect("Auto");
        assert_eq!(r.workers, Workers::Auto);
        let r: R = ron::from_str("(workers: 3)").expect("3");
        assert_eq!(r.workers, Workers::Count(3));
        assert!(ron::from_str::<R>("(workers: -1)").is_err());
        assert!(ron::from_str::<R>("(workers: 1.5)").is_err());
        assert_eq!("auto".parse::<Workers>(), Ok(Workers::Auto));
        assert_eq!("0".parse::<Workers>(), Ok(Workers::Count(0)));
    }
}
