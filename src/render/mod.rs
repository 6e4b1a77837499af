//! Pixels: geometry, colours, pixel modes, widget layers, the frame buffer, shapes,
//! fonts and text layout, images, composition and painting, and the plugin that owns
//! the render steps ([`schedule::RenderPlugin`]).
//!
//! Nothing here knows about scenes, data or sinks.

pub mod animation;
pub mod bands;
pub mod color;
pub mod compose;
pub mod damage;
pub mod font;
pub mod framebuffer;
pub mod geometry;
pub mod image;
pub mod layer;
pub mod paint;
pub mod pixel;
pub mod schedule;
pub mod shapes;
pub mod text;

pub use self::image::{Dither, ImageError, ImageOptions, image_to_layer, load_image};
pub use color::Color;
pub use framebuffer::FrameBuffer;
pub use geometry::{Anchor, Rect};
pub use layer::Layer;
pub use pixel::PixelMode;
pub use schedule::{RenderPlugin, RenderSet};
