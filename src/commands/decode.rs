//! `tinydisplay decode`: a capture file back to the image its panel would show. A capture
//! is decoded only when it proves to be the model's ([`emulator::proof`]): it starts
//! with the model's init sequence and holds a frame.

use std::path::Path;
use std::process::ExitCode;

use tinydisplay::panel::bus::parse_capture;
use tinydisplay::panel::emulator;
use tinydisplay::panel::models::Family;
use tinydisplay::panel::rom::Rom;
use tinydisplay::panel::{Model, Rotation};

/// Decodes `capture` for panel `display` (a character LCD with ROM `rom`), undoes
/// `rotation`, writes the PNG `out`.
pub fn decode(capture: &Path, display: &str, rotation: &str, rom: &str, out: &Path) -> ExitCode {
    let model: Model = match display.parse() {
        Ok(m) => m,
        Err(e) => return fail(&e.to_string()),
    };
    let Some(rom) = Rom::named(rom) else {
        return fail(&format!("unknown ROM `{rom}`: A00 or A02"));
    };
    match model.row().family {
        Family::Hd44780(m) if m.ws0010 && rom == Rom::A02 => {
            return fail(&format!(
                "{display} is a WS0010: it has no A02 table (its English/Japanese one is A00)"
            ));
        }
        Family::Hd44780(_) => {}
        _ if rom != Rom::A00 => {
            return fail(&format!(
                "--rom is for character LCDs; {display} has no character ROM"
            ));
        }
        _ => {}
    }
    let rotation: Rotation = match rotation.parse() {
        Ok(r) => r,
        Err(e) => return fail(&e.to_string()),
    };
    let text = match std::fs::read_to_string(capture) {
        Ok(t) => t,
        Err(e) => return fail(&format!("cannot read {}: {e}", capture.display())),
    };
    let transfers = match parse_capture(&text) {
        Ok(t) => t,
        Err(e) => return fail(&format!("{}:{e}", capture.display())),
    };
    // Another model on the same controller decodes without a problem: only its init
    // sequence says whose capture it is.
    if let Err(e) = emulator::proof::check(model, &transfers) {
        return fail(&format!(
            "{} is not a {display} capture: {e} (no image written)",
            capture.display()
        ));
    }
    let mut emu = model.row().emulator_with(rom);
    emulator::feed_transfers(emu.as_mut(), &transfers);
    // Another model's capture makes a problem of nearly every byte: say it once.
    let problems = emu.problems();
    if let Some(first) = problems.first() {
        eprintln!("{}: error: {first}", capture.display());
        if problems.len() > 1 {
            eprintln!(
                "{}: … and {} more problem(s) like it",
                capture.display(),
                problems.len() - 1
            );
        }
        return fail(&format!(
            "{} does not decode cleanly as a {display} capture; is it another model's? (no image written)",
            capture.display()
        ));
    }
    let native = model.native();
    let (w, h) = rotation.frame_size(native);
    let mut rgb = Vec::with_capacity(w as usize * h as usize * 3);
    for y in 0..h {
        for x in 0..w {
            let (px, py) = rotation.to_panel(x, y, native);
            rgb.extend_from_slice(&emu.pixel(px, py));
        }
    }
    match image::save_buffer(out, &rgb, w, h, image::ExtendedColorType::Rgb8) {
        Ok(()) => {
            eprintln!(
                "{}: {} transfers, {w}x{h} written to {}",
                capture.display(),
                transfers.len(),
                out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(&format!("cannot write {}: {e}", out.display())),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}
