//! STUB
#![allow(missing_docs, dead_code)]
use crate::render::FrameBuffer;
pub mod present;
#[derive(Debug, thiserror::Error)]
#[error("sink")]
pub struct SinkError;
pub trait Sink: Send + 'static {
    fn name(&self) -> &str;
    fn present(&mut self, frame: &FrameBuffer, tick: u64) -> Result<(), SinkError>;
    fn finish(&mut self, _frame: &FrameBuffer, _tick: u64) -> Result<(), SinkError> { Ok(()) }
}
