//! Real panels: display controller drivers, the buses that carry their bytes (SPI and I2C
//! through rppal, a capture file, nothing), controller emulators that prove those bytes.
//! The sink that feeds a panel from its own thread is [`crate::sink::panel`].

pub mod bus;
pub mod device;
pub mod driver;
pub mod emulator;
pub mod error;
pub mod models;
pub mod power;
pub mod refresh;
pub mod rom;
pub mod rotation;
pub mod windows;
pub mod wire;

pub use self::bus::{Bus, BusError, BusSpec, BusyWait};
pub use self::device::Panel;
pub use self::driver::{Driver, Settings};
pub use self::error::PanelError;
pub use self::models::{Controller, MODELS, Model, ModelRow};
pub use self::rotation::Rotation;
pub use self::wire::Wire;

/// Everything needed to drive a panel: which one, how it is mounted, its settings, and
/// the bus (if the scene names one; the command line may give it instead).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelConfig {
    /// Controller and size.
    pub model: Model,
    /// How it is mounted.
    pub rotation: Rotation,
    /// Contrast and inversion at init.
    pub settings: Settings,
    /// The bus, with capture paths already resolved against the scene's directory.
    pub bus: Option<BusSpec>,
    /// What the panel shows once tinydisplay stops.
    pub on_exit: power::OnExit,
    /// The scene's refresh options (e-paper; None: the panel's defaults).
    pub refresh: Option<refresh::RefreshOptions>,
}
