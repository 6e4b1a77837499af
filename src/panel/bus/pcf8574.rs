//! The PCF8574 I2C backpack of character LCDs: the expander has no control byte; each
//! byte written sets its eight pins (the HD44780 driver's port states) as it is acked.

use super::i2c::I2cPort;
use super::{Bus, BusError, Pcf8574Spec};

/// An I2C bus to a PCF8574 port expander.
pub struct Pcf8574Bus<P: I2cPort> {
    port: P,
    chunk: usize,
    what: String,
}

impl<P: I2cPort> Pcf8574Bus<P> {
    /// A bus over `port`, at most `chunk` bytes per I2C message.
    pub fn new(port: P, chunk: usize, what: String) -> Self {
        Pcf8574Bus {
            port,
            chunk: chunk.max(1),
            what,
        }
    }

    fn send(&mut self, bytes: &[u8]) -> Result<(), BusError> {
        for chunk in bytes.chunks(self.chunk) {
            match self.port.write(chunk) {
                Ok(n) if n == chunk.len() => {}
                Ok(n) => {
                    return Err(BusError::Write {
                        what: self.what.clone(),
                        reason: format!("only {n} of {} bytes went out", chunk.len()),
                    });
                }
                Err(reason) => {
                    return Err(BusError::Write {
                        what: self.what.clone(),
                        reason: reason.to_string(),
                    });
                }
            }
        }
        Ok(())
    }
}

impl<P: I2cPort> Bus for Pcf8574Bus<P> {
    fn describe(&self) -> String {
        self.what.clone()
    }

    fn command(&mut self, bytes: &[u8]) -> Result<(), BusError> {
        self.send(bytes)
    }

    fn data(&mut self, bytes: &[u8]) -> Result<(), BusError> {
        self.send(bytes)
    }
}

/// Opens the I2C bus through rppal and addresses the expander.
pub fn open(s: &Pcf8574Spec) -> Result<Pcf8574Bus<rppal::i2c::I2c>, BusError> {
    let what = format!(
        "PCF8574 on I2C bus {} address {:#04x} (/dev/i2c-{})",
        s.bus, s.address, s.bus
    );
    let i2c = super::i2c::open_device(
        s.bus,
        s.address,
        &what,
        "your user is in the i2c group; `i2cdetect -y 1` shows the backpack (0x27 on \
PCF8574T boards, 0x3F on PCF8574AT)",
    )?;
    Ok(Pcf8574Bus::new(i2c, s.chunk, what))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::panel::bus::PortError;

    struct Fake(Vec<Vec<u8>>);
    impl I2cPort for &mut Fake {
        fn write(&mut self, bytes: &[u8]) -> Result<usize, PortError> {
            self.0.push(bytes.to_vec());
            Ok(bytes.len())
        }
    }

    #[test]
    fn bytes_go_out_as_they_are_with_no_control_byte() {
        let mut fake = Fake(Vec::new());
        {
            let mut bus = Pcf8574Bus::new(&mut fake, 4, "fake".into());
            bus.command(&[0x38, 0x3C, 0x38]).unwrap();
            bus.data(&[1, 2, 3, 4, 5]).unwrap();
        }
        assert_eq!(
            fake.0,
            vec![vec![0x38, 0x3C, 0x38], vec![1, 2, 3, 4], vec![5]]
        );
    }
}
