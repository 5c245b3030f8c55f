//! The log end to end over HTTP, in-process: sequencing, idempotency, every
//! refusal, racing amendments, published tiles and checkpoints verified with
//! the `verifier` library, and recovery after a restart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;

use support::{Registry, registration, test_config};
use trial_registry::log::{LogConfig, LogRead as _, RateLimit};
use trial_registry::store::{NewEntry, RedbStateStore, StateStore as _};
use verifier::dsse::{Envelope, IN_TOTO_PAYLOAD_TYPE};
use verifier::entry::{EntryBuilder, TrialId, entry_hash, entry_hash_bytes};
use verifier::fixtures;
use verifier::merkle::{self, Hash};
use verifier::predicate::ConsentEvent;
use verifier::tile::{ProofBuilder, TileId, decode_entry_bundle, parse_hash_tile};

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers.get(name).unwrap().to_str().unwrap()
}

/// Fetches every tile the root needs and every entry bundle, and checks
/// that they give the trusted checkpoint's root and hold `expected` at
/// their indexes. Returns the leaf hashes.
async fn verify_published(registry: &Registry, expected: &[(u64, Vec<u8>)]) -> (u64, Vec<Hash>) {
    let note = registry.get_ok("/checkpoint").await;
    let trusted = registry
        .policy()
        .evaluate(&note)
        .expect("the published checkpoint satisfies the policy");
    let size = trusted.checkpoint.size;
    let mut builder = ProofBuilder::new(size);
    for id in builder.tiles_for_root() {
        let bytes = registry.get_ok(&format!("/{}", id.path())).await;
        builder.add_tile(id, &bytes).unwrap();
    }
    assert_eq!(builder.root().unwrap(), trusted.checkpoint.root);

    let mut entries = Vec::new();
    let mut leaves = Vec::new();
    let mut start = 0;
    while start < size {
        let id = TileId::for_tree(0, start / 256, size).unwrap();
        let bundle = registry
            .get_ok(&format!("/{}", id.entry_bundle_path()))
            .await;
        let decoded = decode_entry_bundle(&bundle).unwrap();
        assert_eq!(decoded.len(), usize::from(id.width));
        let tile = registry.get_ok(&format!("/{}", id.path())).await;
        let hashes = parse_hash_tile(&id, &tile).unwrap();
        for (entry, hash) in decoded.iter().zip(&hashes) {
            assert_eq!(merkle::leaf_hash(entry), *hash, "leaf of entry bundle");
            entries.push(entry.to_vec());
        }
        leaves.extend(hashes);
        start += u64::from(id.width);
    }
    assert_eq!(merkle::tree_root(&leaves), trusted.checkpoint.root);
    for (index, bytes) in expected {
        if *index < size {
            assert_eq!(&entries[*index as usize], bytes, "entry at index {index}");
        }
    }
    (size, leaves)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sequencing_idempotency_and_published_tiles() {
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry::start(dir.path()).await;
    // An empty log publishes a cosigned checkpoint of size 0 at once.
    registry.published(0).await;
    let (status, _, note) = registry.get("/checkpoint").await;
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&note).contains("\n0\n"));

    let chain = fixtures::chain().unwrap();
    let mut expected = Vec::new();
    for (i, bytes) in chain.entries.iter().enumerate() {
        let (status, json) = registry.post(bytes).await;
        assert_eq!(status, 201, "{json}");
        assert_eq!(json["index"], i as u64);
        assert_eq!(json["entry_hash"], entry_hash(bytes));
        assert_eq!(json["trial_id"], chain.trial_id.to_string());
        expected.push((i as u64, bytes.clone()));
    }
    // Resubmitting is idempotent: 200, the same body, nothing new stored.
    let (status, json) = registry.post(&chain.entries[1]).await;
    assert_eq!(status, 200);
    assert_eq!(json["index"], 1);
    assert_eq!(json["entry_hash"], entry_hash(&chain.entries[1]));
    assert_eq!(registry.log.sequenced_size(), 4);

    // Enough entries for full tiles and a second tile level: 300 more,
    // submitted concurrently, each twice (idempotency under concurrency).
    let registrations: Vec<Vec<u8>> = (0..300).map(registration).collect();
    let mut tasks = tokio::task::JoinSet::new();
    for bytes in registrations.iter().chain(registrations.iter()).cloned() {
        let http = registry.http.clone();
        let url = format!("{}/api/v1/entries", registry.base);
        tasks.spawn(async move {
            let response = http.post(url).body(bytes.clone()).send().await.unwrap();
            let status = response.status().as_u16();
            let json: serde_json::Value =
                serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
            (bytes, status, json)
        });
    }
    let mut indexes = BTreeSet::new();
    let mut created = 0;
    while let Some(joined) = tasks.join_next().await {
        let (bytes, status, json) = joined.unwrap();
        assert!(status == 201 || status == 200, "{status} {json}");
        created += usize::from(status == 201);
        let index = json["index"].as_u64().unwrap();
        indexes.insert(index);
        expected.push((index, bytes));
    }
    assert_eq!(created, 300, "each registration is sequenced once");
    assert_eq!(indexes, (4..304).collect::<BTreeSet<u64>>());
    assert_eq!(registry.log.sequenced_size(), 304);

    registry.published(304).await;
    let (size, leaves) = verify_published(&registry, &expected).await;
    assert_eq!(size, 304);
    // The LogRead view agrees with HTTP.
    assert_eq!(registry.log.published().unwrap().0, 304);
    assert_eq!(
        registry.log.entry(3).unwrap().unwrap(),
        chain.entries[3].clone()
    );
    registry.log.with_ledger(&mut |ledger| {
        assert_eq!(ledger.len(), 301);
        assert!(ledger.trial(&chain.trial_id).is_some());
    });

    // Headers: full tiles immutable, partial ones short-lived.
    let (status, headers, _) = registry.get("/tile/0/000").await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), "application/octet-stream");
    assert_eq!(
        header(&headers, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    let (status, headers, body) = registry.get("/tile/entries/001.p/48").await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "cache-control"), "public, max-age=60");
    assert_eq!(decode_entry_bundle(&body).unwrap().len(), 48);
    // A narrower partial tile of an earlier tree is served too.
    let (status, _, body) = registry.get("/tile/0/001.p/5").await;
    assert_eq!(status, 200);
    assert_eq!(body, leaves[256..261].concat());
    let (_, headers, _) = registry.get("/checkpoint").await;
    assert_eq!(
        header(&headers, "content-type"),
        "text/plain; charset=utf-8"
    );
    assert_eq!(header(&headers, "cache-control"), "no-cache");

    // Beyond the published tree, or not canonical: JSON 404s.
    for path in [
        "/tile/0/001.p/49",
        "/tile/0/001",
        "/tile/entries/002",
        "/tile/0/01",
        "/tile/x/000",
        "/checkpoints/305",
        "/checkpoints/0304",
    ] {
        let (status, headers, body) = registry.get(path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(
            header(&headers, "content-type"),
            "application/json",
            "{path}"
        );
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["error"]["code"], "not_found", "{path}");
    }

    // Every archived checkpoint is consistent with the latest one.
    let sizes = registry.log.archived_sizes();
    assert_eq!(sizes.first(), Some(&0));
    assert_eq!(sizes.last(), Some(&304));
    let latest = registry
        .policy()
        .evaluate(&registry.get_ok("/checkpoint").await)
        .unwrap();
    for size in sizes {
        let note = registry.get_ok(&format!("/checkpoints/{size}")).await;
        let old = registry.policy().evaluate(&note).unwrap().checkpoint;
        if size == 0 {
            assert_eq!(old.root, merkle::empty_tree_root());
            continue;
        }
        let proof = merkle::consistency_proof(&leaves, size).unwrap();
        merkle::verify_consistency(size, 304, &old.root, &latest.checkpoint.root, &proof).unwrap();
    }
    registry.stop().await;
}

