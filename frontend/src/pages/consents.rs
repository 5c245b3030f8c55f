//! `/consents`: the consents kept in this browser. Each record shows its
//! trial, form, current choices and full history; the participant can
//! withdraw (completely or per option, optionally anchored), export the
//! signed receipt (JSON), a FHIR R4 `Consent`, or a printable receipt with
//! a QR code of its digest. Receipts from another device can be imported;
//! the whole vault exported, imported or deleted.

use std::rc::Rc;

use wasm_bindgen::JsCast as _;
use web_sys::HtmlInputElement;
use yew::prelude::*;
use yew_router::prelude::Link;

use crate::app::Route;
use crate::hooks::use_app;
use crate::keys::{DEFAULT_PARAMS, now_rfc3339, random_bytes};
use crate::light_client::TrustPolicies;
use crate::pages::consent::{anchor_last, readable_time};
use crate::participant::browser::{download, print, read_bytes};
use crate::participant::fhir::consent_json;
use crate::participant::qr::{payload, qr_svg};
use crate::participant::record::Receipt;
use crate::participant::state::{history, status_text};
use crate::participant::store::{PARTICIPANT_DATABASE, ParticipantStore};
use crate::participant::vault::{VaultContents, VaultFile};

#[derive(Debug, Clone, PartialEq)]
struct Kept {
    receipt: Receipt,
    has_key: bool,
}

async fn load() -> Result<Vec<Kept>, String> {
    let store = ParticipantStore::open(PARTICIPANT_DATABASE)
        .await
        .map_err(|e| e.to_string())?;
    let receipts = store.receipts().await.map_err(|e| e.to_string())?;
    let mut kept = Vec::new();
    for receipt in receipts {
        let has_key = store
            .key_for(&receipt.record.header.trial_id)
            .await
            .map_err(|e| e.to_string())?
            .is_some_and(|k| k.public_key == receipt.record.header.signer_key);
        kept.push(Kept { receipt, has_key });
    }
    store.close();
    kept.sort_by(|a, b| {
        b.receipt.record.events[0]
            .body
            .at
            .cmp(&a.receipt.record.events[0].body.at)
    });
    Ok(kept)
}

fn input_of(e: &Event) -> Option<HtmlInputElement> {
    e.target()
        .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
}

/// Consents kept in this browser.
#[component]
pub fn Consents() -> Html {
    let app = use_app();
    let records = use_state(|| None::<Result<Vec<Kept>, String>>);
    let generation = use_state(|| 0u32);
    let message = use_state(|| None::<(bool, String)>);
    let printing = use_state(|| None::<Receipt>);
    {
        let records = records.clone();
        use_effect_with(*generation, move |_| {
            wasm_bindgen_futures::spawn_local(async move { records.set(Some(load().await)) });
        });
    }
    let changed = {
        let generation = generation.clone();
        let message = message.clone();
        Callback::from(move |m: Option<(bool, String)>| {
            message.set(m);
            generation.set(*generation + 1);
        })
    };
    if let Some(receipt) = &*printing {
        let onback = {
            let printing = printing.clone();
            Callback::from(move |_| printing.set(None))
        };
        return html! {
            <article class="page participant">
                { printable(receipt) }
                <div class="actions no-print">
                    <button type="button" class="primary" onclick={Callback::from(|_| print())}
                            data-testid="print-now">{ "Print" }</button>
                    <button type="button" class="secondary" onclick={onback}>{ "Back to my consents" }</button>
                </div>
            </article>
        };
    }
    let list = match &*records {
        None => {
            html! { <p class="loading" role="status">{ "Reading this browser's consent records…" }</p> }
        }
        Some(Err(e)) => html! {
            <p class="status status-alarm" role="alert">
                { "Your consent records could not be read: " }{ e.clone() }
            </p>
        },
        Some(Ok(kept)) if kept.is_empty() => html! {
            <p class="notice" data-testid="no-consents">
                { "No consent is kept in this browser yet. To give consent, open the trial's page \
                   and choose \u{201c}Give consent\u{201d}, or import a receipt or a vault below." }
            </p>
        },
        Some(Ok(kept)) => html! {
            <ul class="records">
                { for kept.iter().map(|k| {
                    let onprint = {
                        let printing = printing.clone();
                        let receipt = k.receipt.clone();
                        Callback::from(move |()| printing.set(Some(receipt.clone())))
                    };
                    html! {
                        <RecordCard key={k.receipt.record.header.record_id.clone()}
                                    receipt={Rc::new(k.receipt.clone())} has_key={k.has_key}
                                    policies={app.policies.clone()} changed={changed.clone()}
                                    {onprint} />
                    }
                }) }
            </ul>
        },
    };
    html! {
        <article class="page participant">
            <h1>{ "My consents" }</h1>
            <p class="lede">
                { "Your keys and signed consent records stay in this browser. Only a blinded \
                   commitment is sent to the ledger, and only if you ask for it." }
            </p>
            if let Some((ok, text)) = &*message {
                <p class={classes!("status", if *ok { "status-ok" } else { "status-alarm" })}
                   role="status" data-testid="consents-message">{ text.clone() }</p>
            }
            { list }
            <ImportReceipt changed={changed.clone()} />
            <Vault {changed} />
            <p class="note">
                { "A study site can check a receipt on " }
                <Link<Route> to={Route::ConsentVerify}>{ "the receipt verification page" }</Link<Route>>
                { "." }
            </p>
        </article>
    }
}

