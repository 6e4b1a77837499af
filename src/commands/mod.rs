//! The subcommands of the `tinydisplay` binary, one module each.

pub mod bench;
pub mod check;
pub mod decode;
pub mod logging;
pub mod replay;
pub mod run;
