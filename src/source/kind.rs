//! Source kinds: what a kind is ([`SourceKind`]) and the registry scenes name kinds from
//! (`sources: {"clock": (source: Clock())}`).
//!
//! Like widget kinds, the built-in sources and a user's take the same path: a type
//! implementing [`SourceKind`] (its name, its configuration as serde reads it, how it
//! starts), registered on the app's [`Kinds`](crate::widget::kinds::Kinds) that a scene
//! naming it is read with ([`SourceKinds`] is the value it holds, not a global).
//! `examples/custom_source.rs` adds a `Counter` this way.

use std::any::Any;
use std::fmt::Debug;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::Sender;

use serde::de::DeserializeOwned;

use super::policy::Policy;
use super::ramp::Ramp;
use super::{Message, SourceError, SourceHandle};
use crate::registry::{Reader, Registry, Scope, current};

/// A source kind (see the module docs).
///
/// ```
/// use std::sync::mpsc::{Sender, channel};
/// use std::time::Duration;
/// use serde_json::Value;
/// use tinydisplay::source::kind::{CheckError, SourceKind};
/// use tinydisplay::widget::kinds::Kinds;
/// use tinydisplay::source::{Message, Policy, PollSource, SourceError, SourceHandle, spawn_poll};
///
/// /// `Dice(sides: 6)`: a number from 1 to `sides` at each poll, as `dice.value`.
/// #[derive(Debug, Clone, PartialEq, serde::Deserialize)]
/// struct DiceConfig { sides: u64 }
///
/// struct Dice { sides: u64, rolls: u64 }
///
/// impl PollSource for Dice {
///     fn poll(&mut self) -> Result<Vec<(String, Value)>, SourceError> {
///         self.rolls += 1;
///         Ok(vec![("dice.value".into(), Value::from(self.rolls % self.sides + 1))])
///     }
/// }
///
/// struct DiceKind;
///
/// impl SourceKind for DiceKind {
///     const NAME: &'static str = "Dice";
///     type Config = DiceConfig;
///
///     fn start(c: &DiceConfig, name: &str, policy: Policy, tx: Sender<Message>)
///     -> Result<SourceHandle, SourceError> {
///         Ok(spawn_poll(name, Box::new(Dice { sides: c.sides, rolls: 0 }), policy, tx))
///     }
///
///     fn check(c: &DiceConfig) -> Result<(), CheckError> {
///         if c.sides == 0 { Err("a die needs at least one side".into()) } else { Ok(()) }
///     }
/// }
///
/// // A scene names it once it is registered; `check` reports its problems at their place.
/// let kinds = Kinds::builtin().register_source::<DiceKind>().clone();
/// let bad = "Scene(sources: {\"dice\": (source: Dice(sides: 0))}, widgets: [])";
/// let err = tinydisplay::scene::compile_str_with(bad, "dice.ron".as_ref(), &kinds)
///     .expect_err("0 sides");
/// assert!(err.to_string().contains("a die needs at least one side"), "{err}");
///
/// // Started, it sends its values to the engine's inbox (here, a channel of our own).
/// let (tx, rx) = channel();
/// let handle = DiceKind::start(&DiceConfig { sides: 6 }, "dice", Policy::default(), tx)
///     .expect("started");
/// let first_value = std::iter::from_fn(|| rx.recv_timeout(Duration::from_secs(5)).ok())
///     .find_map(|m| match m {
///         Message::Set { key, value } if key == "dice.value" => Some(value),
///         _ => None,
///     });
/// assert_eq!(first_value, Some(Value::from(2)));
/// handle.stop();
/// ```
pub trait SourceKind: Send + Sync + 'static {
    /// The name a scene writes: `Clock(...)`, `Counter(...)`.
    const NAME: &'static str;
    /// The configuration, as serde reads it from the scene.
    type Config: DeserializeOwned + Debug + Clone + PartialEq + Send + Sync + 'static;

    /// Starts the source on its own thread (`spawn_poll` or `spawn_stream`), sending to
    /// `tx` under `policy`; `name` is the scene's name for it.
    fn start(
        config: &Self::Config,
        name: &str,
        policy: Policy,
        tx: Sender<Message>,
    ) -> Result<SourceHandle, SourceError>;

    /// Makes relative paths in the configuration relative to `dir`, the folder of the
    /// file that names the source (default: nothing to resolve).
    fn resolve_paths(_config: &mut Self::Config, _dir: &Path) {}

    /// A problem `check` reports before the source runs, if any (default: none).
    fn check(_config: &Self::Config) -> Result<(), CheckError> {
        Ok(())
    }

    /// Keys its values make advance with the tick (default: none).
    fn ramps(_config: &Self::Config) -> Vec<Ramp> {
        Vec::new()
    }
}

