//! The built-in source kinds, each a [`SourceKind`](super::SourceKind) with its config and
//! its poll or stream source, and the helpers several of them share (child processes and
//! their pipes, line reading, broker sessions and topic mapping).

#[cfg(any(feature = "mqtt", feature = "nats", feature = "mpd"))]
pub mod broker;
pub(crate) mod child;
pub mod clock;
pub mod command;
mod drain;
pub mod file;
#[cfg(feature = "gpio")]
pub mod gpio;
#[cfg(feature = "http")]
pub mod http;
mod lines;
pub mod mapping;
#[cfg(feature = "mpd")]
pub mod mpd;
#[cfg(feature = "mqtt")]
pub mod mqtt;
#[cfg(feature = "nats")]
pub mod nats;
mod pipe;
pub mod process;
pub mod stdin;
pub mod system;

pub use clock::{ClockConfig, ClockSource};
pub use command::{CommandConfig, CommandSource};
pub use file::{FileConfig, FileSource};
pub use process::{ProcessConfig, ProcessSource};
pub use stdin::{StdinConfig, StdinSource};
pub use system::{SystemConfig, SystemSource};