#[derive(Properties, PartialEq)]
struct CardProps {
    receipt: Rc<Receipt>,
    has_key: bool,
    policies: Option<Rc<TrustPolicies>>,
    changed: Callback<Option<(bool, String)>>,
    onprint: Callback<()>,
}

fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

#[component]
fn RecordCard(props: &CardProps) -> Html {
    let busy = use_state(|| None::<String>);
    let anchor_withdrawal = use_state(|| false);
    // Withdrawing from the whole trial asks once more: it cannot be undone
    // (a new consent would be a new record).
    let confirming_all = use_state(|| false);
    let receipt = props.receipt.clone();
    let record = &receipt.record;
    let header = &record.header;
    let active = record.is_active();
    let withdraw = |options: Option<Vec<String>>| {
        let receipt = receipt.clone();
        let busy = busy.clone();
        let changed = props.changed.clone();
        let policies = props.policies.clone();
        let anchor = *anchor_withdrawal;
        Callback::from(move |_| {
            let receipt = receipt.clone();
            let busy = busy.clone();
            let changed = changed.clone();
            let options = options.clone();
            let policies = policies.clone();
            wasm_bindgen_futures::spawn_local(async move {
                busy.set(Some("Signing the withdrawal…".to_owned()));
                let result =
                    withdraw_and_store(&receipt, options, anchor, policies, busy.clone()).await;
                busy.set(None);
                changed.emit(Some(match result {
                    Ok(text) => (true, text),
                    Err(e) => (false, format!("The withdrawal was not recorded: {e}")),
                }));
            });
        })
    };
    let export_json = {
        let receipt = receipt.clone();
        Callback::from(move |_| {
            let name = format!(
                "consent-receipt-{}-{}.json",
                receipt.record.header.trial_id,
                short(&receipt.record.header.record_id)
            );
            if let Err(e) = download(&name, "application/json", receipt.to_json().as_bytes()) {
                web_sys::console::error_1(&e.into());
            }
        })
    };
    let export_fhir = {
        let receipt = receipt.clone();
        Callback::from(move |_| {
            let name = format!(
                "consent-fhir-{}-{}.json",
                receipt.record.header.trial_id,
                short(&receipt.record.header.record_id)
            );
            let json = consent_json(&receipt.record);
            if let Err(e) = download(&name, "application/fhir+json", json.as_bytes()) {
                web_sys::console::error_1(&e.into());
            }
        })
    };
    let onprint = {
        let onprint = props.onprint.clone();
        Callback::from(move |_| onprint.emit(()))
    };
    let onanchor = {
        let anchor_withdrawal = anchor_withdrawal.clone();
        Callback::from(move |e: Event| {
            if let Some(input) = input_of(&e) {
                anchor_withdrawal.set(input.checked());
            }
        })
    };
    let heading_id = format!("record-{}", header.record_id);
    html! {
        <li class="record panel" data-testid="consent-record" data-record-id={header.record_id.clone()}
            data-state={if active { "given" } else { "withdrawn" }}>
            <h2 id={heading_id.clone()}>
                { header.trial_title.clone() }
                <span class={classes!("badge", if active { "badge-ok" } else { "badge-muted" })}
                      data-testid="record-status">{ status_text(record) }</span>
            </h2>
            <dl class="facts">
                <dt>{ "Trial" }</dt>
                <dd><code>{ header.trial_id.clone() }</code></dd>
                <dt>{ "Consent form" }</dt>
                <dd>{ format!("version {} ({}) — {}", header.form.version, header.form.language, header.form.subject) }</dd>
                <dt>{ "Signed by" }</dt>
                <dd>{ header.participant_name.clone() }</dd>
                <dt>{ "Record" }</dt>
                <dd><code>{ header.record_id.clone() }</code></dd>
            </dl>
            <h3>{ "Your choices now" }</h3>
            <ul class="choices">
                { for header.options.iter().map(|o| {
                    let on = record.permits(&o.id);
                    html! {
                        <li data-testid={format!("choice-{}", o.id)} data-permit={on.to_string()}>
                            <strong>{ if on { "Yes: " } else { "No: " } }</strong>
                            { o.label.clone() }
                            if o.required { <span class="required">{ " (required to take part)" }</span> }
                        </li>
                    }
                }) }
            </ul>
            <h3>{ "History" }</h3>
            <ol class="history" data-testid="consent-history">
                { for history(&receipt).into_iter().map(|line| html! {
                    <li data-testid="history-event" data-kind={line.kind}>
                        <time datetime={line.at.clone()}>{ readable_time(&line.at) }</time>
                        { " — " }{ line.text }
                        if let Some(a) = line.anchored {
                            <span class="note">{ format!(" ({a})") }</span>
                        }
                    </li>
                }) }
            </ol>
            if let Some(text) = &*busy {
                <p role="status" class="loading">{ text.clone() }</p>
            }
            if active && props.has_key {
                <div class="withdraw">
                    <h3>{ "Withdraw" }</h3>
                    <p class="note">
                        { "You can withdraw at any time, without giving a reason. Withdrawing an \
                           option that is required to take part withdraws you from the trial." }
                    </p>
                    <div class="field field-check">
                        <input type="checkbox" id={format!("anchor-withdrawal-{}", header.record_id)}
                               data-testid="anchor-withdrawal" checked={*anchor_withdrawal}
                               onchange={onanchor} />
                        <label for={format!("anchor-withdrawal-{}", header.record_id)}>
                            { "Also anchor a blinded commitment of the withdrawal on the ledger" }
                        </label>
                    </div>
                    <div class="actions">
                        { for header.options.iter().filter(|o| !o.required && record.permits(&o.id)).map(|o| html! {
                            <button type="button" class="secondary" data-testid={format!("withdraw-{}", o.id)}
                                    disabled={busy.is_some()}
                                    onclick={withdraw(Some(vec![o.id.clone()]))}>
                                { format!("Withdraw only: {}", o.label) }
                            </button>
                        }) }
                        if *confirming_all {
                            <p role="alert" class="confirm">
                                { "Withdraw from the trial? This is signed and cannot be undone." }
                            </p>
                            <button type="button" class="danger" data-testid="withdraw-all-confirm"
                                    disabled={busy.is_some()} onclick={withdraw(None)}>
                                { "Yes, withdraw from the trial" }
                            </button>
                            <button type="button" class="secondary" data-testid="withdraw-all-cancel"
                                    onclick={{
                                        let confirming_all = confirming_all.clone();
                                        Callback::from(move |_| confirming_all.set(false))
                                    }}>
                                { "Cancel" }
                            </button>
                        } else {
                            <button type="button" class="danger" data-testid="withdraw-all"
                                    disabled={busy.is_some()}
                                    onclick={{
                                        let confirming_all = confirming_all.clone();
                                        Callback::from(move |_| confirming_all.set(true))
                                    }}>
                                { "Withdraw from the trial" }
                            </button>
                        }
                    </div>
                </div>
            } else if active {
                <p class="note">
                    { "This record was imported without its key, so it can be shown and exported \
                       here but not withdrawn. Import your vault to withdraw from this browser." }
                </p>
            }
            <div class="actions">
                <button type="button" class="secondary" data-testid="export-receipt" onclick={export_json}>
                    { "Download signed receipt (JSON)" }
                </button>
                <button type="button" class="secondary" data-testid="export-fhir" onclick={export_fhir}>
                    { "Download FHIR Consent" }
                </button>
                <button type="button" class="secondary" data-testid="print-receipt" onclick={onprint}>
                    { "Printable receipt" }
                </button>
            </div>
        </li>
    }
}

