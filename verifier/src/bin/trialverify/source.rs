//! Where `audit-log` reads a tiled log from: a directory laid out as the C2SP
//! tlog-tiles URL space, or an http(s):// prefix serving it.

use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use crate::Failure;

/// A read-only view of a tiled log's files, addressed by their tlog-tiles
/// paths (`checkpoint`, `tile/0/x001/234`, `tile/entries/000.p/7`, …).
pub enum LogSource {
    /// A local directory (for example a copy of a log or a registry's data dir).
    Directory(PathBuf),
    /// A log served over HTTP(S); `base` ends without a slash.
    Http { base: String, agent: ureq::Agent },
}

impl LogSource {
    /// Interprets `location` as a URL when it starts with `http://` or
    /// `https://`, as a directory otherwise.
    pub fn open(location: &str) -> Result<LogSource, Failure> {
        if location.starts_with("http://") || location.starts_with("https://") {
            let agent = ureq::Agent::config_builder()
                .timeout_global(Some(Duration::from_secs(60)))
                .http_status_as_error(false)
                .build()
                .into();
            let base = location.trim_end_matches('/').to_string();
            Ok(LogSource::Http { base, agent })
        } else {
            let dir = PathBuf::from(location);
            if !dir.is_dir() {
                return Err(Failure::Input(format!(
                    "{location} is neither a directory nor an http(s):// URL"
                )));
            }
            Ok(LogSource::Directory(dir))
        }
    }

    /// Reads the file at a tlog-tiles `path`, or `None` when the log does not
    /// have it. Files larger than `max` bytes are refused.
    pub fn fetch(&self, path: &str, max: u64) -> Result<Option<Vec<u8>>, Failure> {
        match self {
            LogSource::Directory(dir) => {
                let full = dir.join(path);
                let file = match std::fs::File::open(&full) {
                    Ok(file) => file,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                    Err(e) => {
                        return Err(Failure::Input(format!(
                            "cannot read {}: {e}",
                            full.display()
                        )));
                    }
                };
                let mut bytes = Vec::new();
                file.take(max + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|e| Failure::Input(format!("cannot read {}: {e}", full.display())))?;
                if bytes.len() as u64 > max {
                    return Err(Failure::Verification(format!(
                        "{path} is larger than the {max} bytes the format allows"
                    )));
                }
                Ok(Some(bytes))
            }
            LogSource::Http { base, agent } => {
                let url = format!("{base}/{path}");
                let mut response = agent
                    .get(&url)
                    .call()
                    .map_err(|e| Failure::Input(format!("cannot fetch {url}: {e}")))?;
                match response.status().as_u16() {
                    200 => {}
                    404 => return Ok(None),
                    status => {
                        return Err(Failure::Input(format!("{url} answered HTTP {status}")));
                    }
                }
                let bytes = response
                    .body_mut()
                    .with_config()
                    .limit(max)
                    .read_to_vec()
                    .map_err(|e| Failure::Verification(format!("reading {url}: {e}")))?;
                Ok(Some(bytes))
            }
        }
    }

    /// Like [`LogSource::fetch`], but a missing file is a failed verification:
    /// a log that cannot show a tile its checkpoint commits to is broken.
    pub fn fetch_required(&self, path: &str, max: u64) -> Result<Vec<u8>, Failure> {
        self.fetch(path, max)?
            .ok_or_else(|| Failure::Verification(format!("the log does not serve {path}")))
    }
}
