//! The MPD source: what the Music Player Daemon is playing, pushed through MPD's `idle`
//! command (no polling), with album art written to a cache file for an Image widget.
//!
//! The line protocol is spoken directly over tokio on the shared runtime (see
//! [`protocol`] for why no client crate). Each change MPD reports (player, mixer, options,
//! playlist) re-reads `status` and `currentsong`, so a change reaches the dataset within
//! a tick. Between reports `elapsed` advances with the tick through a [`Ramp`] computed
//! in Ingest (deterministic in `--ticks` runs). A lost connection ends the session with an
//! error; the runner reconnects with the source's backoff and the last values stay.

pub mod keys;
pub mod protocol;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use super::broker::run_session;
use crate::source::ramp::Ramp;
use crate::source::{SourceError, StreamSource, Value, join_key};
use protocol::{Address, Connection, quote};

/// MPD's default port.
pub const DEFAULT_PORT: u16 = 6600;

/// The subsystems whose changes re-read the state.
const SUBSYSTEMS: &str = "player mixer options playlist";

/// Settings of an MPD source.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub struct MpdConfig {
    /// Host name or address (default: `MPD_HOST`, else `127.0.0.1`).
    pub host: Option<String>,
    /// Port (default: `MPD_PORT`, else 6600).
    pub port: Option<u16>,
    /// A Unix socket path instead of host and port (also taken from a `MPD_HOST` that
    /// starts with `/`).
    pub socket: Option<PathBuf>,
    /// The environment variable holding MPD's password (also taken from `MPD_HOST` as
    /// `password@host`).
    pub password_env: Option<String>,
    /// Key prefix (default `mpd`).
    pub namespace: Option<String>,
    /// Fetch album art into the cache folder (default true).
    pub albumart: Option<bool>,
    /// Where album art is written (default `$XDG_CACHE_HOME/tinydisplay/art`, else
    /// `~/.cache/tinydisplay/art`, else the temporary folder).
    pub art_dir: Option<PathBuf>,
}

impl MpdConfig {
    /// The key prefix in use.
    pub fn namespace(&self) -> &str {
        self.namespace.as_deref().unwrap_or("mpd")
    }

    /// The ramp that advances `<ns>.elapsed` while playing.
    pub fn ramps(&self) -> Vec<Ramp> {
        let k = |n: &str| join_key(self.namespace(), n);
        vec![Ramp {
            key: k("elapsed"),
            base: k("elapsed_reported"),
            restart: vec![k("state"), k("status_seq")],
            while_key: k("state"),
            while_value: json!("play"),
            max: Some(k("duration")),
            text: Some(k("elapsed_text")),
        }]
    }

    /// Where to connect and the password, from the settings and `MPD_HOST`/`MPD_PORT`.
    pub fn resolve(
        &self,
        env_host: Option<&str>,
        env_port: Option<&str>,
    ) -> Result<(Address, Option<String>), SourceError> {
        let mut password = match &self.password_env {
            Some(var) => Some(crate::net::secret::from_env(var, "MPD password")?),
            None => None,
        };
        if let Some(socket) = &self.socket {
            return Ok((Address::Socket(socket.clone()), password));
        }
        let mut host = self.host.clone();
        if host.is_none()
            && let Some(env) = env_host.filter(|h| !h.is_empty())
        {
            let (pw, h) = match env.rsplit_once('@') {
                Some((pw, h)) if !h.is_empty() => (Some(pw.to_owned()), h.to_owned()),
                _ => (None, env.to_owned()),
            };
            if password.is_none() {
                password = pw;
            }
            if h.starts_with('/') {
                return Ok((Address::Socket(PathBuf::from(h)), password));
            }
            host = Some(h);
        }
        let port = match (self.port, env_port) {
            (Some(p), _) => p,
            (None, Some(p)) => p
                .trim()
                .parse::<u16>()
                .map_err(|_| SourceError::Config(format!("MPD_PORT {p:?} is not a port number")))?,
            (None, None) => DEFAULT_PORT,
        };
        Ok((
            Address::Tcp(host.unwrap_or_else(|| "127.0.0.1".to_owned()), port),
            password,
        ))
    }

    /// The album art folder in use.
    pub fn art_dir(&self) -> PathBuf {
        if let Some(d) = &self.art_dir {
            return d.clone();
        }
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")));
        cache
            .unwrap_or_else(std::env::temp_dir)
            .join("tinydisplay")
            .join("art")
    }
}

/// Follows MPD through `idle` and emits the song, the player's state and album art.
#[derive(Debug, Clone)]
pub struct MpdSource {
    config: MpdConfig,
    address: Address,
    password: Option<String>,
    seq: u64,
    last_art_for: Option<String>,
}

impl MpdSource {
    /// An MPD source from its settings, reading `MPD_HOST` and `MPD_PORT`.
    pub fn new(config: MpdConfig) -> Result<Self, SourceError> {
        let host = std::env::var("MPD_HOST").ok();
        let port = std::env::var("MPD_PORT").ok();
        let (address, password) = config.resolve(host.as_deref(), port.as_deref())?;
        Ok(Self {
            config,
            address,
            password,
            seq: 0,
            last_art_for: None,
        })
    }