/// A problem a kind's [`SourceKind::check`] finds in a configuration, as `check` shows it
/// (at the source's place in the scene): `unknown time zone "Mars/Olympus"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CheckError(pub String);

impl From<String> for CheckError {
    fn from(message: String) -> CheckError {
        CheckError(message)
    }
}

impl From<&str> for CheckError {
    fn from(message: &str) -> CheckError {
        CheckError(message.to_owned())
    }
}

/// A source configuration of any kind.
trait AnySource: Debug + Send + Sync {
    fn start(
        &self,
        name: &str,
        policy: Policy,
        tx: Sender<Message>,
    ) -> Result<SourceHandle, SourceError>;
    fn resolve_paths(&mut self, dir: &Path);
    fn check(&self) -> Result<(), CheckError>;
    fn ramps(&self) -> Vec<Ramp>;
    fn clone_box(&self) -> Box<dyn AnySource>;
    fn eq_any(&self, other: &dyn AnySource) -> bool;
    fn as_any(&self) -> &dyn Any;
}

/// The configuration of kind `K`.
struct ConfigOf<K: SourceKind>(K::Config);

impl<K: SourceKind> Debug for ConfigOf<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}({:?})", K::NAME, self.0)
    }
}

impl<K: SourceKind> AnySource for ConfigOf<K> {
    fn start(
        &self,
        name: &str,
        policy: Policy,
        tx: Sender<Message>,
    ) -> Result<SourceHandle, SourceError> {
        K::start(&self.0, name, policy, tx)
    }
    fn resolve_paths(&mut self, dir: &Path) {
        K::resolve_paths(&mut self.0, dir);
    }
    fn check(&self) -> Result<(), CheckError> {
        K::check(&self.0)
    }
    fn ramps(&self) -> Vec<Ramp> {
        K::ramps(&self.0)
    }
    fn clone_box(&self) -> Box<dyn AnySource> {
        Box::new(ConfigOf::<K>(self.0.clone()))
    }
    fn eq_any(&self, other: &dyn AnySource) -> bool {
        other
            .as_any()
            .downcast_ref::<K::Config>()
            .is_some_and(|o| *o == self.0)
    }
    fn as_any(&self) -> &dyn Any {
        &self.0
    }
}

/// The configuration of a source, of whichever kind the scene names.
#[derive(Debug)]
pub struct SourceConfig(Box<dyn AnySource>);

impl SourceConfig {
    /// A source of kind `K` with this configuration.
    pub fn of<K: SourceKind>(config: K::Config) -> SourceConfig {
        SourceConfig(Box::new(ConfigOf::<K>(config)))
    }

    /// Its configuration as kind `K`'s, if it is of that kind.
    pub fn downcast<K: SourceKind>(&self) -> Option<&K::Config> {
        self.0.as_any().downcast_ref::<K::Config>()
    }

    /// Builds the source and starts it on its own thread, sending to `tx`.
    pub fn spawn(
        &self,
        name: &str,
        policy: Policy,
        tx: Sender<Message>,
    ) -> Result<SourceHandle, SourceError> {
        self.0.start(name, policy, tx)
    }

    /// Makes its relative paths relative to `dir` (see [`SourceKind::resolve_paths`]).
    pub fn resolve_paths(&mut self, dir: &Path) {
        self.0.resolve_paths(dir);
    }