async fn withdraw_and_store(
    receipt: &Receipt,
    options: Option<Vec<String>>,
    anchor: bool,
    policies: Option<Rc<TrustPolicies>>,
    busy: UseStateHandle<Option<String>>,
) -> Result<String, String> {
    let store = ParticipantStore::open(PARTICIPANT_DATABASE)
        .await
        .map_err(|e| e.to_string())?;
    let key = store
        .key_for(&receipt.record.header.trial_id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("this browser has no key for the trial")?;
    let signing = key.signing_key().ok_or("the key is damaged")?;
    let record = receipt
        .record
        .withdraw(options.as_deref(), &now_rfc3339(), &signing)
        .map_err(|e| e.to_string())?;
    let next = Receipt::new(record, receipt.anchors.clone());
    store.save_receipt(&next).await.map_err(|e| e.to_string())?;
    store.close();
    let mut text = "Your withdrawal is signed and kept in this browser.".to_owned();
    if let (true, Some(policies)) = (anchor, policies) {
        let mut outcome = None;
        anchor_last(next, &key, &policies, |p| {
            let (Ok(t) | Err(t)) = &p;
            busy.set(Some(t.clone()));
            outcome = Some(p);
        })
        .await;
        if let Some(Ok(t) | Err(t)) = outcome {
            text = format!("{text} {t}");
        }
    }
    Ok(text)
}

fn printable(receipt: &Receipt) -> Html {
    let record = &receipt.record;
    let header = &record.header;
    let digest = record.digest();
    let qr = qr_svg(&payload(&digest));
    html! {
        <section class="printable" aria-labelledby="print-heading" data-testid="printable-receipt">
            <h1 id="print-heading">{ "Consent receipt" }</h1>
            <dl class="facts">
                <dt>{ "Trial" }</dt><dd>{ format!("{} ({})", header.trial_title, header.trial_id) }</dd>
                <dt>{ "Consent form" }</dt>
                <dd>{ format!("version {} ({}), SHA-256 {}", header.form.version, header.form.language, header.form.sha256) }</dd>
                <dt>{ "Printed name" }</dt><dd>{ header.participant_name.clone() }</dd>
                <dt>{ "Meaning of the signature" }</dt><dd>{ header.meaning.clone() }</dd>
                <dt>{ "Status" }</dt><dd>{ status_text(record) }</dd>
                <dt>{ "Record" }</dt><dd><code>{ header.record_id.clone() }</code></dd>
                <dt>{ "Receipt digest" }</dt><dd><code data-testid="receipt-digest">{ digest.clone() }</code></dd>
            </dl>
            <h2>{ "History" }</h2>
            <ol class="history">
                { for history(receipt).into_iter().map(|l| html! {
                    <li>{ format!("{} — {}", readable_time(&l.at), l.text) }
                        { l.anchored.map(|a| format!(" ({a})")).unwrap_or_default() }</li>
                }) }
            </ol>
            if let Some(qr) = qr {
                <figure class="qr">
                    <svg viewBox={format!("0 0 {0} {0}", qr.size)} width="180" height="180"
                         role="img" aria-label={format!("QR code of the receipt digest {digest}")}
                         data-testid="receipt-qr">
                        <rect width={qr.size.to_string()} height={qr.size.to_string()} fill="#ffffff" />
                        <path d={qr.path} fill="#000000" />
                    </svg>
                    <figcaption>{ "QR code of the receipt's digest (SHA-256 of the signed record)." }</figcaption>
                </figure>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ChangedProps {
    changed: Callback<Option<(bool, String)>>,
}

#[component]
fn ImportReceipt(props: &ChangedProps) -> Html {
    let onchange = {
        let changed = props.changed.clone();
        Callback::from(move |e: Event| {
            let Some(file) = input_of(&e).and_then(|i| i.files()).and_then(|f| f.get(0)) else {
                return;
            };
            let changed = changed.clone();
            wasm_bindgen_futures::spawn_local(async move {
                changed.emit(Some(match import_receipt(&file).await {
                    Ok(text) => (true, text),
                    Err(e) => (false, format!("The receipt was not imported: {e}")),
                }));
            });
        })
    };
    html! {
        <section class="panel" aria-labelledby="import-heading">
            <h2 id="import-heading">{ "Import a receipt from another device" }</h2>
            <div class="field">
                <label for="import-receipt">{ "Signed receipt (JSON)" }</label>
                <p class="hint" id="import-receipt-hint">
                    { "Its signatures are checked before it is kept. To withdraw from this \
                       browser you also need the key: import your vault instead." }
                </p>
                <input type="file" id="import-receipt" data-testid="import-receipt"
                       accept="application/json,.json" aria-describedby="import-receipt-hint"
                       {onchange} />
            </div>
        </section>
    }
}

async fn import_receipt(file: &web_sys::File) -> Result<String, String> {
    let bytes = read_bytes(file).await?;
    let receipt = Receipt::parse(&bytes).map_err(|e| e.to_string())?;
    receipt.verify().map_err(|e| e.to_string())?;
    let store = ParticipantStore::open(PARTICIPANT_DATABASE)
        .await
        .map_err(|e| e.to_string())?;
    let done = store
        .import(VaultContents {
            keys: Vec::new(),
            receipts: vec![receipt],
        })
        .await
        .map_err(|e| e.to_string())?;
    store.close();
    if let Some(conflict) = done.conflicts.first() {
        return Err(conflict.clone());
    }
    Ok(if done.records == 0 {
        "This receipt is already kept here.".to_owned()
    } else {
        "Receipt imported and verified.".to_owned()
    })
}

#[component]
fn Vault(props: &ChangedProps) -> Html {
    let passphrase = use_state(String::new);
    let import_passphrase = use_state(String::new);
    let import_file = use_state(|| None::<web_sys::File>);
    let confirming = use_state(|| false);
    let busy = use_state(|| false);
    let text_input = |handle: &UseStateHandle<String>| {
        let handle = handle.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
            {
                handle.set(input.value());
            }
        })
    };
    let onexport = {
        let passphrase = passphrase.clone();
        let changed = props.changed.clone();
        let busy = busy.clone();
        Callback::from(move |_| {
            let passphrase = (*passphrase).clone();
            let changed = changed.clone();
            let busy = busy.clone();
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let result = export_vault(&passphrase).await;
                busy.set(false);
                changed.emit(Some(match result {
                    Ok(()) => (
                        true,
                        "Vault exported: keep the file and its passphrase safe.".to_owned(),
                    ),
                    Err(e) => (false, format!("The vault was not exported: {e}")),
                }));
            });
        })
    };
    let onfile = {
        let import_file = import_file.clone();
        Callback::from(move |e: Event| {
            import_file.set(input_of(&e).and_then(|i| i.files()).and_then(|f| f.get(0)));
        })
    };
    let onimport = {
        let import_passphrase = import_passphrase.clone();
        let import_file = import_file.clone();
        let changed = props.changed.clone();
        let busy = busy.clone();
        Callback::from(move |_| {
            let Some(file) = (*import_file).clone() else {
                changed.emit(Some((false, "Choose a vault file first.".to_owned())));
                return;
            };
            let passphrase = (*import_passphrase).clone();
            let changed = changed.clone();
            let busy = busy.clone();
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let result = import_vault(&file, &passphrase).await;
                busy.set(false);
                changed.emit(Some(match result {
                    Ok(text) => (true, text),
                    Err(e) => (false, format!("The vault was not imported: {e}")),
                }));
            });
        })
    };
    let ondelete = {
        let confirming = confirming.clone();
        Callback::from(move |_| confirming.set(true))
    };
    let oncancel = {
        let confirming = confirming.clone();
        Callback::from(move |_| confirming.set(false))
    };
    let onconfirm = {
        let confirming = confirming.clone();
        let changed = props.changed.clone();
        Callback::from(move |_| {
            let confirming = confirming.clone();
            let changed = changed.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let result = match ParticipantStore::open(PARTICIPANT_DATABASE).await {
                    Ok(store) => {
                        let r = store.delete_all().await;
                        store.close();
                        r.map_err(|e| e.to_string())
                    }
                    Err(e) => Err(e.to_string()),
                };
                confirming.set(false);
                changed.emit(Some(match result {
                    Ok(()) => (
                        true,
                        "Every key and consent record was deleted from this browser.".to_owned(),
                    ),
                    Err(e) => (false, format!("Deleting failed: {e}")),
                }));
            });
        })
    };
    html! {
        <section class="panel" aria-labelledby="vault-heading">
            <h2 id="vault-heading">{ "Your vault" }</h2>
            <p class="note">
                { "All your keys and consent records as one file encrypted with a passphrase \
                   (Argon2id and XChaCha20-Poly1305), to keep a backup or move to another browser." }
            </p>
            <div class="key-actions">
                <div class="field">
                    <label for="vault-passphrase">{ "Passphrase for the exported file" }</label>
                    <input type="password" id="vault-passphrase" data-testid="vault-passphrase"
                           autocomplete="new-password" value={(*passphrase).clone()}
                           oninput={text_input(&passphrase)} />
                </div>
                <button type="button" data-testid="vault-export" disabled={*busy} onclick={onexport}>
                    { "Export vault" }
                </button>
            </div>
            <div class="key-actions">
                <div class="field">
                    <label for="vault-file">{ "Vault file" }</label>
                    <input type="file" id="vault-file" data-testid="vault-file"
                           accept="application/json,.json" onchange={onfile} />
                </div>
                <div class="field">
                    <label for="vault-import-passphrase">{ "Its passphrase" }</label>
                    <input type="password" id="vault-import-passphrase"
                           data-testid="vault-import-passphrase" autocomplete="current-password"
                           value={(*import_passphrase).clone()}
                           oninput={text_input(&import_passphrase)} />
                </div>
                <button type="button" data-testid="vault-import" disabled={*busy} onclick={onimport}>
                    { "Import vault" }
                </button>
            </div>
            if *busy {
                <p role="status" class="loading">{ "Working on the vault (stretching the passphrase takes a second)…" }</p>
            }
            <h3>{ "Delete everything" }</h3>
            if *confirming {
                <div class="status status-warn" role="alertdialog" aria-labelledby="confirm-delete-text">
                    <p id="confirm-delete-text">
                        { "Delete every key and consent record from this browser? Without a vault \
                           export you cannot withdraw these consents from here afterwards." }
                    </p>
                    <div class="actions">
                        <button type="button" class="danger" data-testid="confirm-delete-all" onclick={onconfirm}>
                            { "Yes, delete everything" }
                        </button>
                        <button type="button" class="secondary" onclick={oncancel}>{ "Cancel" }</button>
                    </div>
                </div>
            } else {
                <button type="button" class="danger" data-testid="delete-all" onclick={ondelete}>
                    { "Delete all my consent data from this browser" }
                </button>
            }
        </section>
    }
}

