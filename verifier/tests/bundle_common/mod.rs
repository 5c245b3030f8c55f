//! A witnessed test log for the bundle tests, the browser tests and the
//! benchmark: a log key, three witnesses, a leaf list with other trials'
//! entries interleaved, and an archive of cosigned checkpoints published at
//! increasing times — the example trial's registration → amendment → status
//! → consent → results chain inside it. Deterministic: fixed keys, fixed
//! times, no randomness (it also runs in the browser).
#![allow(dead_code)]

use ed25519_dalek::SigningKey;
use verifier::bundle::{Bundle, BundleBuilder, trial_entries};
use verifier::checkpoint::{Checkpoint, sign_checkpoint};
use verifier::cosignature::{add_signatures, cosign};
use verifier::entry::{EntryBuilder, TrialId, entry_hash, sha256_hex};
use verifier::fixtures;
use verifier::merkle::{self, Hash};
use verifier::note::{KeyType, SignerKey};
use verifier::policy::Policy;
use verifier::predicate::{
    ConsentEvent, Date, OutcomeType, RecruitmentStatus, ReportedOutcome, StatusUpdate, Timestamp,
};
use verifier::report::SuppliedDocument;

/// The log's origin (and its key's name).
pub const ORIGIN: &str = "registry.example/trial-ledger";
/// The policy's names of the three witnesses.
pub const WITNESS_NAMES: [&str; 3] = ["ethics", "journal", "regulator"];
/// Seconds between the witnesses' cosignatures of one checkpoint.
pub const WITNESS_STEP: u64 = 60;

/// 2024-01-10T09:00:00Z: the first checkpoint (another trial's registration).
pub const T_START: u64 = 1_704_877_200;
/// 2024-01-15T12:00:00Z: a checkpoint with the registration, one cosignature only.
pub const T_REGISTRATION_PARTIAL: u64 = 1_705_320_000;
/// 2024-01-15T12:30:00Z: the first checkpoint with the registration and a quorum.
pub const T_REGISTRATION: u64 = 1_705_321_800;
/// 2024-02-21T10:00:00Z: the amendment's checkpoint.
pub const T_AMENDMENT: u64 = 1_708_509_600;
/// 2024-03-05T10:00:00Z: the status and consent checkpoint.
pub const T_STATUS: u64 = 1_709_632_800;
/// 2024-06-01T10:00:00Z: other trials only.
pub const T_OTHER: u64 = 1_717_236_000;
/// 2025-11-04T10:00:00Z: the results checkpoint.
pub const T_RESULTS: u64 = 1_762_250_400;
/// 2025-12-01T10:00:00Z: the head.
pub const T_HEAD: u64 = 1_764_583_200;

/// A log with its keys, leaves and checkpoint archive.
pub struct TestLog {
    /// The log's signing key.
    pub log_key: SignerKey,
    /// The witnesses' cosigning keys.
    pub witnesses: Vec<SignerKey>,
    /// Every leaf, in index order.
    pub leaves: Vec<Vec<u8>>,
    /// Every published checkpoint note, in order.
    pub archive: Vec<String>,
}

impl Default for TestLog {
    fn default() -> Self {
        TestLog::new()
    }
}

impl TestLog {
    /// An empty log with fixed keys.
    pub fn new() -> TestLog {
        let log_key = SignerKey::from_seed(ORIGIN, KeyType::Ed25519, [0x11; 32]).expect("log key");
        let witnesses = WITNESS_NAMES
            .iter()
            .zip(0u8..)
            .map(|(name, i)| {
                SignerKey::from_seed(
                    &format!("{name}.example/witness"),
                    KeyType::Cosignature,
                    [0x21 + i; 32],
                )
                .expect("witness key")
            })
            .collect();
        TestLog {
            log_key,
            witnesses,
            leaves: Vec::new(),
            archive: Vec::new(),
        }
    }

    /// The policy trusting this log and its three witnesses with `quorum`.
    pub fn policy(&self, quorum: usize) -> Policy {
        let mut builder = Policy::builder(self.log_key.verifier_key());
        for (name, key) in WITNESS_NAMES.iter().zip(&self.witnesses) {
            builder = builder.witness(*name, key.verifier_key());
        }
        builder.quorum(quorum).build().expect("policy")
    }

    /// Appends a leaf and returns its index.
    pub fn append(&mut self, entry: Vec<u8>) -> u64 {
        self.leaves.push(entry);
        self.leaves.len() as u64 - 1
    }

