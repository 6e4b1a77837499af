//! STUB
#![allow(missing_docs, dead_code)]
use super::font::Font;
use super::{Color, Layer};
use std::sync::Arc;
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TextStyle {
    pub align: Align,
    pub wrap_width: Option<u32>,
    pub line_spacing: i32,
}
pub struct TextLayout {
    pub width: u32,
    pub height: u32,
}
impl TextLayout {
    pub fn draw(&self, _l: &mut Layer, _x: i32, _y: i32, _c: Color) {}
}
pub fn layout(_t: &str, _f: &[Arc<Font>], _s: &TextStyle) -> TextLayout {
    TextLayout {
        width: 1,
        height: 1,
    }
}
