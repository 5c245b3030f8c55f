//! Browser-only pieces in headless Chromium: the IndexedDB store across
//! "reloads" (a new connection), chunked hashing against one-shot SHA-256
//! with progress callbacks, and the alarm banner and verification panel.
#![cfg(target_arch = "wasm32")]
// clippy.toml allows unwrap in `#[test]`s; it does not see `#[wasm_bindgen_test]`.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use frontend::components::alarm::{AlarmBanner, AlarmBannerProps};
use frontend::components::verification::{
    CheckRow, VerificationPanel, VerificationPanelProps, VerificationState,
};
use frontend::hashing::{HashError, sha256_blob, sha256_webcrypto};
use frontend::light_client::StoredCheckpoint;
use frontend::light_client::store::{Saved, Store, UserPolicy};
use frontend::state::AlarmNotice;
use sha2::{Digest as _, Sha256};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use yew::platform::time::sleep;

wasm_bindgen_test_configure!(run_in_browser);

/// A database name no other test uses (tests share an origin).
fn fresh_db(test: &str) -> String {
    format!("trial-ledger-test-{test}-{}", js_sys::Math::random())
}

fn checkpoint(origin: &str, size: u64) -> StoredCheckpoint {
    StoredCheckpoint {
        origin: origin.into(),
        size,
        root: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".into(),
        note: format!("{origin}\n{size}\n...\n"),
    }
}

#[wasm_bindgen_test]
async fn store_keeps_checkpoints_across_reloads_and_never_goes_back() {
    let name = fresh_db("checkpoints");
    let store = Store::open(&name).await.unwrap();
    assert_eq!(store.checkpoint("a.test/log").await.unwrap(), None);
    assert_eq!(
        store
            .save_checkpoint(&checkpoint("a.test/log", 7))
            .await
            .unwrap(),
        Saved::Stored
    );
    store.close();

    // A "reload": a new connection to the same database.
    let store = Store::open(&name).await.unwrap();
    assert_eq!(
        store.checkpoint("a.test/log").await.unwrap(),
        Some(checkpoint("a.test/log", 7))
    );
    // A smaller checkpoint never replaces a larger one.
    assert_eq!(
        store
            .save_checkpoint(&checkpoint("a.test/log", 3))
            .await
            .unwrap(),
        Saved::KeptLarger(7)
    );
    assert_eq!(
        store
            .save_checkpoint(&checkpoint("a.test/log", 9))
            .await
            .unwrap(),
        Saved::Stored
    );
    assert_eq!(store.checkpoint("b.test/log").await.unwrap(), None);
    store.close();
    let store = Store::open(&name).await.unwrap();
    assert_eq!(
        store.checkpoint("a.test/log").await.unwrap().unwrap().size,
        9
    );
}

#[wasm_bindgen_test]
async fn store_keeps_user_policies() {
    let name = fresh_db("policies");
    let store = Store::open(&name).await.unwrap();
    assert!(store.policies().await.unwrap().is_empty());
    let policy = UserPolicy::new("mine", "log x\nquorum 0\n");
    store.add_policy(&policy).await.unwrap();
    store.add_policy(&policy).await.unwrap();
    store.close();
    let store = Store::open(&name).await.unwrap();
    assert_eq!(store.policies().await.unwrap(), vec![policy.clone()]);
    store.remove_policy(&policy.id).await.unwrap();
    assert!(store.policies().await.unwrap().is_empty());
}

fn blob_of(bytes: &[u8]) -> web_sys::Blob {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    web_sys::Blob::new_with_u8_array_sequence(&parts).unwrap()
}

