//! Secrets (passwords, tokens, NKey seeds) from an environment variable or a file, never
//! from the scene itself.

use std::path::Path;

use super::NetError;

/// The value of the environment variable `name`, or an error naming it.
pub fn from_env(name: &str, what: &str) -> Result<String, NetError> {
    std::env::var(name).map_err(|_| {
        NetError::Config(format!(
            "{what}: the environment variable {name} is not set"
        ))
    })
}

/// The first line of `path`, trimmed (a file may end with a newline); an error naming the
/// file when it cannot be read or the line is empty.
pub fn from_file(path: &Path, what: &str) -> Result<String, NetError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| NetError::Config(format!("{what}: cannot read {}: {e}", path.display())))?;
    let line = text.lines().next().unwrap_or("").trim();
    if line.is_empty() {
        return Err(NetError::Config(format!(
            "{what}: the first line of {} is empty",
            path.display()
        )));
    }
    Ok(line.to_owned())
}

/// The secret from `env` or `file` (at most one may be given); None when neither is.
pub fn either(
    env: Option<&str>,
    file: Option<&Path>,
    what: &str,
) -> Result<Option<String>, NetError> {
    match (env, file) {
        (Some(_), Some(_)) => Err(NetError::Config(format!(
            "{what}: give the environment variable or the file, not both"
        ))),
        (Some(var), None) => from_env(var, what).map(Some),
        (None, Some(path)) => from_file(path, what).map(Some),
        (None, None) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_file_gives_its_first_line_and_errors_name_the_source() {
        let dir = std::env::temp_dir().join(format!("tinydisplay-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temp dir");
        let file = dir.join("pw");
        std::fs::write(&file, "s3cret \n# a comment\n").expect("written");
        assert_eq!(
            either(None, Some(&file), "MQTT password"),
            Ok(Some("s3cret".into()))
        );
        std::fs::write(&file, "\n").expect("written");
        let e = either(None, Some(&file), "MQTT password")
            .unwrap_err()
            .to_string();
        assert!(e.contains("is empty"), "{e}");
        let e = either(Some("TINYDISPLAY_NO_SUCH_VAR_X"), None, "NATS token")
            .unwrap_err()
            .to_string();
        assert!(e.contains("TINYDISPLAY_NO_SUCH_VAR_X"), "{e}");
        assert!(either(Some("A"), Some(&file), "x").is_err());
        assert_eq!(either(None, None, "x"), Ok(None));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