/// Checks that a refused POST left the log as it was.
async fn assert_refused(
    registry: &Registry,
    bytes: &[u8],
    status: u16,
    code: &str,
    message_part: &str,
) {
    let before = registry.log.sequenced_size();
    let (got, json) = registry.post(bytes).await;
    assert_eq!(got, status, "{json}");
    assert_eq!(json["error"]["code"], code, "{json}");
    let message = json["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(message_part),
        "{message:?} lacks {message_part:?}"
    );
    assert_eq!(registry.log.sequenced_size(), before, "nothing stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_refusal_leaves_the_log_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry::start(dir.path()).await;
    let chain = fixtures::chain().unwrap();
    let trial_id = &chain.trial_id;
    let registration = &chain.entries[0];
    assert_eq!(registry.post(registration).await.0, 201);
    assert_eq!(registry.post(&chain.entries[1]).await.0, 201);

    assert_refused(&registry, b"{not json", 400, "malformed_envelope", "DSSE").await;

    // A signature byte changed: still base64 of 64 bytes, no longer valid.
    let text = String::from_utf8(chain.entries[2].clone()).unwrap();
    let at = text.find("\"sig\":\"").unwrap() + 7;
    let mut tampered = text.into_bytes();
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    assert_refused(&registry, &tampered, 422, "invalid_signature", "signature").await;

    let statement = serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "x", "digest": {"sha256": "ab".repeat(32)}}],
        "predicateType": "urn:trial-ledger:unknown:v1",
        "predicate": {}
    });
    let unknown = Envelope::sign(
        IN_TOTO_PAYLOAD_TYPE,
        serde_json::to_vec(&statement).unwrap(),
        &fixtures::sponsor_key(),
    )
    .to_json();
    assert_refused(
        &registry,
        &unknown,
        422,
        "unknown_predicate_type",
        "predicateType",
    )
    .await;

    assert_refused(
        &registry,
        &vec![b' '; 70_000],
        413,
        "entry_too_large",
        "65535",
    )
    .await;
    assert_refused(
        &registry,
        &vec![b' '; 200_000],
        413,
        "body_too_large",
        "65535",
    )
    .await;

    // The amendment is applied: the registration is no longer the head.
    let stale = fixtures::status_entry(trial_id, &entry_hash(registration)).unwrap();
    assert_refused(&registry, &stale, 409, "stale_prev", "latest entry").await;

    let not_owner =
        EntryBuilder::status(fixtures::status(trial_id, &entry_hash(&chain.entries[1])).unwrap())
            .sign(&fixtures::other_key())
            .unwrap();
    assert_refused(
        &registry,
        &not_owner,
        403,
        "not_owner",
        "only the key that registered",
    )
    .await;

    let unknown_form =
        fixtures::consent_entry(trial_id, &"ab".repeat(32), ConsentEvent::Given, 1).unwrap();
    assert_refused(
        &registry,
        &unknown_form,
        422,
        "unknown_consent_form",
        "consent form",
    )
    .await;

    let other_trial = TrialId::from_hash(&[7; 32]);
    let unknown_trial = fixtures::consent_entry(
        &other_trial,
        &fixtures::form_hash(fixtures::CONSENT_V1),
        ConsentEvent::Given,
        1,
    )
    .unwrap();
    assert_refused(
        &registry,
        &unknown_trial,
        422,
        "unknown_trial",
        "not registered",
    )
    .await;

    // After all that, the right entry still goes in at the next index.
    let (status, json) = registry.post(&chain.entries[2]).await;
    assert_eq!((status, json["index"].as_u64()), (201, Some(2)));
    registry.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_amendments_exactly_one_wins() {
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry::start(dir.path()).await;
    let registration = fixtures::registration_entry().unwrap();
    let trial_id = TrialId::for_registration(&registration);
    assert_eq!(registry.post(&registration).await.0, 201);
    for round in 0..5 {
        let head = registry
            .log
            .with_ledger(&mut |ledger| ledger.trial(&trial_id).unwrap().head_hex());
        let amendments: Vec<Vec<u8>> = (0..2)
            .map(|n| {
                let mut amendment = fixtures::amendment(&trial_id, &head).unwrap();
                amendment.reason = format!("round {round}, contender {n}");
                EntryBuilder::amendment(amendment)
                    .subject(
                        fixtures::CONSENT_V2,
                        &fixtures::form_hash(fixtures::CONSENT_V2),
                        verifier::statement::ROLE_CONSENT_FORM,
                        Some("2"),
                    )
                    .sign(&fixtures::sponsor_key())
                    .unwrap()
            })
            .collect();
        let (a, b) = tokio::join!(registry.post(&amendments[0]), registry.post(&amendments[1]));
        let mut statuses = [a.0, b.0];
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 409], "round {round}: {a:?} {b:?}");
        let loser = if a.0 == 409 { &a.1 } else { &b.1 };
        assert_eq!(loser["error"]["code"], "stale_prev");
    }
    assert_eq!(registry.log.sequenced_size(), 6);
    registry.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_entries_are_rate_limited_per_address() {
    let dir = tempfile::tempdir().unwrap();
    let config = test_config(dir.path())
        .consent_rate_limit(Some(RateLimit {
            per_minute: 1,
            burst: 2,
        }))
        .build();
    let registry = Registry::start_with(dir.path(), config).await;
    let registration = fixtures::registration_entry().unwrap();
    let trial_id = TrialId::for_registration(&registration);
    assert_eq!(registry.post(&registration).await.0, 201);
    let form = fixtures::form_hash(fixtures::CONSENT_V1);
    for n in 1..=2 {
        let consent = fixtures::consent_entry(&trial_id, &form, ConsentEvent::Given, n).unwrap();
        assert_eq!(registry.post(&consent).await.0, 201);
    }
    let third = fixtures::consent_entry(&trial_id, &form, ConsentEvent::Given, 3).unwrap();
    let response = registry
        .http
        .post(format!("{}/api/v1/entries", registry.base))
        .body(third)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 429);
    assert!(response.headers().get("retry-after").is_some());
    // Owner entries are not limited.
    let amendment = fixtures::amendment_entry(&trial_id, &entry_hash(&registration)).unwrap();
    assert_eq!(registry.post(&amendment).await.0, 201);
    registry.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_recovers_state_and_integrates_what_was_sequenced() {
    let dir = tempfile::tempdir().unwrap();
    let chain = fixtures::chain().unwrap();
    let note_before;
    {
        let registry = Registry::start(dir.path()).await;
        for bytes in &chain.entries[..2] {
            assert_eq!(registry.post(bytes).await.0, 201);
        }
        registry.published(2).await;
        note_before = registry.get_ok("/checkpoint").await;
        registry.stop().await;
    }
    let policy_before = std::fs::read_to_string(dir.path().join("policy.txt")).unwrap();

    // Entries sequenced but never integrated (a crash after the commit):
    // appended behind the log's back.
    {
        let state = RedbStateStore::open(&dir.path().join("state.redb")).unwrap();
        let status = &chain.entries[2];
        state
            .append(
                2,
                &[NewEntry {
                    entry_hash: entry_hash_bytes(status),
                    bytes: status,
                }],
            )
            .unwrap();
    }

    let registry = Registry::start(dir.path()).await;
    assert_eq!(
        std::fs::read_to_string(dir.path().join("policy.txt")).unwrap(),
        policy_before,
        "same keys, same policy"
    );
    assert_eq!(registry.log.sequenced_size(), 3);
    registry.published(3).await;
    let expected: Vec<(u64, Vec<u8>)> = chain.entries[..3]
        .iter()
        .enumerate()
        .map(|(i, b)| (i as u64, b.clone()))
        .collect();
    verify_published(&registry, &expected).await;
    // The old checkpoint is still archived, and consistent.
    assert_eq!(registry.get_ok("/checkpoints/2").await, note_before);
    // The trial state was rebuilt: the results entry continues the chain,
    // and the registration is recognised as already there.
    let (status, json) = registry.post(&chain.entries[3]).await;
    assert_eq!((status, json["index"].as_u64()), (201, Some(3)));
    let (status, json) = registry.post(&chain.entries[0]).await;
    assert_eq!((status, json["index"].as_u64()), (200, Some(0)));
    registry.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_refuses_tiles_that_disagree_with_the_archive() {
    let dir = tempfile::tempdir().unwrap();
    {
        let registry = Registry::start(dir.path()).await;
        for n in 0..3 {
            assert_eq!(registry.post(&registration(n)).await.0, 201);
        }
        registry.published(3).await;
        registry.stop().await;
    }
    let tile = dir.path().join("log/tile/0/000.p/3");
    let mut bytes = std::fs::read(&tile).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&tile, bytes).unwrap();
    let err = trial_registry::log::Log::open(test_config(dir.path()).build())
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("refusing to start"), "{message}");
    assert!(message.contains("root"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_origin_on_the_same_data_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry::start(dir.path()).await;
    registry.stop().await;
    let config: LogConfig = test_config(dir.path()).origin("example.org/other").build();
    let err = trial_registry::log::Log::open(config).await.unwrap_err();
    assert!(err.to_string().contains("example.org/other"), "{err}");
}
