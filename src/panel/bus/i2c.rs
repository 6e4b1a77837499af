//! I2C for the SSD1306/SH1106: each transfer starts with a control byte, 0x00 for a
//! command stream and 0x40 for a data stream.

use super::{Bus, BusError, I2cSpec, PortError};

/// Something that writes bytes to the addressed I2C device.
pub trait I2cPort: Send {
    /// Writes `bytes` as one message; returns how many went out.
    fn write(&mut self, bytes: &[u8]) -> Result<usize, PortError>;
}

impl I2cPort for rppal::i2c::I2c {
    fn write(&mut self, bytes: &[u8]) -> Result<usize, PortError> {
        rppal::i2c::I2c::write(self, bytes).map_err(|e| PortError(e.to_string()))
    }
}

/// An I2C display bus.
pub struct I2cBus<P: I2cPort> {
    port: P,
    chunk: usize,
    buf: Vec<u8>,
    what: String,
}

impl<P: I2cPort> I2cBus<P> {
    /// A bus over `port`, at most `chunk` payload bytes per message.
    pub fn new(port: P, chunk: usize, what: String) -> Self {
        let chunk = chunk.max(1);
        I2cBus {
            port,
            chunk,
            buf: Vec::with_capacity(chunk + 1),
            what,
        }
    }

    fn send(&mut self, control: u8, bytes: &[u8]) -> Result<(), BusError> {
        for chunk in bytes.chunks(self.chunk) {
            self.buf.clear();
            self.buf.push(control);
            self.buf.extend_from_slice(chunk);
            match self.port.write(&self.buf) {
                Ok(n) if n == self.buf.len() => {}
                Ok(n) => {
                    return Err(BusError::Write {
                        what: self.what.clone(),
                        reason: format!("only {n} of {} bytes went out", self.buf.len()),
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

impl<P: I2cPort> Bus for I2cBus<P> {
    fn describe(&self) -> String {
        self.what.clone()
    }

    fn command(&mut self, bytes: &[u8]) -> Result<(), BusError> {
        self.send(0x00, bytes)
    }

    fn data(&mut self, bytes: &[u8]) -> Result<(), BusError> {
        self.send(0x40, bytes)
    }
}

/// Opens the I2C bus through rppal and addresses the display.
pub fn open(s: &I2cSpec) -> Result<I2cBus<rppal::i2c::I2c>, BusError> {
    let what = format!(
        "I2C bus {} address {:#04x} (/dev/i2c-{})",
        s.bus, s.address, s.bus
    );
    let i2c = open_device(
        s.bus,
        s.address,
        &what,
        "the device node exists (ls /dev/i2c-*); your user is in the i2c group; \
`i2cdetect -y 1` shows the address",
    )?;
    Ok(I2cBus::new(i2c, s.chunk, what))
}

/// Opens `/dev/i2c-<bus>` through rppal with `address` as its target; an error names
/// `what` and says to check that I2C is enabled, then `check`.
pub(super) fn open_device(
    bus: u8,
    address: u16,
    what: &str,
    check: &str,
) -> Result<rppal::i2c::I2c, BusError> {
    let err = |reason: String| BusError::Open {
        what: what.to_owned(),
        reason,
        hint: format!(
            "I2C is enabled (sudo raspi-config → Interface Options → I2C, or \
dtparam=i2c_arm=on in /boot/firmware/config.txt, then reboot); {check}"
        ),
    };
    let mut i2c = rppal::i2c::I2c::with_bus(bus).map_err(|e| err(e.to_string()))?;
    i2c.set_slave_address(address)
        .map_err(|e| err(e.to_string()))?;
    Ok(i2c)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake(Vec<Vec<u8>>);
    impl I2cPort for &mut Fake {
        fn write(&mut self, bytes: &[u8]) -> Result<usize, PortError> {
            self.0.push(bytes.to_vec());
            Ok(bytes.len())
        }
    }

    #[test]
    fn each_message_starts_with_its_control_byte() {
        let mut fake = Fake(Vec::new());
        {
            let mut bus = I2cBus::new(&mut fake, 4, "fake".into());
            bus.command(&[0xAE, 0xAF]).unwrap();
            bus.data(&[1, 2, 3, 4, 5]).unwrap();
        }
        assert_eq!(
            fake.0,
            vec![
                vec![0x00, 0xAE, 0xAF],
                vec![0x40, 1, 2, 3, 4],
                vec![0x40, 5]
            ]
        );
    }
}