async fn export_vault(passphrase: &str) -> Result<(), String> {
    let store = ParticipantStore::open(PARTICIPANT_DATABASE)
        .await
        .map_err(|e| e.to_string())?;
    let contents = store.contents().await.map_err(|e| e.to_string())?;
    store.close();
    let file = VaultFile::seal(
        &contents,
        passphrase,
        DEFAULT_PARAMS,
        random_bytes()?,
        random_bytes()?,
        &now_rfc3339(),
    )
    .map_err(|e| e.to_string())?;
    download(
        "trial-ledger-consent-vault.json",
        "application/json",
        file.to_json().as_bytes(),
    )
}

async fn import_vault(file: &web_sys::File, passphrase: &str) -> Result<String, String> {
    let bytes = read_bytes(file).await?;
    let contents = VaultFile::parse(&bytes)
        .and_then(|v| v.open(passphrase))
        .map_err(|e| e.to_string())?;
    let store = ParticipantStore::open(PARTICIPANT_DATABASE)
        .await
        .map_err(|e| e.to_string())?;
    let done = store.import(contents).await.map_err(|e| e.to_string())?;
    store.close();
    let mut text = format!(
        "Vault imported: {} key(s) and {} record(s) added or updated.",
        done.keys, done.records
    );
    for conflict in &done.conflicts {
        text.push(' ');
        text.push_str(conflict);
    }
    Ok(text)
}