    /// The leaf hashes.
    pub fn leaf_hashes(&self) -> Vec<Hash> {
        self.leaves.iter().map(|l| merkle::leaf_hash(l)).collect()
    }

    /// Signs a checkpoint of the current size, cosigned by every witness
    /// (witness `i` at `time + i * WITNESS_STEP`), and archives it.
    pub fn publish(&mut self, time: u64) -> String {
        self.publish_by(time, &[0, 1, 2])
    }

    /// [`TestLog::publish`] with only the witnesses listed (by position).
    pub fn publish_by(&mut self, time: u64, witnesses: &[usize]) -> String {
        let checkpoint = Checkpoint {
            origin: ORIGIN.to_owned(),
            size: self.leaves.len() as u64,
            root: merkle::tree_root(&self.leaf_hashes()),
            extensions: Vec::new(),
        };
        let note = sign_checkpoint(&checkpoint, &self.log_key).expect("sign checkpoint");
        let body = checkpoint.to_text();
        let cosignatures: Vec<_> = witnesses
            .iter()
            .map(|&i| {
                cosign(&self.witnesses[i], &body, time + i as u64 * WITNESS_STEP).expect("cosign")
            })
            .collect();
        let note = add_signatures(&note, &cosignatures).expect("add cosignatures");
        self.archive.push(note.clone());
        note
    }

    /// The bundle of `trial_id`: its entries found by scanning the leaves.
    pub fn bundle(&self, policy: &Policy, trial_id: &TrialId) -> Bundle {
        let leaf_hashes = self.leaf_hashes();
        let builder = BundleBuilder::new(policy, &leaf_hashes)
            .with_checkpoints(&self.archive)
            .expect("archive");
        builder
            .build(trial_id, &trial_entries(&self.leaves, trial_id))
            .expect("bundle")
    }

    /// The bundle of `trial_id` made of exactly the leaves at `indexes`.
    pub fn bundle_of(&self, policy: &Policy, trial_id: &TrialId, indexes: &[u64]) -> Bundle {
        let leaf_hashes = self.leaf_hashes();
        let builder = BundleBuilder::new(policy, &leaf_hashes)
            .with_checkpoints(&self.archive)
            .expect("archive");
        let entries: Vec<(u64, &[u8])> = indexes
            .iter()
            .map(|&i| (i, self.leaves[i as usize].as_slice()))
            .collect();
        builder.build(trial_id, &entries).expect("bundle")
    }
}

/// Another trial: a registration by another key, then status updates.
pub struct OtherTrial {
    /// Its id.
    pub trial_id: TrialId,
    head: String,
    key: SigningKey,
    day: u32,
}

impl OtherTrial {
    /// Registers another trial (the example record with another title,
    /// signed by `seed`'s key) and returns it with its registration entry.
    pub fn register(seed: u8) -> (OtherTrial, Vec<u8>) {
        let key = SigningKey::from_bytes(&[seed; 32]);
        let mut registration = fixtures::registration().expect("registration");
        registration.trial.public_title = format!("Another trial, number {seed}");
        registration.consent_forms.clear();
        let bytes = EntryBuilder::registration(registration)
            .subject(
                "protocol.pdf",
                &sha256_hex(format!("protocol of trial {seed}").as_bytes()),
                "protocol",
                Some("1"),
            )
            .sign(&key)
            .expect("registration");
        let trial_id = TrialId::for_registration(&bytes);
        let head = entry_hash(&bytes);
        (
            OtherTrial {
                trial_id,
                head,
                key,
                day: 1,
            },
            bytes,
        )
    }

    /// The trial's next status update.
    pub fn status(&mut self) -> Vec<u8> {
        let bytes = EntryBuilder::status(StatusUpdate {
            signer_key: String::new(),
            created_at: format!("2024-02-{:02}T08:00:00Z", self.day.min(28))
                .parse::<Timestamp>()
                .expect("time"),
            trial_id: self.trial_id.to_string(),
            prev: self.head.clone(),
            recruitment_status: RecruitmentStatus::Recruiting,
            actual_first_enrolment: None,
            actual_completion: None,
        })
        .sign(&self.key)
        .expect("status");
        self.day += 1;
        self.head = entry_hash(&bytes);
        bytes
    }
}

