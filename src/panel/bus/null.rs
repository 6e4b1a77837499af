//! A bus that only counts bytes, for benchmarks.

use super::{Bus, BusError, BusyWait};

/// Counts what would have been sent.
#[derive(Debug, Default, Clone)]
pub struct NullBus {
    /// Command bytes so far.
    pub command_bytes: u64,
    /// Data bytes so far.
    pub data_bytes: u64,
}

impl Bus for NullBus {
    fn describe(&self) -> String {
        "null bus".into()
    }

    fn command(&mut self, bytes: &[u8]) -> Result<(), BusError> {
        self.command_bytes += bytes.len() as u64;
        Ok(())
    }

    fn data(&mut self, bytes: &[u8]) -> Result<(), BusError> {
        self.data_bytes += bytes.len() as u64;
        Ok(())
    }

    fn delay_ms(&mut self, _ms: u32) {}

    fn wait_busy(&mut self, _busy: BusyWait) -> Result<(), BusError> {
        Ok(())
    }
}