    async fn session(
        &mut self,
        emit: &mut dyn FnMut(String, Value),
        connected: &mut bool,
    ) -> Result<(), SourceError> {
        let mut conn =
            tokio::time::timeout(Duration::from_secs(5), Connection::open(&self.address))
                .await
                .map_err(|_| {
                    SourceError::Broker(format!("MPD at {}: no answer in 5 s", self.address))
                })??;
        if let Some(pw) = &self.password {
            conn.command(&format!("password {}", quote(pw))).await?;
        }
        let ns = self.config.namespace().to_owned();
        // A reconnection may be to a restarted MPD: fetch the art again.
        self.last_art_for = None;
        loop {
            let status = conn.command("status").await?;
            let song = conn.command("currentsong").await?;
            self.seq += 1;
            for (key, value) in keys::song_updates(&ns, &song)
                .into_iter()
                .chain(keys::status_updates(&ns, &status))
            {
                emit(key, value);
            }
            emit(join_key(&ns, "status_seq"), Value::from(self.seq));
            *connected = true;
            emit(join_key(&ns, "connected"), Value::Bool(true));
            if self.config.albumart.unwrap_or(true) {
                let file = song
                    .iter()
                    .find(|(k, _)| k == "file")
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                if self.last_art_for.as_deref() != Some(file.as_str()) {
                    let path = self.fetch_art(&mut conn, &file).await?;
                    emit(join_key(&ns, "albumart"), Value::from(path));
                    self.last_art_for = Some(file);
                }
            }
            let changed = conn.idle(SUBSYSTEMS).await?;
            log::debug!("MPD at {}: changed {changed:?}", self.address);
        }
    }

    /// Writes the song's art (folder cover, else embedded picture) to the cache and
    /// returns its path, or `""` when there is none.
    async fn fetch_art(&self, conn: &mut Connection, file: &str) -> Result<String, SourceError> {
        if file.is_empty() || file.contains("://") {
            return Ok(String::new());
        }
        let mut picture = conn.picture("albumart", file).await?;
        if picture.is_none() {
            picture = conn.picture("readpicture", file).await?;
        }
        let Some(bytes) = picture else {
            return Ok(String::new());
        };
        let dir = self.config.art_dir();
        match write_art(&dir, file, &bytes) {
            Ok(path) => Ok(path.to_string_lossy().into_owned()),
            Err(e) => {
                log::warn!("MPD album art: cannot write into {}: {e}", dir.display());
                Ok(String::new())
            }
        }
    }
}

/// The file extension of a picture from its first bytes.
fn picture_extension(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\x89PNG") {
        "png"
    } else if bytes.starts_with(b"GIF8") {
        "gif"
    } else if bytes.starts_with(b"BM") {
        "bmp"
    } else {
        "jpg"
    }
}

/// Writes album art for `file` into `dir` (atomically: a temporary file, then renamed).
fn write_art(dir: &Path, file: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in file.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let path = dir.join(format!("{hash:016x}.{}", picture_extension(bytes)));
    let tmp = dir.join(format!(".{hash:016x}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

impl StreamSource for MpdSource {
    fn run(
        &mut self,
        emit: &mut dyn FnMut(String, Value),
        stop: &crate::source::Stop,
    ) -> Result<(), SourceError> {
        let mut this = self.clone();
        let mut connected = false;
        let result = run_session(stop, this.session(emit, &mut connected));
        self.seq = this.seq;
        if connected && result.is_err() {
            // A dead MPD plays nothing: `state` says so (and stops the `elapsed` ramp)
            // until the reconnect reports the real state.
            let ns = self.config.namespace();
            emit(join_key(ns, "connected"), Value::Bool(false));
            emit(join_key(ns, "state"), Value::String("stop".into()));
        }
        result
    }
}

/// The `Mpd` source kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct MpdKind;

impl crate::source::kind::SourceKind for MpdKind {
    const NAME: &'static str = "Mpd";
    type Config = MpdConfig;

    fn start(
        c: &MpdConfig,
        name: &str,
        policy: crate::source::Policy,
        tx: std::sync::mpsc::Sender<crate::source::Message>,
    ) -> Result<crate::source::SourceHandle, crate::source::SourceError> {
        let source = MpdSource::new(c.clone())?;
        Ok(crate::source::spawn_stream(
            name,
            Box::new(source),
            policy,
            tx,
        ))
    }

    fn ramps(c: &MpdConfig) -> Vec<crate::source::ramp::Ramp> {
        c.ramps()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_from_settings_and_environment() {
        let c = MpdConfig::default();
        assert_eq!(
            c.resolve(None, None).expect("defaults"),
            (Address::Tcp("127.0.0.1".to_owned(), 6600), None)
        );
        assert_eq!(
            c.resolve(Some("secret@music.lan"), Some("6601"))
                .expect("env"),
            (
                Address::Tcp("music.lan".to_owned(), 6601),
                Some("secret".to_owned())
            )
        );
        assert_eq!(
            c.resolve(Some("/run/mpd/socket"), None).expect("socket"),
            (Address::Socket(PathBuf::from("/run/mpd/socket")), None)
        );
        assert!(c.resolve(None, Some("x")).is_err());
        let scene = MpdConfig {
            host: Some("pi".to_owned()),
            port: Some(7000),
            ..MpdConfig::default()
        };
        assert_eq!(
            scene.resolve(Some("other"), Some("1")).expect("scene wins"),
            (Address::Tcp("pi".to_owned(), 7000), None)
        );
        let missing = MpdConfig {
            password_env: Some("TINYDISPLAY_TEST_UNSET_VAR".to_owned()),
            ..MpdConfig::default()
        };
        assert!(missing.resolve(None, None).is_err());
    }

    #[test]
    fn art_is_written_with_its_type() {
        let dir = std::env::temp_dir().join(format!("td-art-{}", std::process::id()));
        let p = write_art(&dir, "a/b.flac", b"\x89PNG....").expect("written");
        assert_eq!(p.extension().and_then(|e| e.to_str()), Some("png"));
        assert_eq!(std::fs::read(&p).expect("read"), b"\x89PNG....");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
