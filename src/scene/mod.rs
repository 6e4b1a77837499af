//! Scenes: the RON schema, loading with file:line:col problems, the check, and spawning.
//!
//! `load` → `CompiledScene` is the compile phase (`tinydisplay check`); `ScenePlugin`
//! spawns a compiled scene into an app.

pub mod compile;
mod fonts;
mod include;
pub mod locate;
mod nesting;
mod parse;
pub mod plan;
pub mod problems;
mod recover;
pub mod schema;
mod sections;
pub mod seek;
pub mod spawn;
pub mod swap;
mod tree;

pub use compile::{
    CompiledScene, compile_confined, compile_str, compile_str_with, load, load_with,
};
pub use problems::{Problem, SceneError, Severity};
pub use spawn::{ScenePlugin, WidgetName};
