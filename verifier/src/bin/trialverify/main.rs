//! `trialverify` — the reviewer's offline verifier for Trial Ledger.
//!
//! Every subcommand ends in one of these exit codes, so that scripts can rely on
//! them: 0 when everything verified, 1 when a verification failed (the message
//! says what failed), 2 when the input or the arguments cannot be used at all,
//! and — for `bundle` — 3 when the evidence holds but shows findings.
//! This binary is the I/O edge of the sans-IO `verifier` library: it reads files,
//! standard input and HTTP, draws progress bars, and leaves every check to the
//! library.

mod audit;
mod bundle;
mod import;
mod source;

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use verifier::merkle::{self, Hash};
use verifier::note::{self, VerifierKey};

/// Largest note, proof case or checkpoint file read into memory (notes hold at
/// most 100 signatures; 1 MiB is far beyond any legitimate input).
const MAX_SMALL_INPUT: u64 = 1 << 20;

#[derive(Parser)]
#[command(
    name = "trialverify",
    version,
    about = "Verify Trial Ledger evidence offline: signed notes, Merkle proofs, whole tiled logs, document hashes."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Verify a C2SP signed note and print the names of the verified signers.
    Note {
        /// A verifier key (`name+hex8+base64`); repeat for several signers.
        #[arg(long = "vkey", required = true)]
        vkeys: Vec<String>,
        /// The note file, or `-` (the default) for standard input.
        #[arg(default_value = "-")]
        file: String,
    },
    /// Verify one RFC 6962 proof given as JSON (the transparency-dev/merkle
    /// test-vector format; `wantErr` is ignored).
    Proof {
        #[command(subcommand)]
        kind: ProofKind,
    },
    /// Audit a whole tiled log (C2SP tlog-tiles): verify its checkpoint,
    /// recompute every leaf, tile and the root from the entry bundles, and
    /// compare each stored tile.
    AuditLog {
        /// A directory holding `checkpoint` and `tile/`, or an http(s):// URL prefix.
        location: String,
        /// The log's verifier key.
        #[arg(long)]
        vkey: String,
        /// An older checkpoint of the same log to prove consistency with.
        #[arg(long)]
        since: Option<PathBuf>,
    },
    /// Map a ClinicalTrials.gov API v2 study record (JSON) to the unsigned
    /// bodies of a registration and a results predicate, printed as JSON;
    /// what the record lacks is listed, and repeated on standard error.
    ImportCtgov {
        /// The study record, or `-` (the default) for standard input.
        #[arg(default_value = "-")]
        file: String,
    },
    /// Verify a trial's evidence bundle offline: signatures, witness quorum,
    /// inclusion and consistency proofs, the trial's rules, witnessed times,
    /// prospective registration, documents and the outcome comparison.
    /// Exit 0 verified, 3 findings, 1 failed, 2 unusable input.
    Bundle {
        /// The bundle (JSON), or `-` for standard input.
        bundle: String,
        /// The trust policy file (`log`, `witness`, `quorum` lines).
        #[arg(long)]
        policy: String,
        /// A document to match against the entries' subjects by SHA-256;
        /// repeat for several.
        #[arg(long = "file")]
        files: Vec<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print SHA-256 digests in `sha256sum` format.
    Hash {
        /// Files to hash.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ProofKind {
    /// `{"leafIdx","treeSize","root","leafHash","proof"}`
    Inclusion {
        #[arg(default_value = "-")]
        file: String,
    },
    /// `{"size1","size2","root1","root2","proof"}`
    Consistency {
        #[arg(default_value = "-")]
        file: String,
    },
}

/// Why a command did not end in "verified".
#[derive(Debug)]
pub enum Failure {
    /// The input was usable, and a check failed (exit 1).
    Verification(String),
    /// The input or the arguments cannot be used (exit 2).
    Input(String),
    /// The evidence holds, and shows findings about the trial (exit 3).
    Findings(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Verification(m) => write!(f, "verification failed: {m}"),
            Failure::Input(m) => write!(f, "unusable input: {m}"),
            Failure::Findings(m) => write!(f, "verified with findings: {m}"),
        }
    }
}

impl Failure {
    fn exit_code(&self) -> ExitCode {
        match self {
            Failure::Verification(_) => ExitCode::from(1),
            Failure::Input(_) => ExitCode::from(2),
            Failure::Findings(_) => ExitCode::from(3),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Note { vkeys, file } => verify_note(&vkeys, &file),
        Command::Proof {
            kind: ProofKind::Inclusion { file },
        } => verify_inclusion_case(&file),
        Command::Proof {
            kind: ProofKind::Consistency { file },
        } => verify_consistency_case(&file),
        Command::AuditLog {
            location,
            vkey,
            since,
        } => audit::run(&location, &vkey, since.as_deref()),
        Command::ImportCtgov { file } => import::run(&file),
        Command::Bundle {
            bundle,
            policy,
            files,
            json,
        } => bundle::run(&bundle, &policy, &files, json),
        Command::Hash { files } => hash_files(&files),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("trialverify: {failure}");
            failure.exit_code()
        }
    }
}

