//! MPD's line protocol over tokio: a greeting, commands answered by `key: value` lines
//! ending in `OK` (or one `ACK …` line), `idle` that waits for a change, and binary
//! responses for album art.
//!
//! The protocol is small and stable (documented at musicpd.org), so it is spoken here
//! directly rather than through a client crate: the ones on crates.io either bring a
//! runtime of their own or are unmaintained, and this needs just these few commands.

use std::path::Path;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

use crate::source::SourceError;

/// The largest album art accepted, in bytes.
pub const MAX_ART: usize = 16 * 1024 * 1024;

/// The longest response line accepted, in bytes.
const MAX_LINE: usize = 64 * 1024;

/// A connection to MPD over TCP or a Unix socket.
pub struct Connection {
    reader: BufReader<Box<dyn AsyncRead + Unpin + Send>>,
    writer: Box<dyn AsyncWrite + Unpin + Send>,
    /// The protocol version from the greeting (`0.23.5`).
    pub version: String,
}

/// Where MPD listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    /// Host name or address and port.
    Tcp(String, u16),
    /// Path of a Unix socket.
    Socket(std::path::PathBuf),
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Address::Tcp(h, p) => write!(f, "{h}:{p}"),
            Address::Socket(p) => write!(f, "{}", p.display()),
        }
    }
}

fn io(context: &str, source: std::io::Error) -> SourceError {
    SourceError::Io {
        context: context.to_owned(),
        source,
    }
}

fn protocol(message: String) -> SourceError {
    SourceError::Broker(format!("MPD: {message}"))
}

/// Quotes an argument for a command line: `"a \"b\""`.
pub fn quote(arg: &str) -> String {
    let mut out = String::with_capacity(arg.len() + 2);
    out.push('"');
    for c in arg.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        if c != '\n' {
            out.push(c);
        }
    }
    out.push('"');
    out
}

impl Connection {
    /// Connects and reads the greeting.
    pub async fn open(address: &Address) -> Result<Self, SourceError> {
        let context = format!("connecting to MPD at {address}");
        let (reader, writer): (
            Box<dyn AsyncRead + Unpin + Send>,
            Box<dyn AsyncWrite + Unpin + Send>,
        ) = match address {
            Address::Tcp(host, port) => {
                let stream = tokio::net::TcpStream::connect((host.as_str(), *port))
                    .await
                    .map_err(|e| io(&context, e))?;
                let (r, w) = stream.into_split();
                (Box::new(r), Box::new(w))
            }
            Address::Socket(path) => {
                let stream = connect_unix(path).await.map_err(|e| io(&context, e))?;
                let (r, w) = stream.into_split();
                (Box::new(r), Box::new(w))
            }
        };
        let mut conn = Self {
            reader: BufReader::new(reader),
            writer,
            version: String::new(),
        };
        let greeting = conn.line().await?;
        let version = greeting
            .strip_prefix("OK MPD ")
            .ok_or_else(|| protocol(format!("unexpected greeting {greeting:?}")))?;
        conn.version = version.to_owned();
        Ok(conn)
    }

