//! Criterion benchmarks of the transparency-log core (`cargo bench -p verifier`).
//!
//! Targets on the 2-core reference machine (issue 2): proof verification
//! ≤ 20 µs; checkpoint + 3 cosignatures under a policy ≤ 250 µs; `audit-log`
//! ≥ 1,000,000 leaves/s. Set `TL_BENCH_AUDIT_SIZE` to change the audited log's
//! size (default 1,000,000 entries; the log is generated once per run) and
//! `TL_BENCH_ENTRY_BYTES` to pad every entry to that many bytes (default:
//! short entries of 10–17 bytes; real ledger entries are 1–3 KB).
//!
//! Evidence bundles (issue 3): `verify_bundle` on a bundle of 20 entries of
//! one trial with 3 witnesses (quorum 2), each entry anchored in its own
//! checkpoint — 21 checkpoint notes and 20 entry signatures, 104 Ed25519
//! verifications in all (the browser's number is printed by
//! `tests/wasm.rs::bundle_verification_time`; target < 5 ms there).

#[path = "../tests/common/mod.rs"]
mod common;

#[path = "../tests/bundle_common/mod.rs"]
mod bundle_common;

use std::hint::black_box;
use std::process::Command;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use verifier::checkpoint::{Checkpoint, sign_checkpoint};
use verifier::cosignature;
use verifier::entry::Entry;
use verifier::merkle::{self, Hash};
use verifier::note::{KeyType, SignerKey};
use verifier::policy::Policy;
use verifier::report::{Verdict, verify_bundle};

const TREE_SIZE: u64 = 1_000_000;

fn leaf_hashes(n: u64) -> Vec<Hash> {
    (0..n)
        .map(|i| merkle::leaf_hash(&i.to_be_bytes()))
        .collect()
}

fn bench_leaf_hashing(c: &mut Criterion) {
    let mut group = c.benchmark_group("leaf_hash");
    for size in [256usize, 4096, 1 << 20] {
        let entry = vec![0x5au8; size];
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(format!("{size}_bytes"), |b| {
            b.iter(|| merkle::leaf_hash(black_box(&entry)))
        });
    }
    group.finish();
}

fn bench_proofs(c: &mut Criterion) {
    let leaves = leaf_hashes(TREE_SIZE);
    let root = merkle::tree_root(&leaves);
    let index = 765_432;
    let inclusion = merkle::inclusion_proof(&leaves, index).expect("index in tree");
    let old_size = 654_321;
    let old_root = merkle::tree_root(&leaves[..old_size as usize]);
    let consistency = merkle::consistency_proof(&leaves, old_size).expect("old size in tree");
    let leaf = leaves[index as usize];

    let mut group = c.benchmark_group("verify_proof_1M_tree");
    group.bench_function("inclusion", |b| {
        b.iter(|| {
            merkle::verify_inclusion(
                black_box(&leaf),
                index,
                TREE_SIZE,
                black_box(&inclusion),
                &root,
            )
            .expect("valid proof")
        })
    });
    group.bench_function("consistency", |b| {
        b.iter(|| {
            merkle::verify_consistency(
                old_size,
                TREE_SIZE,
                &old_root,
                &root,
                black_box(&consistency),
            )
            .expect("valid proof")
        })
    });
    group.finish();
}

fn bench_checkpoint_policy(c: &mut Criterion) {
    let origin = "bench.example/log";
    let log = SignerKey::from_seed(origin, KeyType::Ed25519, [1; 32]).expect("log key");
    let witnesses: Vec<SignerKey> = (0..3u8)
        .map(|i| {
            SignerKey::from_seed(
                &format!("witness-{i}.example"),
                KeyType::Cosignature,
                [10 + i; 32],
            )
            .expect("witness key")
        })
        .collect();
    let checkpoint = Checkpoint {
        origin: origin.into(),
        size: TREE_SIZE,
        root: [0xab; 32],
        extensions: vec![],
    };
    let note = sign_checkpoint(&checkpoint, &log).expect("sign");
    let body = checkpoint.to_text();
    let cosignatures: Vec<_> = witnesses
        .iter()
        .enumerate()
        .map(|(i, w)| cosignature::cosign(w, &body, 1_790_000_000 + i as u64).expect("cosign"))
        .collect();
    let cosigned = cosignature::add_signatures(&note, &cosignatures).expect("add cosignatures");
    let mut builder = Policy::builder(log.verifier_key());
    for w in &witnesses {
        builder = builder.witness(w.name(), w.verifier_key());
    }
    let policy = builder.quorum(3).build().expect("policy");
    policy.evaluate(cosigned.as_bytes()).expect("trusted");

    c.bench_function("checkpoint_log_sig_plus_3_cosignatures", |b| {
        b.iter(|| {
            policy
                .evaluate(black_box(cosigned.as_bytes()))
                .expect("trusted")
        })
    });
}

fn bench_bundle(c: &mut Criterion) {
    let (bundle, policy) = bundle_common::twenty_entry_bundle();
    let json = bundle.to_json();
    c.bench_function("verify_bundle_20_entries_3_witnesses", |b| {
        b.iter(|| {
            let report = verify_bundle(black_box(json.as_bytes()), &policy, &[]).expect("usable");
            assert_eq!(report.verdict, Verdict::Verified);
        })
    });
}

/// What the registry pays per submission before sequencing:
/// `Entry::parse` (envelope, statement, predicate, Ed25519, validation) of
/// the example registration, next to the bare signature check inside it.
fn bench_entry_parse(c: &mut Criterion) {
    let bytes = verifier::fixtures::registration_entry().expect("fixture entry");
    let entry = Entry::parse(&bytes).expect("fixture entry parses");
    let mut group = c.benchmark_group("entry");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("parse_registration", |b| {
        b.iter(|| Entry::parse(black_box(&bytes)).expect("parses"))
    });
    let envelope = verifier::dsse::Envelope::from_json(&bytes).expect("envelope");
    group.bench_function("verify_signature_only", |b| {
        b.iter(|| {
            envelope
                .verify_single(black_box(entry.signer_key()))
                .expect("verifies")
        })
    });
    group.finish();
}

fn bench_audit_log(c: &mut Criterion) {
    let size: u64 = std::env::var("TL_BENCH_AUDIT_SIZE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let entry_bytes: usize = std::env::var("TL_BENCH_ENTRY_BYTES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let dir = tempfile::tempdir().expect("tempdir");
    let origin = "bench.example/audit";
    common::write_log_of(dir.path(), origin, size, |i| {
        common::padded_entry(i, entry_bytes)
    });
    let vkey = common::log_signer(origin).verifier_key().to_string();
    let path = dir.path().to_str().expect("utf-8 path").to_string();

    let mut group = c.benchmark_group("audit_log");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(size));
    let label = match entry_bytes {
        0 => format!("{size}_short_entries_on_disk"),
        n => format!("{size}_entries_of_{n}_bytes_on_disk"),
    };
    group.bench_function(label, |b| {
        b.iter(|| {
            let out = Command::new(env!("CARGO_BIN_EXE_trialverify"))
                .args(["audit-log", &path, "--vkey", &vkey])
                .output()
                .expect("run trialverify");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_leaf_hashing,
    bench_proofs,
    bench_checkpoint_policy,
    bench_bundle,
    bench_entry_parse,
    bench_audit_log
);
criterion_main!(benches);
