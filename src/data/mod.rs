//! Live data: the sources that feed values to the engine over a channel.
pub mod source;
