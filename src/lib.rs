//! tinydisplay: an ECS engine that drives small displays from a scene file.
pub mod render;
pub mod sink;
