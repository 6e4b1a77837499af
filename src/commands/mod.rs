//! The subcommands of the `tinydisplay` binary, one module each.

#[cfg(feature = "bench")]
pub mod bench;
pub mod check;
pub mod decode;
pub mod doctor;
pub mod logging;
pub mod manual;
pub mod replay;
pub mod run;
