//! [`LogConfig`]: everything the log runs with, built with
//! [`LogConfig::builder`] (the `serve` command and in-process tests use the
//! same builder).

use std::path::{Path, PathBuf};
use std::time::Duration;

use verifier::note::VerifierKey;

use crate::witness::WitnessClient;

/// The origin (and log key name) used when none is given.
pub const DEFAULT_ORIGIN: &str = "localhost/trial-ledger";
/// Most entries sequenced in one durable transaction.
pub const DEFAULT_BATCH_SIZE: usize = 1024;
/// Longest a submission waits for others to share its transaction.
pub const DEFAULT_BATCH_WAIT: Duration = Duration::from_millis(5);
/// Number of local demo witnesses started when no witness is configured.
pub const DEFAULT_DEMO_WITNESSES: usize = 2;

/// A witness the log asks for cosignatures.
#[derive(Debug, Clone)]
pub enum WitnessSpec {
    /// A witness serving C2SP tlog-witness at `url`, with cosignature key `key`.
    Http {
        /// Its submission prefix (`/add-checkpoint` is appended).
        url: String,
        /// Its cosignature (type 0x04) verifier key.
        key: VerifierKey,
    },
    /// A client built by the caller (e.g. an in-process witness in tests).
    Client(WitnessClient),
}

/// A token bucket: `per_minute` tokens a minute, at most `burst` saved up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained rate.
    pub per_minute: u32,
    /// Bucket size.
    pub burst: u32,
}

/// How the log runs. Build with [`LogConfig::builder`].
#[derive(Debug, Clone)]
pub struct LogConfig {
    /// Where keys, the policy, the state database and the tiles live.
    pub data_dir: PathBuf,
    /// The log's origin; its key is named like it.
    pub origin: String,
    /// Witnesses to ask; when empty, `demo_witnesses` local witnesses run
    /// in-process (a demo: they are not independent of the log).
    pub witnesses: Vec<WitnessSpec>,
    /// Number of local demo witnesses when `witnesses` is empty.
    pub demo_witnesses: usize,
    /// Cosignatures required (default: every witness).
    pub quorum: Option<usize>,
    /// Most entries per sequencing transaction.
    pub batch_size: usize,
    /// Longest a submission waits for a batch to fill (0: take what is queued).
    pub batch_wait: Duration,
    /// Most submissions waiting for the sequencer before new ones get 503.
    pub queue_capacity: usize,
    /// Shortest time between two published checkpoints.
    pub checkpoint_interval: Duration,
    /// How long to gather cosignatures for one checkpoint before retrying.
    pub cosign_timeout: Duration,
    /// Rate limit of consent entries per client address (`None`: unlimited).
    pub consent_rate_limit: Option<RateLimit>,
}

impl LogConfig {
    /// A configuration with the defaults, keeping its state in `data_dir`.
    pub fn builder(data_dir: impl AsRef<Path>) -> LogConfigBuilder {
        LogConfigBuilder {
            config: LogConfig {
                data_dir: data_dir.as_ref().to_path_buf(),
                origin: DEFAULT_ORIGIN.to_string(),
                witnesses: Vec::new(),
                demo_witnesses: DEFAULT_DEMO_WITNESSES,
                quorum: None,
                batch_size: DEFAULT_BATCH_SIZE,
                batch_wait: DEFAULT_BATCH_WAIT,
                queue_capacity: 16 * 1024,
                checkpoint_interval: Duration::from_millis(200),
                cosign_timeout: Duration::from_secs(10),
                consent_rate_limit: Some(RateLimit {
                    per_minute: 10,
                    burst: 20,
                }),
            },
        }
    }
}

/// Builds a [`LogConfig`].
#[derive(Debug, Clone)]
pub struct LogConfigBuilder {
    config: LogConfig,
}

impl LogConfigBuilder {
    /// The log's origin (default [`DEFAULT_ORIGIN`]).
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        self.config.origin = origin.into();
        self
    }

    /// Adds a witness reached over HTTP.
    pub fn witness(mut self, url: impl Into<String>, key: VerifierKey) -> Self {
        self.config.witnesses.push(WitnessSpec::Http {
            url: url.into(),
            key,
        });
        self
    }

    /// Adds a witness client built by the caller.
    pub fn witness_client(mut self, client: WitnessClient) -> Self {
        self.config.witnesses.push(WitnessSpec::Client(client));
        self
    }

    /// Number of local demo witnesses when no witness is added (default 2).
    pub fn demo_witnesses(mut self, count: usize) -> Self {
        self.config.demo_witnesses = count;
        self
    }

    /// Cosignatures required (default: all witnesses).
    pub fn quorum(mut self, quorum: usize) -> Self {
        self.config.quorum = Some(quorum);
        self
    }

    /// Most entries per sequencing transaction (default 1024).
    pub fn batch_size(mut self, size: usize) -> Self {
        self.config.batch_size = size.max(1);
        self
    }

    /// Longest wait for a batch to fill (default 5 ms).
    pub fn batch_wait(mut self, wait: Duration) -> Self {
        self.config.batch_wait = wait;
        self
    }

    /// Most submissions waiting to be sequenced (default 16,384).
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.config.queue_capacity = capacity.max(1);
        self
    }

    /// Shortest time between published checkpoints (default 200 ms).
    pub fn checkpoint_interval(mut self, interval: Duration) -> Self {
        self.config.checkpoint_interval = interval;
        self
    }

    /// How long to gather cosignatures before retrying (default 10 s).
    pub fn cosign_timeout(mut self, timeout: Duration) -> Self {
        self.config.cosign_timeout = timeout;
        self
    }

    /// Consent entries per client address (default 10 a minute, burst 20;
    /// `None` for no limit).
    pub fn consent_rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.config.consent_rate_limit = limit;
        self
    }

    /// The configuration.
    pub fn build(self) -> LogConfig {
        self.config
    }
}
