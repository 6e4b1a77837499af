//! STUB
#![allow(missing_docs, dead_code)]
use std::path::Path;
#[derive(Debug)]
pub struct Font;
#[derive(Debug, thiserror::Error)]
#[error("font")]
pub struct FontError;
impl Font {
    pub fn load(_p: &Path, _s: Option<f32>) -> Result<Font, FontError> {
        Ok(Font)
    }
    pub fn from_bdf_str(_t: &str, _n: &str) -> Result<Font, FontError> {
        Ok(Font)
    }
}
