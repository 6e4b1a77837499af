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
    fn finish(&mut self, _frame: &FrameBuffer, _tick: u64) -> Result<(), SinkError> {
        Ok(())
    }
}
macro_rules! stub {
    ($m:ident, $t:ident) => {
        pub mod $m {
            use super::*;
            pub struct $t;
            impl $t {
                pub fn new(_p: std::path::PathBuf) -> Self {
                    $t
                }
            }
            impl Sink for $t {
                fn name(&self) -> &str {
                    "x"
                }
                fn present(&mut self, _f: &FrameBuffer, _t: u64) -> Result<(), SinkError> {
                    Ok(())
                }
            }
        }
    };
}
stub!(png, PngSink);
pub mod gif {
    use super::*;
    pub struct GifSink;
    impl GifSink {
        pub fn new(_p: std::path::PathBuf, _f: u32) -> Self {
            GifSink
        }
    }
    impl Sink for GifSink {
        fn name(&self) -> &str {
            "x"
        }
        fn present(&mut self, _f: &FrameBuffer, _t: u64) -> Result<(), SinkError> {
            Ok(())
        }
    }
}
pub mod term {
    use super::*;
    pub enum TermStyle {
        HalfBlock,
        Braille,
    }
    pub struct TermSink;
    impl TermSink {
        pub fn stdout(_s: TermStyle) -> Self {
            TermSink
        }
    }
    impl Sink for TermSink {
        fn name(&self) -> &str {
            "x"
        }
        fn present(&mut self, _f: &FrameBuffer, _t: u64) -> Result<(), SinkError> {
            Ok(())
        }
    }
}
