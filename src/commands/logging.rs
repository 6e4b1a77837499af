//! Log output: human-readable lines by default, one JSON object per line with
//! `--log-format json`; no colours and no timestamps under systemd (journald adds its own).

use std::io::Write;

use clap::ValueEnum;

/// How log lines look.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// `[time LEVEL target] message` (colour on a terminal).
    #[default]
    Human,
    /// `{"ts": …, "level": "WARN", "target": …, "tick": 12, "msg": …}` per line.
    Json,
}

/// True when stderr goes to the journal (systemd sets `JOURNAL_STREAM`).
fn under_systemd() -> bool {
    std::env::var_os("JOURNAL_STREAM").is_some()
}

/// Starts logging (`RUST_LOG` picks the levels, default `warn`).
pub fn init(format: LogFormat) {
    let mut b = env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn"));
    let journal = under_systemd();
    if journal {
        b.write_style(env_logger::WriteStyle::Never);
    }
    match format {
        LogFormat::Human if journal => {
            b.format_timestamp(None);
        }
        LogFormat::Human => {}
        LogFormat::Json => {
            b.format(move |buf, r| {
                let mut line = serde_json::json!({
                    "level": r.level().as_str(),
                    "target": r.target(),
                    "tick": tinydisplay::app::tick::current(),
                    "msg": r.args().to_string(),
                });
                if !journal {
                    let ts = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0.0, |d| d.as_secs_f64());
                    line["ts"] = serde_json::json!((ts * 1000.0).round() / 1000.0);
                }
                writeln!(buf, "{line}")
            });
        }
    }
    b.init();
}
