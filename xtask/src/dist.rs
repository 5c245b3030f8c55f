//! `cargo xtask dist`: the portal as static files.
//!
//! For each bundle of [`BUNDLES`] (the public portal, the reviewer's page,
//! the sponsor workspace, the participant's consent pages, the benchmark
//! page): `cargo build --profile P --target wasm32-unknown-unknown -p
//! frontend --no-default-features --features F` (P: [`profile_of`]) →
//! `wasm-bindgen --target web --out-name NAME` → `wasm-opt -Oz` (npm
//! binaryen) → `NAME_bg.wasm.gz` and `NAME.js.gz` (zopfli, served by the
//! registry to browsers that accept gzip); then copy `www/`.
//!
//! The registry's trust policy is compiled in: its text is validated here
//! with the verifier (a bad policy fails the build) and passed to the
//! frontend build in `TRIAL_LEDGER_POLICY` (read with `option_env!`).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, Result};

use crate::exec::{self, cargo, header, target_dir};
use crate::tools;

const PROFILE: &str = "wasm-release";
const TARGET: &str = "wasm32-unknown-unknown";
/// The wasm features rustc's wasm32-unknown-unknown emits by default and
/// wasm-bindgen's output uses; wasm-opt must accept them (and may use them).
const WASM_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-reference-types",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-multivalue",
];

/// The environment variable the frontend reads its compiled policy from.
pub const POLICY_ENV: &str = "TRIAL_LEDGER_POLICY";

/// Which trust policy to compile into the portal.
#[derive(Debug, Clone)]
pub enum PolicyChoice {
    /// This policy file.
    File(PathBuf),
    /// The default registry data directory's `policy.txt` (an error if missing).
    Default,
    /// None: the portal trusts nothing until the user adds a policy (only
    /// for a registry that has no log yet).
    None,
}

/// The default registry data directory (`trial-registry serve`'s default).
pub fn default_data_dir(root: &Path) -> PathBuf {
    root.join("registry-data")
}

/// Reads and validates the chosen policy; `None` for [`PolicyChoice::None`].
pub fn read_policy(root: &Path, choice: &PolicyChoice) -> Result<Option<String>> {
    let path = match choice {
        PolicyChoice::None => return Ok(None),
        PolicyChoice::File(path) => path.clone(),
        PolicyChoice::Default => default_data_dir(root).join("policy.txt"),
    };
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read the trust policy {} to compile into the portal: run `cargo xtask serve` \
             (it initialises the registry's data directory) or pass `--policy PATH`",
            path.display()
        )
    })?;
    let policy = verifier::policy::Policy::parse(&text)
        .with_context(|| format!("the trust policy {} is invalid", path.display()))?;
    println!(
        "xtask: compiling in the trust policy {} (log {}, {} witnesses, quorum {})",
        path.display(),
        policy.origin(),
        policy.witnesses().len(),
        policy.quorum()
    );
    Ok(Some(text))
}

/// The wasm bundles of the portal: (name, cargo features). The first is the
/// public portal (home, search, trial pages), the second the reviewer's
/// `/verify` and `/settings`; `frontend::app::bundle_for_path` routes.
pub const BUNDLES: [(&str, &str); 5] = [
    ("frontend", "portal"),
    ("reviewer", "reviewer"),
    ("sponsor", "sponsor"),
    ("participant", "participant"),
    ("bench", "bench"),
];

/// The cargo profile of a bundle: the public portal hashes no files and is
/// built for size throughout (`wasm-portal`); the others keep their crypto
/// fast (`wasm-release`, see the workspace Cargo.toml).
fn profile_of(bundle: &str) -> &'static str {
    if bundle == BUNDLES[0].0 {
        "wasm-portal"
    } else {
        PROFILE
    }
}

/// Builds every bundle into `out` with `policy` compiled in, copies `www/`
/// next to them, prints each wasm's size and returns the public portal's
/// wasm path.
pub fn dist(root: &Path, out: &Path, policy: &PolicyChoice) -> Result<PathBuf> {
    header(&format!("dist → {}", out.display()));
    let policy_text = read_policy(root, policy)?;
    tools::ensure_wasm_target()?;
    let wasm_bindgen = tools::ensure_wasm_bindgen(root)?;
    tools::ensure_npm(root)?;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;

    let mut sizes = Vec::new();
    for (name, features) in BUNDLES {
        let mut build = cargo(root);
        match &policy_text {
            Some(text) => build.env(POLICY_ENV, text),
            None => build.env_remove(POLICY_ENV),
        };
        let profile = profile_of(name);
        exec::run(build.args([
            "build",
            "--profile",
            profile,
            "--target",
            TARGET,
            "-p",
            "frontend",
            "--no-default-features",
            "--features",
            features,
        ]))?;
        let wasm = target_dir(root)
            .join(TARGET)
            .join(profile)
            .join("frontend.wasm");
        exec::run(
            Command::new(&wasm_bindgen)
                .args([
                    "--target",
                    "web",
                    "--no-typescript",
                    "--out-name",
                    name,
                    "--out-dir",
                ])
                .arg(out)
                .arg(&wasm),
        )?;
        let bg = out.join(format!("{name}_bg.wasm"));
        let before = std::fs::metadata(&bg)?.len();
        exec::run(
            Command::new(tools::wasm_opt(root))
                .arg("-Oz")
                .args(WASM_FEATURES)
                .args(["--strip-debug", "--strip-producers"])
                .arg(&bg)
                .arg("-o")
                .arg(&bg),
        )?;
        let bytes = std::fs::read(&bg)?;
        let served = write_gzip(&bg, &bytes)?;
        let glue = out.join(format!("{name}.js"));
        write_gzip(&glue, &std::fs::read(&glue)?)?;
        sizes.push((
            bg,
            before,
            bytes.len() as u64,
            gzip_len(&bytes)? as u64,
            served,
        ));
    }

    copy_dir(&root.join("www"), out)?;
    write_service_worker(out)?;

    for (bg, before, raw, gzipped, served) in &sizes {
        println!(
            "xtask: {}: {} raw ({} before wasm-opt), {} gzipped with zlib -9, served as {} ({served} bytes, zopfli gzip)",
            bg.strip_prefix(root).unwrap_or(bg).display(),
            kib(*raw),
            kib(*before),
            kib(*gzipped),
            kib(*served),
        );
    }
    Ok(out.join(format!("{}_bg.wasm", BUNDLES[0].0)))
}