/// How the example trial's chain is made (the default verifies cleanly).
pub struct Plan {
    /// The key signing the amendment (the sponsor's by default).
    pub amendment_key: SigningKey,
    /// Whether the status entry's `prev` skips the amendment.
    pub break_prev: bool,
    /// The status entry's actual first enrolment date (`None`: no date).
    pub first_enrolment: Option<Date>,
    /// The results' outcomes.
    pub outcomes: Vec<ReportedOutcome>,
}

/// The fixture's reported outcomes plus S2: every pre-specified outcome
/// reported, the added one declared — no findings.
pub fn complete_outcomes() -> Vec<ReportedOutcome> {
    let mut outcomes = fixtures::results(&TrialId::for_registration(b"x"), &"0".repeat(64))
        .expect("results")
        .outcomes;
    outcomes.insert(
        2,
        ReportedOutcome {
            registered_id: Some("S2".to_owned()),
            measure: "24-hour urinary sodium excretion".to_owned(),
            outcome_type: OutcomeType::Secondary,
            time_frame: "12 months".to_owned(),
            result: "-38 mmol/24h vs -4 mmol/24h".to_owned(),
            change_reason: None,
        },
    );
    outcomes
}

impl Default for Plan {
    fn default() -> Self {
        Plan {
            amendment_key: fixtures::sponsor_key(),
            break_prev: false,
            first_enrolment: Some("2024-03-04".parse().expect("date")),
            outcomes: complete_outcomes(),
        }
    }
}

/// Where the example trial's entries are in the [`Scenario`] log.
#[derive(Debug, Clone, Copy)]
pub struct Indexes {
    /// The registration.
    pub registration: u64,
    /// The amendment.
    pub amendment: u64,
    /// The status update.
    pub status: u64,
    /// A participant's consent.
    pub consent: u64,
    /// The results.
    pub results: u64,
}

/// The example trial in a witnessed log.
pub struct Scenario {
    /// The log.
    pub log: TestLog,
    /// The example trial's id.
    pub trial_id: TrialId,
    /// Another trial's id (entries interleaved).
    pub other_trial_id: TrialId,
    /// Where the example trial's entries are.
    pub at: Indexes,
}

/// The example trial's log, made as `plan` says:
///
/// | index | entry | checkpoint (size, time) |
/// |---|---|---|
/// | 0 | other trial A: registration | 1, 2024-01-10 |
/// | 1 | **registration** | |
/// | 2 | other trial A: status | 3, 2024-01-15 12:00, one cosignature (below quorum) |
/// | 3 | other trial B: registration | 4, 2024-01-15 12:30 |
/// | 4 | **amendment** | 5, 2024-02-21 |
/// | 5 | **status** (first enrolment 2024-03-04) | |
/// | 6 | **consent** (participant 1, form v2) | 7, 2024-03-05 |
/// | 7, 8 | other trials: status | 9, 2024-06-01 |
/// | 9 | **results** | 10, 2025-11-04 |
/// | 10, 11 | other trials: status | 12, 2025-12-01 (head) |
///
/// Witness `i` cosigns at the checkpoint's time + `i` minutes, so with
/// quorum 2 the registration is witnessed at 2024-01-15T12:31:00Z.
pub fn scenario(plan: &Plan) -> Scenario {
    let mut log = TestLog::new();
    let (mut a, a_reg) = OtherTrial::register(0x71);
    log.append(a_reg);
    log.publish(T_START);

    let registration = fixtures::registration_entry().expect("registration");
    let trial_id = TrialId::for_registration(&registration);
    let registration_hash = entry_hash(&registration);
    let r = log.append(registration);
    log.append(a.status());
    log.publish_by(T_REGISTRATION_PARTIAL, &[0]);
    let (mut b, b_reg) = OtherTrial::register(0x72);
    log.append(b_reg);
    log.publish(T_REGISTRATION);

    let amendment = EntryBuilder::amendment(
        fixtures::amendment(&trial_id, &registration_hash).expect("amendment"),
    )
    .subject(
        fixtures::PROTOCOL_V2,
        &sha256_hex(&fixtures::document(fixtures::PROTOCOL_V2)),
        "protocol",
        Some("2"),
    )
    .subject(
        fixtures::CONSENT_V2,
        &fixtures::form_hash(fixtures::CONSENT_V2),
        "consent-form",
        Some("2"),
    )
    .sign(&plan.amendment_key)
    .expect("amendment");
    let amendment_hash = entry_hash(&amendment);
    let am = log.append(amendment);
    log.publish(T_AMENDMENT);

    let mut status = fixtures::status(
        &trial_id,
        if plan.break_prev {
            &registration_hash
        } else {
            &amendment_hash
        },
    )
    .expect("status");
    status.actual_first_enrolment = plan.first_enrolment;
    let status = EntryBuilder::status(status)
        .sign(&fixtures::sponsor_key())
        .expect("status");
    let status_hash = entry_hash(&status);
    let st = log.append(status);
    let consent = fixtures::consent_entry(
        &trial_id,
        &fixtures::form_hash(fixtures::CONSENT_V2),
        ConsentEvent::Given,
        1,
    )
    .expect("consent");
    let co = log.append(consent);
    log.publish(T_STATUS);

    log.append(a.status());
    log.append(b.status());
    log.publish(T_OTHER);

    let mut results = fixtures::results(&trial_id, &status_hash).expect("results");
    results.outcomes.clone_from(&plan.outcomes);
    let results = EntryBuilder::results(results)
        .subject(
            fixtures::CSR,
            &sha256_hex(&fixtures::document(fixtures::CSR)),
            "clinical-study-report",
            Some("1.0"),
        )
        .sign(&fixtures::sponsor_key())
        .expect("results");
    let re = log.append(results);
    log.publish(T_RESULTS);

    log.append(a.status());
    log.append(b.status());
    log.publish(T_HEAD);

    Scenario {
        log,
        trial_id,
        other_trial_id: a.trial_id,
        at: Indexes {
            registration: r,
            amendment: am,
            status: st,
            consent: co,
            results: re,
        },
    }
}

