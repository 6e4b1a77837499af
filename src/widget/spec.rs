//! A widget of the scene tree as serde reads it: one variant per built-in kind.

use serde::Deserialize;

use super::canvas::CanvasSpec;
use super::graph::GraphSpec;
use super::group::{IndexSpec, StackSpec};
use super::image::ImageSpec;
use super::line::LineSpec;
use super::marquee::{MarqueeSpec, PopupSpec};
use super::progress::ProgressBarSpec;
use super::rectangle::RectangleSpec;
use super::sequence::SequenceSpec;
use super::text::TextSpec;

/// One widget of the tree, by kind.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum WidgetSpec {
    /// Text in a font.
    Text(TextSpec),
    /// A picture from a file.
    Image(ImageSpec),
    /// A rectangle outline and/or fill.
    Rectangle(RectangleSpec),
    /// A straight line.
    Line(LineSpec),
    /// A value shown as a bar.
    ProgressBar(ProgressBarSpec),
    /// A key's recent history as a line or bars.
    Graph(GraphSpec),
    /// A group that places and clips its children.
    Canvas(CanvasSpec),
    /// A window that scrolls its child.
    Marquee(MarqueeSpec),
    /// A window that shows the top of its child, then its bottom, then the top again.
    Popup(PopupSpec),
    /// Pages shown in turn, with alerts and transitions.
    Sequence(SequenceSpec),
    /// Shows one of its children, picked by a value.
    Index(IndexSpec),
    /// Children in a row or column.
    Stack(StackSpec),
}

impl WidgetSpec {
    /// The widget's `name`, if it has one.
    pub fn name(&self) -> Option<&str> {
        let n = match self {
            WidgetSpec::Text(s) => &s.name,
            WidgetSpec::Image(s) => &s.name,
            WidgetSpec::Rectangle(s) => &s.name,
            WidgetSpec::Line(s) => &s.name,
            WidgetSpec::ProgressBar(s) => &s.name,
            WidgetSpec::Canvas(s) => &s.name,
            WidgetSpec::Marquee(s) => &s.name,
            WidgetSpec::Popup(s) => &s.name,
            WidgetSpec::Sequence(s) => &s.name,
            WidgetSpec::Index(s) => &s.name,
            WidgetSpec::Stack(s) => &s.name,
            WidgetSpec::Graph(s) => &s.name,
        };
        n.as_deref()
    }

    /// The kind's name as a scene writes it (`Text`, `Sequence`, …).
    pub fn kind_name(&self) -> &'static str {
        match self {
            WidgetSpec::Text(_) => "Text",
            WidgetSpec::Image(_) => "Image",
            WidgetSpec::Rectangle(_) => "Rectangle",
            WidgetSpec::Line(_) => "Line",
            WidgetSpec::ProgressBar(_) => "ProgressBar",
            WidgetSpec::Canvas(_) => "Canvas",
            WidgetSpec::Marquee(_) => "Marquee",
            WidgetSpec::Popup(_) => "Popup",
            WidgetSpec::Sequence(_) => "Sequence",
            WidgetSpec::Index(_) => "Index",
            WidgetSpec::Stack(_) => "Stack",
            WidgetSpec::Graph(_) => "Graph",
        }
    }

    /// The fields all kinds share.
    pub fn common(&self) -> crate::widget::Common {
        use crate::widget::WidgetSpecCommon;
        match self {
            WidgetSpec::Text(s) => s.common(),
            WidgetSpec::Image(s) => s.common(),
            WidgetSpec::Rectangle(s) => s.common(),
            WidgetSpec::Line(s) => s.common(),
            WidgetSpec::ProgressBar(s) => s.common(),
            WidgetSpec::Graph(s) => s.common(),
            WidgetSpec::Canvas(s) => s.common(),
            WidgetSpec::Marquee(s) => s.common(),
            WidgetSpec::Popup(s) => s.common(),
            WidgetSpec::Sequence(s) => s.common(),
            WidgetSpec::Index(s) => s.common(),
            WidgetSpec::Stack(s) => s.common(),
        }
    }
}