    /// A problem to report before it runs (see [`SourceKind::check`]).
    pub fn check(&self) -> Result<(), CheckError> {
        self.0.check()
    }

    /// Keys this source's values make advance with the tick (MPD's `elapsed`).
    pub fn ramps(&self) -> Vec<Ramp> {
        self.0.ramps()
    }
}

impl Clone for SourceConfig {
    fn clone(&self) -> Self {
        SourceConfig(self.0.clone_box())
    }
}

impl PartialEq for SourceConfig {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_any(&*other.0)
    }
}

fn read<'de, K: SourceKind>(
    de: &mut dyn erased_serde::Deserializer<'de>,
) -> Result<Box<dyn AnySource>, erased_serde::Error> {
    let config: K::Config = erased_serde::deserialize(de)?;
    Ok(Box::new(ConfigOf::<K>(config)))
}

fn reader<K: SourceKind>() -> (&'static str, Reader<dyn AnySource>) {
    (K::NAME, read::<K>)
}

/// The source kinds scenes may name: the built-in ones first, then a user's, in the order
/// they were registered. An app holds one (in [`Kinds`](crate::widget::kinds::Kinds));
/// reading a scene makes it the current one on the reading thread (see
/// [`crate::registry`]).
#[derive(Debug, Clone)]
pub struct SourceKinds(Registry<dyn AnySource>);

impl SourceKinds {
    /// The built-in kinds, one line each. A kind whose feature this build lacks is not
    /// registered (see [`crate::features`]).
    pub fn builtin() -> SourceKinds {
        SourceKinds(Registry::new([
            reader::<super::kinds::clock::ClockKind>(),
            reader::<super::kinds::system::SystemKind>(),
            reader::<super::kinds::file::FileKind>(),
            reader::<super::kinds::command::CommandKind>(),
            reader::<super::kinds::process::ProcessKind>(),
            #[cfg(feature = "http")]
            reader::<super::kinds::http::HttpKind>(),
            reader::<super::kinds::stdin::StdinKind>(),
            #[cfg(feature = "mqtt")]
            reader::<super::kinds::mqtt::MqttKind>(),
            #[cfg(feature = "nats")]
            reader::<super::kinds::nats::NatsKind>(),
            #[cfg(feature = "mpd")]
            reader::<super::kinds::mpd::MpdKind>(),
            #[cfg(feature = "gpio")]
            reader::<super::kinds::gpio::GpioKind>(),
        ]))
    }

    /// Lets scenes read with this registry name source kind `K` (again changes nothing).
    pub fn add<K: SourceKind>(&mut self) {
        self.0.add(K::NAME, read::<K>);
    }

    /// The names of every kind, in registration order.
    pub fn names(&self) -> &'static [&'static str] {
        self.0.names()
    }

    /// Makes this registry the one sources are read with on this thread until the scope
    /// is dropped.
    pub fn enter(self: &Arc<Self>) -> Scope<SourceKinds> {
        Scope::enter(&READING, Arc::clone(self))
    }
}

impl Default for SourceKinds {
    fn default() -> Self {
        SourceKinds::builtin()
    }
}

thread_local! {
    /// The registry sources are being read with on this thread (none: the built-ins).
    static READING: std::cell::RefCell<Option<Arc<SourceKinds>>> =
        const { std::cell::RefCell::new(None) };
}

impl<'de> serde::Deserialize<'de> for SourceConfig {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let kinds = current(&READING).unwrap_or_else(|| Arc::new(SourceKinds::builtin()));
        kinds.0.deserialize(d, "source").map(SourceConfig)
    }
}

/// A program named with a relative path (`./poll.sh`, `bin/status`) is the one next to
/// the scene; a bare name (`sh`, `mpc`) is looked up in `PATH`, as a shell would.
pub fn resolve_program(dir: &Path, program: &str) -> String {
    let path = Path::new(program);
    if program.contains('/') && path.is_relative() {
        dir.join(path).to_string_lossy().into_owned()
    } else {
        program.to_string()
    }
}