#[wasm_bindgen_test]
async fn chunked_hash_equals_one_shot_with_progress() {
    // 3 MiB + 5 bytes in 1 MiB chunks: four reads, the last short.
    let bytes: Vec<u8> = (0..(3u32 << 20) + 5)
        .map(|i| (i * 31 % 251) as u8)
        .collect();
    let expected: [u8; 32] = Sha256::digest(&bytes).into();
    let blob = blob_of(&bytes);
    let mut calls = Vec::new();
    let digest = sha256_blob(&blob, 1 << 20, |done, total| calls.push((done, total)))
        .await
        .unwrap();
    assert_eq!(digest, expected);
    let total = bytes.len() as u64;
    assert_eq!(
        calls,
        vec![
            (0, total),
            (1 << 20, total),
            (2 << 20, total),
            (3 << 20, total),
            (total, total)
        ]
    );
    let webcrypto = sha256_webcrypto(&js_sys::Uint8Array::from(bytes.as_slice()))
        .await
        .unwrap();
    assert_eq!(webcrypto, expected);
    // The empty file.
    let empty = sha256_blob(&blob_of(&[]), 1 << 20, |_, _| {})
        .await
        .unwrap();
    assert_eq!(empty, <[u8; 32]>::from(Sha256::digest(b"")));
    // A silly chunk size is refused, not looped on.
    assert_eq!(
        sha256_blob(&blob, 0, |_, _| {}).await.unwrap_err(),
        HashError::ChunkSize(0)
    );
}

fn mount<C>(props: C::Properties) -> (web_sys::Element, yew::AppHandle<C>)
where
    C: yew::BaseComponent,
{
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    let handle = yew::Renderer::<C>::with_root_and_props(root.clone(), props).render();
    (root, handle)
}

async fn settle() {
    for _ in 0..3 {
        sleep(Duration::from_millis(10)).await;
    }
}

#[wasm_bindgen_test]
async fn alarm_banner_lists_every_alarm_as_an_alert() {
    let (root, handle) = mount::<AlarmBanner>(AlarmBannerProps { alarms: vec![] });
    settle().await;
    assert!(
        root.query_selector("[data-testid=alarm]")
            .unwrap()
            .is_none()
    );
    handle.destroy();
    let alarms = vec![
        AlarmNotice::new(
            "rollback",
            "The log was rolled back",
            "size 9 → 3",
            "log check",
        ),
        AlarmNotice::new(
            "trial-failed",
            "Trial failed",
            "entry.inclusion",
            "trial TL-X",
        ),
    ];
    let (root, handle) = mount::<AlarmBanner>(AlarmBannerProps { alarms });
    settle().await;
    let banner = root.query_selector("[data-testid=alarm]").unwrap().unwrap();
    assert_eq!(banner.get_attribute("role").as_deref(), Some("alert"));
    assert_eq!(
        banner.get_attribute("data-kinds").as_deref(),
        Some("rollback trial-failed")
    );
    assert_eq!(banner.query_selector_all("li").unwrap().length(), 2);
    assert!(banner.text_content().unwrap().contains("size 9 → 3"));
    handle.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn verification_panel_shows_state_and_every_check() {
    let checks = vec![
        CheckRow {
            name: "entry.inclusion".into(),
            ok: true,
            detail: "included".into(),
            index: Some(3),
            finding: false,
        },
        CheckRow {
            name: "outcomes".into(),
            ok: false,
            detail: "1 missing".into(),
            index: None,
            finding: true,
        },
        CheckRow {
            name: "head.consistent_with_log".into(),
            ok: false,
            detail: "fork".into(),
            index: None,
            finding: false,
        },
    ];
    let (root, handle) = mount::<VerificationPanel>(VerificationPanelProps {
        state: VerificationState::Failed,
        summary: "did not verify".into(),
        checks,
        findings: vec![],
    });
    settle().await;
    let panel = root
        .query_selector("[data-testid=verification]")
        .unwrap()
        .unwrap();
    assert_eq!(panel.get_attribute("data-state").as_deref(), Some("failed"));
    assert_eq!(
        panel.query_selector_all("tr[data-check]").unwrap().length(),
        3
    );
    assert_eq!(panel.query_selector_all("tr.fail").unwrap().length(), 1);
    assert_eq!(panel.query_selector_all("tr.finding").unwrap().length(), 1);
    assert!(
        panel
            .query_selector("summary")
            .unwrap()
            .unwrap()
            .text_content()
            .unwrap()
            .contains("1 failed, 1 findings")
    );
    handle.destroy();
    root.remove();
}