/// Reads a small input from a file or, for `-`, standard input, refusing
/// anything larger than [`MAX_SMALL_INPUT`].
fn read_small_input(file: &str) -> Result<Vec<u8>, Failure> {
    let mut bytes = Vec::new();
    let read = if file == "-" {
        std::io::stdin()
            .take(MAX_SMALL_INPUT + 1)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(file).and_then(|f| f.take(MAX_SMALL_INPUT + 1).read_to_end(&mut bytes))
    };
    let name = if file == "-" { "standard input" } else { file };
    read.map_err(|e| Failure::Input(format!("cannot read {name}: {e}")))?;
    if bytes.len() as u64 > MAX_SMALL_INPUT {
        return Err(Failure::Input(format!(
            "{name} is larger than {MAX_SMALL_INPUT} bytes"
        )));
    }
    Ok(bytes)
}

fn parse_vkey(text: &str) -> Result<VerifierKey, Failure> {
    text.parse::<VerifierKey>()
        .map_err(|e| Failure::Input(format!("verifier key {text:?}: {e}")))
}

fn verify_note(vkeys: &[String], file: &str) -> Result<(), Failure> {
    let keys = vkeys
        .iter()
        .map(|k| parse_vkey(k))
        .collect::<Result<Vec<_>, _>>()?;
    let msg = read_small_input(file)?;
    let verified =
        note::verify_note(&msg, &keys).map_err(|e| Failure::Verification(e.to_string()))?;
    for signature in &verified.verified {
        println!("{}", signature.name);
    }
    Ok(())
}

/// One inclusion case in the transparency-dev/merkle test-vector format.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct InclusionCase {
    leaf_idx: u64,
    tree_size: u64,
    root: String,
    leaf_hash: String,
    proof: Option<Vec<String>>,
}

/// One consistency case in the transparency-dev/merkle test-vector format.
#[derive(serde::Deserialize)]
struct ConsistencyCase {
    size1: u64,
    size2: u64,
    root1: String,
    root2: String,
    proof: Option<Vec<String>>,
}

fn parse_case<T: serde::de::DeserializeOwned>(file: &str) -> Result<T, Failure> {
    let bytes = read_small_input(file)?;
    serde_json::from_slice(&bytes).map_err(|e| Failure::Input(format!("proof JSON: {e}")))
}

/// Decodes base64 from a proof case. The length is not checked here: the
/// library's `*_bytes` verifiers name a hash of the wrong length as a failed
/// check, and compare opaque roots where the spec does (equal tree sizes).
fn decode_b64(what: &str, b64: &str) -> Result<Vec<u8>, Failure> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| Failure::Input(format!("{what} is not base64: {e}")))
}

fn decode_proof(proof: Option<Vec<String>>) -> Result<Vec<Vec<u8>>, Failure> {
    proof
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, h)| decode_b64(&format!("proof[{i}]"), h))
        .collect()
}

fn verify_inclusion_case(file: &str) -> Result<(), Failure> {
    let case: InclusionCase = parse_case(file)?;
    let root = decode_b64("root", &case.root)?;
    let leaf_hash = decode_b64("leafHash", &case.leaf_hash)?;
    let proof = decode_proof(case.proof)?;
    merkle::verify_inclusion_bytes(&leaf_hash, case.leaf_idx, case.tree_size, &proof, &root)
        .map_err(|e| Failure::Verification(e.to_string()))?;
    println!(
        "inclusion verified: leaf {} is in the tree of size {}",
        case.leaf_idx, case.tree_size
    );
    Ok(())
}

fn verify_consistency_case(file: &str) -> Result<(), Failure> {
    let case: ConsistencyCase = parse_case(file)?;
    let root1 = decode_b64("root1", &case.root1)?;
    let root2 = decode_b64("root2", &case.root2)?;
    let proof = decode_proof(case.proof)?;
    merkle::verify_consistency_bytes(case.size1, case.size2, &root1, &root2, &proof)
        .map_err(|e| Failure::Verification(e.to_string()))?;
    println!(
        "consistency verified: the tree of size {} is a prefix of the tree of size {}",
        case.size1, case.size2
    );
    Ok(())
}

/// Files above this size get a progress bar while they are hashed.
const PROGRESS_THRESHOLD: u64 = 64 << 20;

fn hash_files(files: &[PathBuf]) -> Result<(), Failure> {
    let mut first_error = None;
    for path in files {
        match hash_file(path) {
            Ok(digest) => println!("{}  {}", hex(&digest), path.display()),
            Err(e) => {
                eprintln!("trialverify: {e}");
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        None => Ok(()),
        Some(e) => Err(e),
    }
}

fn hash_file(path: &Path) -> Result<Hash, Failure> {
    use sha2::{Digest, Sha256};
    let unreadable =
        |e: std::io::Error| Failure::Input(format!("cannot read {}: {e}", path.display()));
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    let len = file.metadata().map_err(unreadable)?.len();
    let bar = if len >= PROGRESS_THRESHOLD {
        progress_bar(len, &path.display().to_string())
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(unreadable)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bar.inc(n as u64);
    }
    bar.finish_and_clear();
    Ok(hasher.finalize().into())
}

/// A byte-counting progress bar on standard error; indicatif hides it when
/// standard error is not a terminal, so scripts and CI logs stay clean.
pub fn progress_bar(len: u64, label: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(label.to_string());
    bar
}

/// Lowercase hexadecimal, as `sha256sum` prints it (shared by the commands).
pub use verifier::merkle::hex;
