//! tinydisplay command line.
fn main() {}
