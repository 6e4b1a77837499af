//! Pixels: geometry, colours, pixel modes, widget layers, the frame buffer, fonts and images.
//!
//! Nothing here knows about scenes, data or sinks.

pub mod color;
pub mod framebuffer;
pub mod geometry;
pub mod image;
pub mod layer;
pub mod pixel;

pub use self::image::{Dither, ImageError, ImageOptions, image_to_layer, load_image};
pub use color::Color;
pub use framebuffer::FrameBuffer;
pub use geometry::{Anchor, Rect};
pub use layer::Layer;
pub use pixel::PixelMode;