    /// Reads one line without its newline.
    async fn line(&mut self) -> Result<String, SourceError> {
        let mut buf = Vec::new();
        let n = (&mut self.reader)
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut buf)
            .await
            .map_err(|e| io("reading from MPD", e))?;
        if n == 0 {
            return Err(protocol("the connection was closed".to_owned()));
        }
        if buf.last() != Some(&b'\n') {
            return Err(protocol("a response line is too long".to_owned()));
        }
        buf.pop();
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }

    /// Sends one command line.
    async fn send(&mut self, command: &str) -> Result<(), SourceError> {
        let mut line = command.replace('\n', " ");
        line.push('\n');
        self.writer
            .write_all(line.as_bytes())
            .await
            .map_err(|e| io("writing to MPD", e))
    }

    /// Runs a command and returns its `key: value` pairs (an `ACK` is an error).
    pub async fn command(&mut self, command: &str) -> Result<Vec<(String, String)>, SourceError> {
        self.send(command).await?;
        let mut pairs = Vec::new();
        loop {
            let line = self.line().await?;
            if line == "OK" {
                return Ok(pairs);
            }
            if let Some(ack) = line.strip_prefix("ACK ") {
                return Err(protocol(format!("{command:?} refused: {ack}")));
            }
            if let Some((k, v)) = line.split_once(": ") {
                pairs.push((k.to_owned(), v.to_owned()));
            }
        }
    }

    /// Waits for a change in the given subsystems; returns the ones that changed.
    pub async fn idle(&mut self, subsystems: &str) -> Result<Vec<String>, SourceError> {
        let pairs = self.command(&format!("idle {subsystems}")).await?;
        Ok(pairs
            .into_iter()
            .filter(|(k, _)| k == "changed")
            .map(|(_, v)| v)
            .collect())
    }

    /// The whole picture from a chunked binary command (`albumart`, `readpicture`) for
    /// `uri`; `None` when MPD has none.
    pub async fn picture(
        &mut self,
        command: &str,
        uri: &str,
    ) -> Result<Option<Vec<u8>>, SourceError> {
        let mut data: Vec<u8> = Vec::new();
        loop {
            self.send(&format!("{command} {} {}", quote(uri), data.len()))
                .await?;
            let mut size: Option<usize> = None;
            let mut chunk: Option<usize> = None;
            loop {
                let line = self.line().await?;
                if line == "OK" {
                    break;
                }
                if line.starts_with("ACK ") {
                    return Ok(None);
                }
                if let Some((k, v)) = line.split_once(": ") {
                    match k {
                        "size" => size = v.parse().ok(),
                        "binary" => {
                            let n: usize = v
                                .parse()
                                .map_err(|_| protocol(format!("bad binary length {v:?}")))?;
                            if data.len() + n > MAX_ART {
                                return Err(protocol(format!("album art over {MAX_ART} bytes")));
                            }
                            let start = data.len();
                            data.resize(start + n, 0);
                            self.reader
                                .read_exact(&mut data[start..])
                                .await
                                .map_err(|e| io("reading album art", e))?;
                            // The binary block ends with a newline of its own.
                            let mut newline = [0u8; 1];
                            self.reader
                                .read_exact(&mut newline)
                                .await
                                .map_err(|e| io("reading album art", e))?;
                            chunk = Some(n);
                        }
                        _ => {}
                    }
                }
            }
            match (size, chunk) {
                (Some(total), Some(n)) if n > 0 && data.len() < total => continue,
                (Some(_), Some(_)) if !data.is_empty() => return Ok(Some(data)),
                _ => return Ok(None),
            }
        }
    }
}

#[cfg(unix)]
async fn connect_unix(path: &Path) -> std::io::Result<tokio::net::UnixStream> {
    tokio::net::UnixStream::connect(path).await
}

#[cfg(not(unix))]
async fn connect_unix(_path: &Path) -> std::io::Result<tokio::net::TcpStream> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "Unix sockets are not available here",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_quoted() {
        assert_eq!(quote("a b"), "\"a b\"");
        assert_eq!(quote("say \"hi\" \\o/"), "\"say \\\"hi\\\" \\\\o/\"");
    }

    #[test]
    fn talks_the_protocol_to_a_scripted_server() {
        let rt = crate::runtime::handle();
        rt.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let port = listener.local_addr().expect("addr").port();
            let server = tokio::spawn(async move {
                let (mut s, _) = listener.accept().await.expect("accept");
                let mut r = Vec::new();
                s.write_all(b"OK MPD 0.23.5\n").await.expect("w");
                let mut buf = [0u8; 256];
                let n = s.read(&mut buf).await.expect("r");
                r.extend_from_slice(&buf[..n]);
                s.write_all(b"volume: 40\nstate: play\nOK\n")
                    .await
                    .expect("w");
                let n = s.read(&mut buf).await.expect("r");
                r.extend_from_slice(&buf[..n]);
                s.write_all(b"size: 5\nbinary: 3\nabc\nOK\n")
                    .await
                    .expect("w");
                let n = s.read(&mut buf).await.expect("r");
                r.extend_from_slice(&buf[..n]);
                s.write_all(b"size: 5\nbinary: 2\nde\nOK\n")
                    .await
                    .expect("w");
                let n = s.read(&mut buf).await.expect("r");
                r.extend_from_slice(&buf[..n]);
                s.write_all(b"ACK [50@0] {albumart} No file exists\n")
                    .await
                    .expect("w");
                String::from_utf8(r).expect("utf8")
            });
            let mut c = Connection::open(&Address::Tcp("127.0.0.1".to_owned(), port))
                .await
                .expect("greeting");
            assert_eq!(c.version, "0.23.5");
            let pairs = c.command("status").await.expect("status");
            assert_eq!(pairs[0], ("volume".to_owned(), "40".to_owned()));
            let art = c.picture("albumart", "a/b.wav").await.expect("art");
            assert_eq!(art.as_deref(), Some(&b"abcde"[..]));
            assert_eq!(c.picture("albumart", "x").await.expect("none"), None);
            let sent = server.await.expect("server");
            assert!(sent.contains("albumart \"a/b.wav\" 3\n"), "{sent}");
        });
    }
}