impl Scenario {
    /// The example trial's bundle under `policy`.
    pub fn bundle(&self, policy: &Policy) -> Bundle {
        self.log.bundle(policy, &self.trial_id)
    }
}

/// The example trial's documents, as a reviewer would supply them.
pub fn documents() -> Vec<SuppliedDocument> {
    [
        fixtures::PROTOCOL_V1,
        fixtures::PROTOCOL_V2,
        fixtures::CONSENT_V2,
        fixtures::CSR,
    ]
    .iter()
    .map(|name| SuppliedDocument::from_bytes(*name, &fixtures::document(name)))
    .collect()
}

/// A bundle of 20 entries of one trial (registration, 3 amendments, a
/// status update, 14 consents, results), each in its own checkpoint
/// cosigned by 3 witnesses, with another trial's entries in between, and
/// its policy (quorum 2): the benchmark's worst case of 20 distinct anchors.
pub fn twenty_entry_bundle() -> (Bundle, Policy) {
    let mut log = TestLog::new();
    let mut time = T_START;
    let (mut other, other_reg) = OtherTrial::register(0x73);
    log.append(other_reg);
    log.publish(time);

    let sponsor = fixtures::sponsor_key();
    let registration = fixtures::registration_entry().expect("registration");
    let trial_id = TrialId::for_registration(&registration);
    let mut head = entry_hash(&registration);
    let mut step = |log: &mut TestLog, entry: Vec<u8>, other: &mut OtherTrial| {
        log.append(entry);
        log.append(other.status());
        time += 86_400;
        log.publish(time);
    };
    step(&mut log, registration, &mut other);
    for n in 0..3 {
        let mut amendment = fixtures::amendment(&trial_id, &head).expect("amendment");
        amendment.trial.target_sample_size = 480 + n;
        let bytes = EntryBuilder::amendment(amendment)
            .subject(
                fixtures::CONSENT_V2,
                &fixtures::form_hash(fixtures::CONSENT_V2),
                "consent-form",
                Some("2"),
            )
            .sign(&sponsor)
            .expect("amendment");
        head = entry_hash(&bytes);
        step(&mut log, bytes, &mut other);
    }
    let status = fixtures::status_entry(&trial_id, &head).expect("status");
    head = entry_hash(&status);
    step(&mut log, status, &mut other);
    for n in 1..=14 {
        let consent = fixtures::consent_entry(
            &trial_id,
            &fixtures::form_hash(fixtures::CONSENT_V2),
            ConsentEvent::Given,
            n,
        )
        .expect("consent");
        step(&mut log, consent, &mut other);
    }
    let mut results = fixtures::results(&trial_id, &head).expect("results");
    results.outcomes = complete_outcomes();
    let results = EntryBuilder::results(results)
        .sign(&sponsor)
        .expect("results");
    step(&mut log, results, &mut other);

    let policy = log.policy(2);
    let bundle = log.bundle(&policy, &trial_id);
    assert_eq!(bundle.entries.len(), 20);
    (bundle, policy)
}
