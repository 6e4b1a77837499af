//! Why a panel could not be named, fitted to a scene, or opened.

use super::bus::BusError;

/// A panel problem, as the command line and the scene check report it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PanelError {
    /// A model name that is not in the table.
    #[error("unknown display {name:?}; one of: {known}")]
    UnknownModel {
        /// The name given.
        name: String,
        /// The names there are.
        known: String,
    },
    /// A rotation other than 0, 90, 180 or 270.
    #[error("rotation must be 0, 90, 180 or 270, not {0}")]
    Rotation(String),
    /// The scene's size is not one the controller drives (in this rotation).
    #[error("{controller} with this rotation drives {sizes}, not {width}x{height}")]
    Size {
        /// The controller named.
        controller: String,
        /// The sizes it drives, `128x64 or 128x32`.
        sizes: String,
        /// The scene's width.
        width: u32,
        /// The scene's height.
        height: u32,
    },
    /// A `--bus` argument that does not parse.
    #[error("bus {given:?}: {reason} (expected null, capture:FILE, Spi(dc: 24, ...) or I2c(...))")]
    BadBus {
        /// The argument.
        given: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `--sink panel` without a panel or a bus in the scene or on the command line.
    #[error("{0}")]
    Missing(String),
    /// The bus could not be opened.
    #[error("{0}")]
    Open(String),
}

impl From<BusError> for PanelError {
    fn from(e: BusError) -> Self {
        PanelError::Open(e.to_string())
    }
}