/// The bundles the service worker precaches: the public portal and the
/// reviewer's page.
const OFFLINE_BUNDLES: [&str; 2] = [BUNDLES[0].0, BUNDLES[1].0];

/// The files the service worker precaches (the app shell for every page of
/// the public portal's and the reviewer's bundles: `/verify` must work
/// offline after one visit to the portal), as URL paths: `index.html`, the
/// other top-level files of `www/` except the worker itself, and those two
/// bundles.
pub fn shell_assets(out: &Path) -> Result<Vec<String>> {
    let mut assets = vec!["/index.html".to_owned()];
    let mut names = Vec::new();
    for entry in std::fs::read_dir(out).with_context(|| format!("cannot read {}", out.display()))? {
        let entry = entry?;
        if !entry.file_type()?.is_file() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let precached_bundle = OFFLINE_BUNDLES
            .iter()
            .any(|b| name == format!("{b}.js") || name == format!("{b}_bg.wasm"));
        let is_shell =
            name != "sw.js" && name != "index.html" && (root_www_file(&name) || precached_bundle);
        if is_shell {
            names.push(name);
        }
    }
    names.sort();
    assets.extend(names.into_iter().map(|n| format!("/{n}")));
    Ok(assets)
}

/// Whether `name` is a shell file (not another bundle's glue or wasm).
fn root_www_file(name: &str) -> bool {
    let other_bundle = BUNDLES
        .iter()
        .any(|(bundle, _)| name == format!("{bundle}.js") || name == format!("{bundle}_bg.wasm"));
    !other_bundle
        && [
            ".html",
            ".js",
            ".css",
            ".svg",
            ".webmanifest",
            ".png",
            ".ico",
        ]
        .iter()
        .any(|ext| name.ends_with(ext))
}

/// Writes the content-hashed cache name and the shell's asset list into
/// `out/sw.js` (the `const CACHE = …` and `const ASSETS = …` lines of
/// `www/sw.js`): a change of any shell file is a new cache name, so
/// browsers install the new worker and its activation deletes the old cache.
fn write_service_worker(out: &Path) -> Result<()> {
    let path = out.join("sw.js");
    let template = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let assets = shell_assets(out)?;
    let mut content = template.clone().into_bytes();
    for asset in &assets {
        let file = out.join(asset.trim_start_matches('/'));
        let bytes =
            std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
        content.extend_from_slice(asset.as_bytes());
        content.push(0);
        content.extend_from_slice(&verifier::entry::entry_hash_bytes(&bytes));
    }
    let digest = verifier::merkle::hex(&verifier::entry::entry_hash_bytes(&content));
    let cache = digest[..16].to_owned();
    let list = assets
        .iter()
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let (mut cache_line, mut assets_line) = (false, false);
    let mut written = String::new();
    for line in template.lines() {
        if line.starts_with("const CACHE = ") {
            written.push_str(&format!("const CACHE = CACHE_PREFIX + '{cache}';\n"));
            cache_line = true;
        } else if line.starts_with("const ASSETS = ") {
            written.push_str(&format!("const ASSETS = [{list}];\n"));
            assets_line = true;
        } else {
            written.push_str(line);
            written.push('\n');
        }
    }
    anyhow::ensure!(
        cache_line && assets_line,
        "www/sw.js lacks its `const CACHE = ` or `const ASSETS = ` line"
    );
    std::fs::write(&path, written).with_context(|| format!("cannot write {}", path.display()))?;
    println!(
        "xtask: service worker cache trial-ledger-shell-{cache}: {} shell files",
        assets.len()
    );
    Ok(())
}

fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

fn gzip_len(bytes: &[u8]) -> Result<usize> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?.len())
}

/// Writes `PATH.gz` (standard gzip, compressed with zopfli) next to `path`,
/// which the registry serves to browsers that accept gzip; returns its size.
fn write_gzip(path: &Path, bytes: &[u8]) -> Result<u64> {
    let mut name = path.as_os_str().to_owned();
    name.push(".gz");
    let gz = PathBuf::from(name);
    let mut compressed = Vec::new();
    let options = zopfli::Options {
        // Fewer than the default 15 iterations: within 0.1% of the size, a
        // third of the time.
        iteration_count: std::num::NonZeroU64::new(5).unwrap_or(std::num::NonZeroU64::MIN),
        ..zopfli::Options::default()
    };
    zopfli::compress(options, zopfli::Format::Gzip, bytes, &mut compressed)
        .with_context(|| format!("cannot compress {}", path.display()))?;
    std::fs::write(&gz, &compressed).with_context(|| format!("cannot write {}", gz.display()))?;
    Ok(compressed.len() as u64)
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in
        std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))?
    {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .with_context(|| format!("cannot copy {}", entry.path().display()))?;
        }
    }
    Ok(())
}
