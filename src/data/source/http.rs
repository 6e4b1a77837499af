//! The HTTP source: GETs a URL returning JSON, optionally selects a part of it with a JSON
//! pointer, and flattens it under the namespace.

use std::time::Duration;

use serde::Deserialize;
use ureq::Agent;

use super::{PollSource, SourceError, Value, flatten, join_key};

/// Settings of an HTTP source.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct HttpConfig {
    /// The URL to GET (plain `http://`; this build has no TLS).
    pub url: String,
    /// A JSON pointer such as `/data/0/temp` selecting part of the document.
    #[serde(default)]
    pub pointer: Option<String>,
    /// Key prefix (default `http`).
    #[serde(default = "default_namespace")]
    pub namespace: String,
}

fn default_namespace() -> String {
    "http".to_owned()
}

impl HttpConfig {
    /// Settings for `url` with no pointer and the default namespace.
    pub fn new(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            pointer: None,
            namespace: default_namespace(),
        }
    }
}

/// Fetches JSON over HTTP: a selected scalar is `<ns>.value`, an object or array is
/// flattened under `<ns>`; a status outside 2xx is a failure.
#[derive(Debug, Clone)]
pub struct HttpSource {
    config: HttpConfig,
    agent: Agent,
}

impl HttpSource {
    /// An HTTP source whose requests give up after `timeout`.
    pub fn new(config: HttpConfig, timeout: Duration) -> Result<Self, SourceError> {
        if let Some(p) = &config.pointer
            && !p.is_empty()
            && !p.starts_with('/')
        {
            return Err(SourceError::Config(format!(
                "JSON pointer {p:?} must be empty or start with '/'"
            )));
        }
        let agent: Agent = Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .user_agent(concat!("tinydisplay/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(Self { config, agent })
    }

    /// The updates of a fetched document, after selection by the pointer.
    pub fn updates(&self, document: &Value) -> Result<Vec<(String, Value)>, SourceError> {
        let ns = &self.config.namespace;
        let selected = match &self.config.pointer {
            Some(pointer) => document
                .pointer(pointer)
                .ok_or_else(|| SourceError::Select {
                    pointer: pointer.clone(),
                })?,
            None => document,
        };
        Ok(match selected {
            Value::Object(_) | Value::Array(_) => flatten(ns, selected),
            scalar => vec![(join_key(ns, "value"), scalar.clone())],
        })
    }
}

impl PollSource for HttpSource {
    fn poll(&mut self) -> Result<Vec<(String, Value)>, SourceError> {
        let url = &self.config.url;
        let failed = |e: ureq::Error| match e {
            ureq::Error::Timeout(_) => SourceError::Timeout {
                ms: self
                    .agent
                    .config()
                    .timeouts()
                    .global
                    .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            },
            other => SourceError::Http {
                url: url.clone(),
                message: other.to_string(),
            },
        };
        let mut response = self.agent.get(url).call().map_err(failed)?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(SourceError::Status {
                url: url.clone(),
                status,
            });
        }
        let body = response.body_mut().read_to_string().map_err(failed)?;
        let document: Value = serde_json::from_str(&body).map_err(|e| SourceError::Parse {
            what: format!("the response of {url} as JSON"),
            message: e.to_string(),
        })?;
        self.updates(&document)
    }
}
