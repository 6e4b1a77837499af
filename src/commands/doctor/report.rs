//! The doctor's findings: one line per check, `ok`, `warn`, `FAIL` or `skip`, each with
//! what was checked or the exact fix.

use serde::Serialize;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Nothing to do.
    Ok,
    /// Worth a look, but the panel can light.
    Warn,
    /// Stands between this machine and a lit panel.
    Fail,
    /// Not checked, and why.
    Skip,
}

impl Status {
    /// The word that starts the line.
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
            Status::Skip => "skip",
        }
    }
}

/// One check's line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// How it came out.
    pub status: Status,
    /// What was checked (`spi`, `i2c scan`, `pins`, ...).
    pub check: &'static str,
    /// What was found, and the fix when there is one.
    pub message: String,
}

impl Finding {
    /// A finding of `status`.
    pub fn new(status: Status, check: &'static str, message: impl Into<String>) -> Finding {
        Finding {
            status,
            check,
            message: message.into(),
        }
    }

    /// A check that passed.
    pub fn ok(check: &'static str, message: impl Into<String>) -> Finding {
        Finding::new(Status::Ok, check, message)
    }

    /// A warning.
    pub fn warn(check: &'static str, message: impl Into<String>) -> Finding {
        Finding::new(Status::Warn, check, message)
    }

    /// Something that blocks the panel.
    pub fn fail(check: &'static str, message: impl Into<String>) -> Finding {
        Finding::new(Status::Fail, check, message)
    }

    /// A check not made.
    pub fn skip(check: &'static str, message: impl Into<String>) -> Finding {
        Finding::new(Status::Skip, check, message)
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:<6}{}: {}",
            self.status.label(),
            self.check,
            self.message
        )
    }
}

/// Every finding, in the order the checks ran.
#[derive(Debug, Default)]
pub struct Report {
    /// The findings.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Adds one finding.
    pub fn push(&mut self, f: Finding) {
        self.findings.push(f);
    }

    /// Adds several findings.
    pub fn extend(&mut self, fs: impl IntoIterator<Item = Finding>) {
        self.findings.extend(fs);
    }

    /// Whether something blocks the panel.
    pub fn blocked(&self) -> bool {
        self.findings.iter().any(|f| f.status == Status::Fail)
    }

    /// The report as text: one line per finding, then a summary line.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for f in &self.findings {
            out.push_str(&f.to_string());
            out.push('\n');
        }
        let count = |s: Status| self.findings.iter().filter(|f| f.status == s).count();
        let (fails, warns) = (count(Status::Fail), count(Status::Warn));
        out.push_str(&if fails == 0 {
            format!("no problem blocks the panel ({warns} warning(s))\n")
        } else {
            format!("{fails} problem(s) block the panel, {warns} warning(s)\n")
        });
        out
    }

    /// The report as one JSON object: `{"ok": bool, "checks": [{status, check, message}]}`.
    pub fn json(&self) -> String {
        serde_json::json!({ "ok": !self.blocked(), "checks": self.findings }).to_string()
    }
}
