//! A scan of an I2C bus, as `i2cdetect` does it: which addresses answer, and does the
//! scene's panel answer at its address. The scan sits behind [`I2cScanner`] so tests use
//! a file that lists the answering addresses instead of a bus.

use std::path::Path;

use super::report::Finding;

/// One address that answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    /// The 7-bit address.
    pub address: u16,
    /// A kernel driver holds the address (`UU` in i2cdetect): nothing else can use it.
    pub claimed: bool,
}

/// A scan that could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The bus could not be opened.
    #[error("cannot open {node}: {reason}")]
    Open {
        /// The device node.
        node: String,
        /// What the system said.
        reason: String,
    },
    /// A line of a stand-in bus file is not an address.
    #[error("{node} (a stand-in bus file) line {line}: `{text}` is not an address like 0x3c")]
    BadLine {
        /// The device node.
        node: String,
        /// The line number, from 1.
        line: usize,
        /// The line.
        text: String,
    },
}

/// Something that finds which addresses answer on an I2C bus.
pub trait I2cScanner {
    /// The addresses that answer in 0x03..=0x77, ascending.
    fn scan(&mut self) -> Result<Vec<Answer>, ScanError>;
}

/// A stand-in bus: a text file with one answering address per line (`0x3d`; `0x3c UU`
/// for one a kernel driver holds; `#` starts a comment).
pub struct FileScanner {
    /// The file's text.
    pub text: String,
    /// The node it stands in for (for errors).
    pub node: String,
}

impl I2cScanner for FileScanner {
    fn scan(&mut self) -> Result<Vec<Answer>, ScanError> {
        let mut out = Vec::new();
        for (i, line) in self.text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            let mut words = line.split_whitespace();
            let Some(first) = words.next() else { continue };
            let hex = first.trim_start_matches("0x").trim_start_matches("0X");
            let address = u16::from_str_radix(hex, 16)
                .ok()
                .filter(|a| *a <= 0x7f)
                .ok_or_else(|| ScanError::BadLine {
                    node: self.node.clone(),
                    line: i + 1,
                    text: line.to_string(),
                })?;
            let claimed = words.next().is_some_and(|w| w.eq_ignore_ascii_case("UU"));
            out.push(Answer { address, claimed });
        }
        out.sort_by_key(|a| a.address);
        out.dedup_by_key(|a| a.address);
        Ok(out)
    }
}

/// A real bus through rppal: for each address a quick write, or a one-byte read where
/// i2cdetect reads (0x30–0x37, 0x50–0x5F, where a quick write can upset EEPROMs).
pub struct RppalScanner {
    /// The bus number (`/dev/i2c-B`).
    pub bus: u8,
}

impl I2cScanner for RppalScanner {
    fn scan(&mut self) -> Result<Vec<Answer>, ScanError> {
        let node = super::nodes::i2c_path(self.bus);
        let mut i2c = rppal::i2c::I2c::with_bus(self.bus).map_err(|e| ScanError::Open {
            node: node.clone(),
            reason: e.to_string(),
        })?;
        let quick = i2c.capabilities().smbus_quick_command();
        let mut out = Vec::new();
        for address in 0x03..=0x77u16 {
            if let Err(e) = i2c.set_slave_address(address) {
                // EBUSY: a kernel driver holds the address.
                if matches!(&e, rppal::i2c::Error::Io(io) if io.raw_os_error() == Some(16)) {
                    out.push(Answer {
                        address,
                        claimed: true,
                    });
                }
                continue;
            }
            let read = (0x30..=0x37).contains(&address) || (0x50..=0x5f).contains(&address);
            let answered = if read || !quick {
                i2c.smbus_receive_byte().is_ok()
            } else {
                i2c.smbus_quick_command(false).is_ok()
            };
            if answered {
                out.push(Answer {
                    address,
                    claimed: false,
                });
            }
        }
        Ok(out)
    }
}

/// The scanner for `node` (the system path) found at `path`: a regular file is a
/// stand-in listing addresses, anything else (a character device) is scanned for real.
pub fn scanner_for(path: &Path, node: &str, bus: u8) -> Result<Box<dyn I2cScanner>, ScanError> {
    if path.is_file() {
        let text = std::fs::read_to_string(path).map_err(|e| ScanError::Open {
            node: node.to_string(),
            reason: e.to_string(),
        })?;
        Ok(Box::new(FileScanner {
            text,
            node: node.to_string(),
        }))
    } else {
        Ok(Box::new(RppalScanner { bus }))
    }
}

