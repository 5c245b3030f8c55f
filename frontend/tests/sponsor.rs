//! The sponsor workspace's browser edges in headless Chromium: a key made
//! here, exported as a passphrase-encrypted file and imported back (a wrong
//! passphrase is a clear error), the key store and the autosaved draft
//! across "reloads" (new connections), and the workspace page rendering.
#![cfg(target_arch = "wasm32")]
// clippy.toml allows unwrap in `#[test]`s; it does not see `#[wasm_bindgen_test]`.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use frontend::keys::{self, KdfParams, KeyFile, KeyFileError, KeyStore, SponsorKey};
use frontend::sponsor::draft::{DocumentDraft, Draft};
use frontend::sponsor::store::DraftStore;
use frontend::sponsor::submit::{Prepared, registration};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use yew::platform::time::sleep;

wasm_bindgen_test_configure!(run_in_browser);

/// A database name no other test uses (tests share an origin).
fn fresh_db(test: &str) -> String {
    format!(
        "trial-ledger-sponsor-test-{test}-{}",
        js_sys::Math::random()
    )
}

/// Small Argon2id costs so the tests are quick (the portal uses the defaults).
const FAST: KdfParams = KdfParams {
    m_cost_kib: 256,
    t_cost: 1,
    p_cost: 1,
};

#[wasm_bindgen_test]
async fn key_create_export_import_round_trip_and_wrong_passphrase() {
    let name = fresh_db("keys");
    let key = SponsorKey::generate("Trial sponsor").unwrap();
    assert_eq!(key.keyid.len(), 16);
    let store = KeyStore::open(&name).await.unwrap();
    store.save(&key).await.unwrap();
    store.close();

    // A "reload": the key is still there and still signs.
    let store = KeyStore::open(&name).await.unwrap();
    let listed = store.keys().await.unwrap();
    assert_eq!(listed, vec![key.clone()]);
    assert!(listed[0].signing_key().is_some());

    // Export with fresh randomness, as the page does.
    let file = keys::export(&key, "correct horse battery", FAST).unwrap();
    let json = file.to_json();
    let again = keys::export(&key, "correct horse battery", FAST).unwrap();
    assert_ne!(file.salt, again.salt, "each export has its own salt");

    // Forget the key, then import it back from the file.
    store.remove(&key.keyid).await.unwrap();
    assert!(store.keys().await.unwrap().is_empty());
    let parsed = KeyFile::parse(json.as_bytes()).unwrap();
    let wrong = parsed.open("correct horse battery!").unwrap_err();
    assert_eq!(wrong, KeyFileError::WrongPassphrase);
    assert!(wrong.to_string().starts_with("wrong passphrase"));
    let opened = parsed.open("correct horse battery").unwrap();
    assert_eq!(opened, key);
    store.save(&opened).await.unwrap();
    assert_eq!(store.key(&key.keyid).await.unwrap(), Some(key.clone()));
    store.close();

    // The imported key signs a registration that parses.
    let import = verifier::ctgov::import(include_bytes!(
        "../../verifier/tests/data/ctgov/NCT00763412.json"
    ))
    .unwrap();
    let mut draft = Draft::default().with_import(&import);
    draft.form.ethics_committee = "Ethics Board".into();
    let (predicate, subjects, errors) = registration(
        &draft,
        &opened.public_key,
        keys::now_rfc3339().parse().unwrap(),
    );
    assert!(errors.is_empty());
    let prepared = Prepared::sign(predicate, subjects, &opened.signing_key().unwrap()).unwrap();
    assert!(prepared.trial_id.starts_with("TL-"));
}

#[wasm_bindgen_test]
async fn the_draft_is_autosaved_and_restored() {
    let name = fresh_db("drafts");
    let store = DraftStore::open(&name).await.unwrap();
    assert_eq!(store.load().await.unwrap(), None);
    let import = verifier::ctgov::import(include_bytes!(
        "../../verifier/tests/data/ctgov/NCT00763412.json"
    ))
    .unwrap();
    let mut draft = Draft::default().with_import(&import);
    assert!(draft.set_text("trial.ethics_review.committee.name", "Ethics Board".into()));
    draft.documents.push(DocumentDraft {
        name: "protocol-v1.pdf".into(),
        role: "protocol".into(),
        version: "1".into(),
        size: 1234,
        sha256: Some("ab".repeat(32)),
        hashed: Some(1234),
        carried: false,
    });
    store.save(&draft).await.unwrap();
    store.close();

    // A "reload": a new connection to the same database.
    let store = DraftStore::open(&name).await.unwrap();
    let restored = store.load().await.unwrap().unwrap();
    // Progress is not kept; everything else is.
    draft.documents[0].hashed = None;
    assert_eq!(restored, draft);
    assert_eq!(restored.import.as_ref().unwrap().nct_id, "NCT00763412");
    store.clear().await.unwrap();
    assert_eq!(store.load().await.unwrap(), None);
    store.close();
}

#[wasm_bindgen_test]
async fn the_workspace_renders_its_steps() {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<frontend::pages::sponsor::Sponsor>::with_root(root.clone()).render();
    sleep(Duration::from_millis(300)).await;
    let html = root.inner_html();
    for testid in [
        "key-create",
        "key-passphrase",
        "key-import-file",
        "key-list",
        "ctgov-file",
        "document-file",
        "review-button",
    ] {
        assert!(
            root.query_selector(&format!("[data-testid=\"{testid}\"]"))
                .unwrap()
                .is_some(),
            "{testid} missing from {html}"
        );
    }
    // Every input has a label.
    let inputs = root.query_selector_all("input, select, textarea").unwrap();
    for i in 0..inputs.length() {
        let input: web_sys::Element =
            wasm_bindgen::JsCast::dyn_into(inputs.get(i).unwrap()).unwrap();
        let id = input.id();
        assert!(
            !id.is_empty(),
            "an input without id: {}",
            input.outer_html()
        );
        assert!(
            root.query_selector(&format!("label[for=\"{id}\"]"))
                .unwrap()
                .is_some(),
            "no label for #{id}"
        );
    }
    root.remove();
}
