//! What a driver wants sent to a panel, before a bus sends it: commands, pixel data,
//! delays and pin changes, kept in one reusable byte buffer so a frame allocates nothing.

use std::ops::Range;

use super::bus::{Bus, BusError, BusyWait};

/// One step of a transfer to a panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Command bytes (DC low on SPI, control byte 0x00 on I2C).
    Command(Range<usize>),
    /// Data bytes: arguments or pixels (DC high, control byte 0x40).
    Data(Range<usize>),
    /// Wait this many milliseconds (after a reset or a sleep-out, as the datasheet asks).
    Delay(u32),
    /// Pulse the RESET pin.
    Reset,
    /// Switch the backlight pin.
    Backlight(bool),
    /// Dim the backlight by PWM to this level (0..=255 of full duty).
    BacklightLevel(u8),
    /// Wait until the controller's BUSY pin clears (e-paper refreshes, resets, power).
    WaitBusy(BusyWait),
}

/// A reusable list of [`Step`]s whose bytes live in one buffer.
#[derive(Debug, Default, Clone)]
pub struct Wire {
    bytes: Vec<u8>,
    steps: Vec<Step>,
}

impl Wire {
    /// An empty wire.
    pub fn new() -> Wire {
        Wire::default()
    }

    /// Forgets every step, keeping the buffers' capacity.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.steps.clear();
    }

    /// True when nothing is to be sent.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Appends command bytes (merged with a command step just before).
    pub fn command(&mut self, bytes: &[u8]) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(bytes);
        match self.steps.last_mut() {
            Some(Step::Command(r)) if r.end == start => r.end = self.bytes.len(),
            _ => self.steps.push(Step::Command(start..self.bytes.len())),
        }
    }

    /// Appends data bytes (merged with a data step just before).
    pub fn data(&mut self, bytes: &[u8]) {
        self.open_data();
        self.bytes.extend_from_slice(bytes);
        self.close_data();
    }

    /// The byte buffer a packer appends pixel data to; call [`Wire::close_data`] after.
    pub fn open_data(&mut self) -> &mut Vec<u8> {
        let start = self.bytes.len();
        match self.steps.last() {
            Some(Step::Data(r)) if r.end == start => {}
            _ => self.steps.push(Step::Data(start..start)),
        }
        &mut self.bytes
    }

    /// Ends a run of pixel data appended through [`Wire::open_data`].
    pub fn close_data(&mut self) {
        let end = self.bytes.len();
        if let Some(Step::Data(r)) = self.steps.last_mut() {
            r.end = end;
        }
    }

    /// Appends a delay.
    pub fn delay(&mut self, ms: u32) {
        self.steps.push(Step::Delay(ms));
    }

    /// Appends a reset pulse.
    pub fn reset(&mut self) {
        self.steps.push(Step::Reset);
    }

    /// Appends a wait for the BUSY pin: `level` means busy, for at most `max_ms`.
    pub fn wait_busy(&mut self, level: bool, max_ms: u32) {
        self.steps.push(Step::WaitBusy(BusyWait { level, max_ms }));
    }

    /// Appends a backlight switch.
    pub fn backlight(&mut self, on: bool) {
        self.steps.push(Step::Backlight(on));
    }

    /// Appends a backlight brightness (a PWM duty of `level`/255).
    pub fn backlight_level(&mut self, level: u8) {
        self.steps.push(Step::BacklightLevel(level));
    }

    /// The steps, in order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The bytes of a command or data step.
    pub fn bytes(&self, r: &Range<usize>) -> &[u8] {
        &self.bytes[r.clone()]
    }

    /// Bytes that go over the bus (commands and data).
    pub fn len_bytes(&self) -> usize {
        self.bytes.len()
    }

    /// Sends every step through `bus`, in order.
    pub fn send(&self, bus: &mut dyn Bus) -> Result<(), BusError> {
        for step in &self.steps {
            match step {
                Step::Command(r) => bus.command(&self.bytes[r.clone()])?,
                Step::Data(r) => bus.data(&self.bytes[r.clone()])?,
                Step::Delay(ms) => bus.delay_ms(*ms),
                Step::Reset => bus.reset()?,
                Step::Backlight(on) => bus.backlight(*on)?,
                Step::BacklightLevel(level) => bus.backlight_level(*level)?,
                Step::WaitBusy(b) => bus.wait_busy(*b)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbouring_steps_of_one_kind_merge() {
        let mut w = Wire::new();
        w.command(&[0xAE]);
        w.command(&[0x81, 0x7F]);
        w.data(&[1, 2]);
        w.data(&[3]);
        w.delay(5);
        w.data(&[4]);
        assert_eq!(
            w.steps(),
            &[
                Step::Command(0..3),
                Step::Data(3..6),
                Step::Delay(5),
                Step::Data(6..7)
            ]
        );
        assert_eq!(w.len_bytes(), 7);
    }
}
