//! STUB
#![allow(missing_docs, dead_code)]
use super::{Layer, PixelMode};
use std::path::Path;
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
pub enum Dither {
    #[default]
    None,
    Ordered,
    FloydSteinberg,
}
#[derive(Debug, Clone, PartialEq)]
pub struct ImageOptions {
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub dither: Dither,
    pub threshold: u8,
}
#[derive(Debug, thiserror::Error)]
#[error("img")]
pub struct ImageError;
pub fn load_image(_p: &Path, _o: &ImageOptions, m: PixelMode) -> Result<Layer, ImageError> {
    Ok(Layer::new(1, 1, m))
}