/// `0x3C`.
pub fn hex(address: u16) -> String {
    format!("0x{address:02X}")
}

fn list(answers: &[Answer]) -> String {
    let all: Vec<String> = answers
        .iter()
        .map(|a| {
            if a.claimed {
                format!("{} (held by a kernel driver)", hex(a.address))
            } else {
                hex(a.address)
            }
        })
        .collect();
    all.join(", ")
}

/// Whether the panel answers at `address` on `node`, and what answers instead.
pub fn check(scanner: &mut dyn I2cScanner, node: &str, address: u16, cfg: &str) -> Finding {
    let answers = match scanner.scan() {
        Ok(a) => a,
        Err(e) => return Finding::warn("i2c scan", format!("could not scan: {e}")),
    };
    let want = hex(address);
    let others: Vec<Answer> = answers
        .iter()
        .copied()
        .filter(|a| a.address != address)
        .collect();
    match answers.iter().find(|a| a.address == address) {
        Some(a) if a.claimed => Finding::fail(
            "i2c scan",
            format!(
                "{want} on {node} is held by a kernel driver (UU in i2cdetect), so tinydisplay cannot use it — remove the dtoverlay= line for that panel (ssd1306, ssd1307fb, …) from {cfg}, then reboot"
            ),
        ),
        Some(_) if others.is_empty() => {
            Finding::ok("i2c scan", format!("a device answers at {want} on {node}"))
        }
        Some(_) => Finding::ok(
            "i2c scan",
            format!(
                "a device answers at {want} on {node} (also: {})",
                list(&others)
            ),
        ),
        None if answers.is_empty() => Finding::fail(
            "i2c scan",
            format!(
                "no device answers on {node} — check the wiring (SDA to pin 3, SCL to pin 5, VCC to 3.3 V, GND), that the module is set for I2C, and that display.bus names the bus it is on"
            ),
        ),
        None => {
            let panels: Vec<&Answer> = others
                .iter()
                .filter(|a| !a.claimed && matches!(a.address, 0x3C | 0x3D))
                .collect();
            let fix = match panels[..] {
                [p] => format!("set address: {} in display.bus", hex(p.address)),
                _ => "set display.bus's address to the panel's (see its address jumper)".into(),
            };
            let found = if others.len() == 1 {
                format!("a device answers at {}", list(&others))
            } else {
                format!("devices answer at {}", list(&others))
            };
            Finding::fail(
                "i2c scan",
                format!("no device answers at {want} on {node}; {found} — {fix}"),
            )
        }
    }
}

/// What answers on `node`, for a machine without a scene.
pub fn survey(scanner: &mut dyn I2cScanner, node: &str) -> Finding {
    match scanner.scan() {
        Ok(a) if a.is_empty() => Finding::warn(
            "i2c scan",
            format!("no device answers on {node} (an I2C panel should, usually at 0x3C)"),
        ),
        Ok(a) => Finding::ok("i2c scan", format!("on {node}: {}", list(&a))),
        Err(e) => Finding::warn("i2c scan", format!("could not scan: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake(text: &str) -> FileScanner {
        FileScanner {
            text: text.into(),
            node: "/dev/i2c-1".into(),
        }
    }

    #[test]
    fn a_panel_at_the_other_address_gets_the_exact_fix() {
        let f = check(&mut fake("0x3d\n"), "/dev/i2c-1", 0x3C, "config.txt");
        assert_eq!(
            f.message,
            "no device answers at 0x3C on /dev/i2c-1; a device answers at 0x3D — set address: 0x3D in display.bus"
        );
    }

    #[test]
    fn stand_in_files_read_hex_with_or_without_prefix_and_uu() {
        let a = fake("# answers\n3c UU\n0x68\n").scan().expect("valid");
        assert_eq!(
            a,
            [
                Answer {
                    address: 0x3C,
                    claimed: true
                },
                Answer {
                    address: 0x68,
                    claimed: false
                }
            ]
        );
        assert!(fake("zz\n").scan().is_err());
    }
}
