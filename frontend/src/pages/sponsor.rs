//! `/sponsor`: the sponsor workspace. Keys made and kept in this browser;
//! a registration form for the WHO data set (prefilled from a
//! ClinicalTrials.gov record if wanted, autosaved); documents hashed here
//! and never uploaded; a review of exactly what will be signed; the
//! receipt, with inclusion verified in the browser; and, for a trial this
//! browser's key owns, amendments, status updates and results.
//!
//! The logic is in [`crate::sponsor`]; this page runs the effects.

use std::rc::Rc;

use wasm_bindgen::JsCast as _;
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::hashing::{DEFAULT_CHUNK, sha256_blob};
use crate::hooks::{AppHandle, check_log, use_app};
use crate::keys::{self, DEFAULT_PARAMS, KeyFile, KeyStore, SPONSOR_DATABASE, SponsorKey};
use crate::pages::trial::is_trial_id;
use crate::sponsor::draft::{DocumentDraft, REGISTRATION_ROLES, RESULT_ROLES};
use crate::sponsor::evidence::{Inclusion, inclusion, owned_trial};
use crate::sponsor::form::FieldError;
use crate::sponsor::net::{BundleProblem, check_bundle, head_consistent, submit_entry};
use crate::sponsor::state::{Action, Step, Task, Workspace};
use crate::sponsor::store::DraftStore;
use crate::sponsor::submit::{Prepared, Refusal};
use crate::sponsor::view::{self, Ctx, field_id};
use crate::trial_view::{enum_text, readable_path};

/// How often the receipt polls the trial's bundle, in milliseconds.
const POLL_MS: u32 = 1000;
/// How many polls before the receipt gives up waiting (and says so).
const POLLS: u32 = 120;

fn js_text(value: &wasm_bindgen::JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}

async fn reload_keys(dispatch: &Callback<Action>) -> Result<(), String> {
    let store = KeyStore::open(SPONSOR_DATABASE)
        .await
        .map_err(|e| e.to_string())?;
    let list = store.keys().await.map_err(|e| e.to_string());
    store.close();
    dispatch.emit(Action::KeysLoaded(list?));
    Ok(())
}

fn download(name: &str, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|e| js_text(&e))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| js_text(&e))?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let anchor = document
        .create_element("a")
        .map_err(|e| js_text(&e))?
        .dyn_into::<web_sys::HtmlAnchorElement>()
        .map_err(|_| "not an anchor")?;
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// Lets the browser paint (a message) before synchronous work (Argon2id).
async fn yield_to_paint() {
    gloo::timers::future::TimeoutFuture::new(30).await;
}

#[derive(Properties, PartialEq)]
struct KeysProps {
    keys: Vec<SponsorKey>,
    selected: Option<String>,
    dispatch: Callback<Action>,
}

/// Creating, listing, exporting and importing signing keys.
#[component]
fn KeysPanel(props: &KeysProps) -> Html {
    let message = use_state(|| None::<Result<String, String>>);
    let label = use_state(|| "Sponsor key".to_owned());
    let passphrase = use_state(String::new);
    let busy = use_state(|| false);

    let oncreate = {
        let (label, message, dispatch) = (label.clone(), message.clone(), props.dispatch.clone());
        Callback::from(move |_| {
            let (label, message, dispatch) = (label.clone(), message.clone(), dispatch.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let result = async {
                    let name = if label.trim().is_empty() { "Sponsor key" } else { label.trim() };
                    let key = SponsorKey::generate(name)?;
                    let store = KeyStore::open(SPONSOR_DATABASE).await.map_err(|e| e.to_string())?;
                    let saved = store.save(&key).await.map_err(|e| e.to_string());
                    store.close();
                    saved?;
                    reload_keys(&dispatch).await?;
                    dispatch.emit(Action::SelectKey(key.keyid.clone()));
                    Ok::<_, String>(format!(
                        "Created the key {} ({}). It is kept in this browser only: export it to keep a backup.",
                        key.label, key.keyid
                    ))
                }
                .await;
                message.set(Some(result));
            });
        })
    };

    let export = {
        let (passphrase, message, busy) = (passphrase.clone(), message.clone(), busy.clone());
        Callback::from(move |key: SponsorKey| {
            let (passphrase, message, busy) = (passphrase.clone(), message.clone(), busy.clone());
            busy.set(true);
            message.set(Some(Ok(
                "Encrypting the key with your passphrase (Argon2id, about a second)…".to_owned(),
            )));
            wasm_bindgen_futures::spawn_local(async move {
                yield_to_paint().await;
                let result = keys::export(&key, &passphrase, DEFAULT_PARAMS)
                    .map_err(|e| e.to_string())
                    .and_then(|file| {
                        download(&format!("trial-ledger-key-{}.json", key.keyid), &file.to_json())
                    })
                    .map(|()| {
                        format!(
                            "Exported {} as trial-ledger-key-{}.json, encrypted with your passphrase.",
                            key.label, key.keyid
                        )
                    });
                busy.set(false);
                message.set(Some(result));
            });
        })
    };

    let onimport = {
        let (passphrase, message, busy, dispatch) = (
            passphrase.clone(),
            message.clone(),
            busy.clone(),
            props.dispatch.clone(),
        );
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            input.set_value("");
            let (passphrase, message, busy, dispatch) = (
                passphrase.clone(),
                message.clone(),
                busy.clone(),
                dispatch.clone(),
            );
            busy.set(true);
            message.set(Some(Ok("Decrypting the key file…".to_owned())));
            wasm_bindgen_futures::spawn_local(async move {
                let result = async {
                    let text = JsFuture::from(file.text())
                        .await
                        .map_err(|e| format!("cannot read the file: {}", js_text(&e)))?
                        .as_string()
                        .unwrap_or_default();
                    let parsed = KeyFile::parse(text.as_bytes()).map_err(|e| e.to_string())?;
                    if passphrase.is_empty() {
                        return Err(
                            "enter the key file's passphrase first, then choose the file"
                                .to_owned(),
                        );
                    }
                    yield_to_paint().await;
                    let key = parsed.open(&passphrase).map_err(|e| e.to_string())?;
                    let store = KeyStore::open(SPONSOR_DATABASE)
                        .await
                        .map_err(|e| e.to_string())?;
                    let saved = store.save(&key).await.map_err(|e| e.to_string());
                    store.close();
                    saved?;
                    reload_keys(&dispatch).await?;
                    dispatch.emit(Action::SelectKey(key.keyid.clone()));
                    Ok(format!("Imported the key {} ({}).", key.label, key.keyid))
                }
                .await;
                busy.set(false);
                message.set(Some(result.map_err(|e| {
                    let mut chars = e.chars();
                    chars
                        .next()
                        .map(|c| c.to_uppercase().chain(chars).collect())
                        .unwrap_or_default()
                })));
            });
        })
    };

    let onlabel = {
        let label = label.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            label.set(input.value());
        })
    };
    let onpass = {
        let passphrase = passphrase.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            passphrase.set(input.value());
        })
    };

    html! {
        <section class="panel" aria-labelledby="keys-heading">
            <h2 id="keys-heading"><span class="step-number" aria-hidden="true">{ "1" }</span>{ "Signing key" }</h2>
            <p class="note">
                { "Entries are signed with an Ed25519 key made and kept in this browser. The key that \
                   registers a trial owns it: only it can amend the trial or report its status and \
                   results. Export a passphrase-protected backup." }
            </p>
            if props.keys.is_empty() {
                <p data-testid="key-list" class="empty">{ "No key in this browser yet." }</p>
            } else {
                <fieldset class="key-list">
                    <legend>{ "Sign with" }</legend>
                    <ul data-testid="key-list">
                        { for props.keys.iter().map(|k| {
                            let checked = props.selected.as_deref() == Some(k.keyid.as_str());
                            let dispatch = props.dispatch.clone();
                            let id = k.keyid.clone();
                            let onchange = Callback::from(move |_| dispatch.emit(Action::SelectKey(id.clone())));
                            let export = export.clone();
                            let key = k.clone();
                            let onexport = Callback::from(move |_| export.emit(key.clone()));
                            let radio = format!("key-{}", k.keyid);
                            html! {
                                <li class={classes!("key", checked.then_some("selected"))} data-keyid={k.keyid.clone()}>
                                    <input type="radio" name="signing-key" id={radio.clone()} {checked} {onchange} />
                                    <label for={radio}>
                                        <strong>{ k.label.clone() }</strong>
                                        { " · key id " }<code>{ k.keyid.clone() }</code>
                                        <span class="note">{ format!(" · made {}", k.created_at) }</span>
                                    </label>
                                    <button type="button" class="secondary" data-testid="key-export" onclick={onexport}
                                            disabled={*busy} aria-label={format!("Export the key {} ({})", k.label, k.keyid)}>
                                        { "Export" }
                                    </button>
                                </li>
                            }
                        }) }
                    </ul>
                </fieldset>
            }
            <div class="key-actions">
                <div class="field">
                    <label for="key-label">{ "Name for a new key" }</label>
                    <input id="key-label" type="text" value={(*label).clone()} oninput={onlabel} />
                </div>
                <button type="button" data-testid="key-create" onclick={oncreate}>{ "Create a key" }</button>
            </div>
            <div class="key-actions">
                <div class="field">
                    <label for="key-passphrase">{ "Passphrase for export and import" }</label>
                    <p class="hint" id="key-passphrase-hint">{ format!("At least {} characters. It encrypts the exported file; it is not stored.", keys::MIN_PASSPHRASE_CHARS) }</p>
                    <input id="key-passphrase" type="password" data-testid="key-passphrase" autocomplete="new-password"
                           aria-describedby="key-passphrase-hint" value={(*passphrase).clone()} oninput={onpass} />
                </div>
                <div class="field">
                    <label for="key-import-file">{ "Import a key file" }</label>
                    <input id="key-import-file" type="file" accept=".json,application/json"
                           data-testid="key-import-file" onchange={onimport} disabled={*busy} />
                </div>
            </div>
            { match &*message {
                Some(Ok(text)) => html! { <p class="status status-ok" role="status" data-testid="key-message">{ text.clone() }</p> },
                Some(Err(text)) => html! { <p class="status status-alarm" role="alert" data-testid="key-error">{ format!("Error: {text}") }</p> },
                None => html! {},
            } }
        </section>
    }
}

/// Hashes `file` as a document of `task` with `role`.
fn add_document(file: web_sys::File, task: Task, role: String, dispatch: Callback<Action>) {
    let name = file.name();
    let size = file.size() as u64;
    dispatch.emit(Action::DocumentAdded(
        task,
        DocumentDraft {
            name: name.clone(),
            role,
            version: "1".to_owned(),
            size,
            sha256: None,
            hashed: Some(0),
            carried: false,
        },
    ));
    wasm_bindgen_futures::spawn_local(async move {
        let progress = {
            let (dispatch, name) = (dispatch.clone(), name.clone());
            move |done: u64, _total: u64| {
                dispatch.emit(Action::DocumentProgress(task, name.clone(), done));
            }
        };
        match sha256_blob(&file, DEFAULT_CHUNK, progress).await {
            Ok(digest) => dispatch.emit(Action::DocumentHashed(
                task,
                name,
                verifier::merkle::hex(&digest),
            )),
            Err(e) => {
                web_sys::console::error_1(&format!("hashing {name} failed: {e}").into());
                dispatch.emit(Action::DocumentFailed(task, name));
            }
        }
    });
}

#[derive(Properties, PartialEq)]
struct DocumentsProps {
    task: Task,
    dispatch: Callback<Action>,
}

/// The file picker with its role select.
#[component]
fn DocumentPicker(props: &DocumentsProps) -> Html {
    let roles = if props.task == Task::Results {
        RESULT_ROLES
    } else {
        REGISTRATION_ROLES
    };
    let role = use_state(|| roles[0].0.to_owned());
    let onrole = {
        let role = role.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            role.set(select.value());
        })
    };
    let onfile = {
        let (role, dispatch, task) = (role.clone(), props.dispatch.clone(), props.task);
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Some(files) = input.files() {
                for i in 0..files.length() {
                    if let Some(file) = files.get(i) {
                        add_document(file, task, (*role).clone(), dispatch.clone());
                    }
                }
            }
            input.set_value("");
        })
    };
    html! {
        <div class="document-picker">
            <div class="field">
                <label for="document-role">{ "Role of the next document" }</label>
                <select id="document-role" data-testid="document-role" onchange={onrole}>
                    { for roles.iter().map(|(v, l)| html! { <option value={*v} selected={*v == *role}>{ *l }</option> }) }
                </select>
            </div>
            <div class="field">
                <label for="document-file">{ "Choose documents" }</label>
                <input id="document-file" type="file" multiple=true data-testid="document-file" onchange={onfile} />
            </div>
        </div>
    }
}

fn import_notes(notes: &crate::sponsor::draft::ImportNotes, errors: &[FieldError]) -> Html {
    let placeholders: Vec<&String> = notes
        .placeholders
        .iter()
        .filter(|p| p.starts_with("trial."))
        .collect();
    html! {
        <div class="status status-warn import-notes" data-testid="import-notes" role="status">
            <p><strong>{ format!("Imported {} from ClinicalTrials.gov.", notes.nct_id) }</strong>
               { " Check every field: the record shows the registration's latest version, and some WHO items are not published there." }</p>
            if !placeholders.is_empty() {
                <p>{ "To complete before signing (not in the record):" }</p>
                <ul data-testid="import-placeholders">
                    { for placeholders.iter().map(|p| {
                        let target = errors.iter().find(|e| e.path.starts_with(p.as_str())).map(|e| e.path.clone()).unwrap_or_else(|| (*p).clone());
                        let target = if target == "trial.ethics_review" { "trial.ethics_review.committee.name".to_owned() } else { target };
                        html! { <li><a href={format!("#{}", field_id(&target))}>{ readable_path(p.trim_start_matches("trial.")) }</a></li> }
                    }) }
                </ul>
            }
            if !notes.absent.is_empty() {
                <details>
                    <summary>{ format!("{} fields are absent from the record", notes.absent.len()) }</summary>
                    <ul>{ for notes.absent.iter().map(|a| html! { <li><code>{ a.clone() }</code></li> }) }</ul>
                </details>
            }
            if !notes.warnings.is_empty() {
                <details>
                    <summary>{ format!("{} import notes", notes.warnings.len()) }</summary>
                    <ul>{ for notes.warnings.iter().map(|w| html! { <li>{ w.clone() }</li> }) }</ul>
                </details>
            }
        </div>
    }
}

/// Signs the current task's entry for review.
fn prepare(ws: &Workspace, dispatch: &Callback<Action>) -> Result<Rc<Prepared>, String> {
    let key = ws
        .key()
        .ok_or("create or import a signing key first (step 1)")?;
    let signing = key
        .signing_key()
        .ok_or("the stored key is damaged; import it again from its backup")?;
    if ws.task != Task::Register
        && let Some(trial) = &ws.trial
        && !trial.owned_by(&key.public_key)
    {
        return Err(format!(
            "the key {} does not own this trial: choose the key that registered it",
            key.keyid
        ));
    }
    let now = keys::now_rfc3339()
        .parse()
        .map_err(|_| "this browser's clock gives no valid time".to_owned())?;
    match ws.build(&key.public_key, now) {
        Ok((predicate, subjects)) => Prepared::sign(predicate, subjects, &signing).map(Rc::new),
        Err(errors) => {
            dispatch.emit(Action::ShowErrors);
            Err(format!(
                "{} {} to fix first (listed above the button).",
                errors.len(),
                if errors.len() == 1 {
                    "problem"
                } else {
                    "problems"
                }
            ))
        }
    }
}

/// Polls the trial's bundle until the entry is included under a witnessed
/// checkpoint, verifying each bundle; then proves the bundle's head
/// consistent with the light client and reloads the trial's verified state.
async fn follow_receipt(
    app: AppHandle,
    prepared: Rc<Prepared>,
    index: u64,
    dispatch: Callback<Action>,
) {
    let Some(policies) = app.policies.clone() else {
        dispatch.emit(Action::Inclusion(Inclusion::Failed(
            "the trust policies are not loaded, so nothing can be verified".to_owned(),
        )));
        return;
    };
    for attempt in 0..POLLS {
        if attempt > 0 {
            gloo::timers::future::TimeoutFuture::new(POLL_MS).await;
        }
        let checked = match check_bundle(&prepared.trial_id, &policies).await {
            Ok(checked) => checked,
            Err(BundleProblem::NotFound) | Err(BundleProblem::Unavailable(_)) => continue,
            Err(BundleProblem::Failed(reason)) => {
                dispatch.emit(Action::Inclusion(Inclusion::Failed(reason)));
                return;
            }
        };
        match inclusion(&checked.report, index, &prepared.entry_hash) {
            Inclusion::Pending(text) => dispatch.emit(Action::Inclusion(Inclusion::Pending(text))),
            Inclusion::Failed(reason) => {
                dispatch.emit(Action::Inclusion(Inclusion::Failed(reason)));
                return;
            }
            verified @ Inclusion::Verified { .. } => {
                let checkpoint = check_log(app.clone(), policies.clone(), "sponsor receipt").await;
                if let Err(reason) = head_consistent(&checked.bundle, checkpoint).await {
                    dispatch.emit(Action::Inclusion(Inclusion::Failed(format!(
                        "the bundle's checkpoint is not consistent with the log this browser verified: {reason}"
                    ))));
                    return;
                }
                if let Ok(trial) = owned_trial(&checked.bundle, &checked.report) {
                    dispatch.emit(Action::TrialRefreshed(Rc::new(trial)));
                }
                dispatch.emit(Action::Inclusion(verified));
                return;
            }
        }
    }
    dispatch.emit(Action::Inclusion(Inclusion::Pending(format!(
        "not yet included after {} s; the registry may be slow. Reload the trial later to check.",
        POLLS * POLL_MS / 1000
    ))));
}

fn submit(app: AppHandle, ws: &Workspace, dispatch: Callback<Action>) {
    let Step::Review(prepared) = &ws.step else {
        return;
    };
    let prepared = prepared.clone();
    let task = ws.task;
    dispatch.emit(Action::Submitting);
    wasm_bindgen_futures::spawn_local(async move {
        match submit_entry(&prepared.bytes).await {
            Ok(accepted) => {
                if accepted.entry_hash != prepared.entry_hash
                    || accepted.trial_id != prepared.trial_id
                {
                    dispatch.emit(Action::Refused(Refusal {
                        status: 0,
                        code: "bad_receipt".to_owned(),
                        message: format!(
                            "the registry's receipt names entry {} of {}, not the entry sent ({} of {})",
                            accepted.entry_hash, accepted.trial_id, prepared.entry_hash, prepared.trial_id
                        ),
                        path: None,
                    }));
                    return;
                }
                let index = accepted.index;
                dispatch.emit(Action::Accepted(accepted));
                if task == Task::Register
                    && let Ok(store) = DraftStore::open(SPONSOR_DATABASE).await
                {
                    let _ = store.clear().await;
                    store.close();
                }
                follow_receipt(app, prepared, index, dispatch).await;
            }
            Err(refusal) => dispatch.emit(Action::Refused(refusal)),
        }
    });
}

fn receipt(ws: &Workspace, dispatch: &Callback<Action>) -> Html {
    let Step::Submitted {
        prepared,
        accepted,
        inclusion,
    } = &ws.step
    else {
        return html! {};
    };
    let (state, text) = match inclusion {
        Inclusion::Pending(text) => (
            "pending",
            html! {
                <p class="status status-warn" role="status">
                    <strong>{ "Pending: " }</strong>{ text.clone() }
                    { " The receipt checks the trial's evidence bundle in your browser every second." }
                </p>
            },
        ),
        Inclusion::Verified {
            head_size,
            cosigned_by,
            ..
        } => (
            "verified",
            html! {
                <p class="status status-ok" role="status">
                    <strong>{ "Verified in your browser: " }</strong>
                    { format!(
                        "the entry's inclusion proof checks against a checkpoint of {head_size} entries signed by the log and cosigned by {}; its signature and the trial's rules were re-checked.",
                        if cosigned_by.is_empty() { "the witnesses".to_owned() } else { cosigned_by.join(", ") }
                    ) }
                </p>
            },
        ),
        Inclusion::Failed(reason) => (
            "failed",
            html! {
                <p class="status status-alarm" role="alert">
                    <strong>{ "Not verified: " }</strong>{ reason.clone() }
                </p>
            },
        ),
    };
    let witnessed = match inclusion {
        Inclusion::Verified { witnessed, .. } => witnessed.clone(),
        _ => "not yet — waiting for the witnesses' cosignatures".to_owned(),
    };
    let href = format!("/trials/{}", accepted.trial_id);
    let onnew = {
        let dispatch = dispatch.clone();
        Callback::from(move |_| dispatch.emit(Action::Done))
    };
    html! {
        <section class="panel receipt" data-testid="receipt" data-state={state} aria-labelledby="receipt-heading">
            <h2 id="receipt-heading">{ format!("Receipt: {} accepted", enum_text(&prepared.kind)) }</h2>
            { text }
            <dl class="facts">
                <dt>{ "Trial id" }</dt><dd><code data-testid="receipt-trial-id">{ accepted.trial_id.clone() }</code></dd>
                <dt>{ "Log index" }</dt><dd data-testid="receipt-index">{ accepted.index }</dd>
                <dt>{ "Entry hash" }</dt><dd><code class="hash" data-testid="receipt-entry-hash">{ accepted.entry_hash.clone() }</code></dd>
                <dt>{ "Witnessed time" }</dt><dd data-testid="receipt-witnessed">{ witnessed }</dd>
            </dl>
            <p>
                <a href={href} data-testid="receipt-trial-link">{ format!("Open the public record of {}", accepted.trial_id) }</a>
            </p>
            if state != "pending" {
                <button type="button" class="secondary" onclick={onnew}>{ "Done" }</button>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct LoaderProps {
    keys: Vec<SponsorKey>,
    dispatch: Callback<Action>,
}

/// Picks an existing trial by id and verifies it from its bundle.
#[component]
fn TrialLoader(props: &LoaderProps) -> Html {
    let app = use_app();
    let id = use_state(String::new);
    let message = use_state(|| None::<Result<String, String>>);
    let oninput = {
        let id = id.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            id.set(input.value().trim().to_owned());
        })
    };
    let onsubmit = {
        let (id, message, dispatch, app) = (
            id.clone(),
            message.clone(),
            props.dispatch.clone(),
            app.clone(),
        );
        let keys = props.keys.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let trial_id = (*id).clone().to_uppercase();
            if !is_trial_id(&trial_id) {
                message.set(Some(Err(
                    "A trial id is \u{201c}TL-\u{201d} followed by 16 digits and capital letters."
                        .to_owned(),
                )));
                return;
            }
            let Some(policies) = app.policies.clone() else {
                message.set(Some(Err(
                    "The trust policies are still loading; try again in a moment.".to_owned(),
                )));
                return;
            };
            let (message, dispatch, app, keys) =
                (message.clone(), dispatch.clone(), app.clone(), keys.clone());
            message.set(Some(Ok(format!("Verifying {trial_id} in your browser…"))));
            wasm_bindgen_futures::spawn_local(async move {
                let result = async {
                    let checkpoint = check_log(app.clone(), policies.clone(), "sponsor workspace").await;
                    let checked = match check_bundle(&trial_id, &policies).await {
                        Ok(c) => c,
                        Err(BundleProblem::NotFound) => return Err(format!("The registry has no witnessed entry of {trial_id} (yet).")),
                        Err(BundleProblem::Unavailable(r)) => return Err(format!("The trial's evidence could not be loaded: {r}")),
                        Err(BundleProblem::Failed(r)) => return Err(format!("The trial's evidence did NOT verify: {r}")),
                    };
                    let trial = owned_trial(&checked.bundle, &checked.report)?;
                    head_consistent(&checked.bundle, checkpoint)
                        .await
                        .map_err(|r| format!("The trial's evidence is not consistent with the log this browser verified: {r}"))?;
                    let owner = keys.iter().find(|k| trial.owned_by(&k.public_key));
                    let Some(owner) = owner else {
                        return Err(format!(
                            "{trial_id} verified, but it is owned by another key (signer key {}); none of this browser's keys can amend it. Import the owner key first.",
                            trial.history.owner_base64()
                        ));
                    };
                    dispatch.emit(Action::SelectKey(owner.keyid.clone()));
                    dispatch.emit(Action::TrialLoaded(Rc::new(trial)));
                    Ok(format!("{trial_id} verified in your browser; owned by your key {}.", owner.label))
                }
                .await;
                message.set(Some(result));
            });
        })
    };
    html! {
        <form class="trial-loader" {onsubmit}>
            <div class="field">
                <label for="trial-id">{ "Trial id" }</label>
                <p class="hint" id="trial-id-hint">{ "A trial registered with one of this browser's keys, e.g. TL-0123456789ABCDEF" }</p>
                <input id="trial-id" type="text" data-testid="trial-id" aria-describedby="trial-id-hint"
                       value={(*id).clone()} {oninput} autocomplete="off" spellcheck="false" />
            </div>
            <button type="submit" data-testid="trial-load">{ "Load and verify" }</button>
            { match &*message {
                Some(Ok(text)) => html! { <p class="status status-ok" role="status">{ text.clone() }</p> },
                Some(Err(text)) => html! { <p class="status status-alarm" role="alert" data-testid="trial-load-error">{ text.clone() }</p> },
                None => html! {},
            } }
        </form>
    }
}

fn trial_summary(ws: &Workspace) -> Html {
    let Some(trial) = &ws.trial else {
        return html! {};
    };
    let h = &trial.history;
    let title = h
        .current()
        .map(|v| v.trial.public_title.clone())
        .unwrap_or_default();
    html! {
        <div class="loaded-trial" data-testid="trial-loaded">
            <p>
                <strong>{ title }</strong><br />
                <code>{ h.trial_id.to_string() }</code>
                { format!(" · {} entries verified · status {} · head ", trial.indexes.len(), enum_text(&h.status)) }
                <code>{ h.head_hex().chars().take(16).collect::<String>() }{ "…" }</code>
            </p>
        </div>
    }
}

/// The sponsor workspace.
#[component]
pub fn Sponsor() -> Html {
    crate::hooks::use_chunk_reader();
    let app = use_app();
    let ws = use_reducer(Workspace::default);
    let dispatch = {
        let d = ws.dispatcher();
        Callback::from(move |a: Action| d.dispatch(a))
    };
    let flash = use_state(|| None::<String>);

    // Keys and the autosaved draft, once.
    {
        let dispatch = dispatch.clone();
        use_effect_with((), move |()| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = reload_keys(&dispatch).await {
                    web_sys::console::error_1(&format!("cannot read the keys: {e}").into());
                }
                let draft = match DraftStore::open(SPONSOR_DATABASE).await {
                    Ok(store) => {
                        let draft = store.load().await.ok().flatten();
                        store.close();
                        draft
                    }
                    Err(_) => None,
                };
                dispatch.emit(Action::DraftRestored(draft.map(Box::new)));
            });
        });
    }
    // Autosave the registration draft after every change.
    {
        let draft = ws.draft.clone();
        use_effect_with((draft, ws.restored), move |(draft, restored)| {
            if *restored {
                let draft = draft.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(store) = DraftStore::open(SPONSOR_DATABASE).await {
                        if let Err(e) = store.save(&draft).await {
                            web_sys::console::error_1(&format!("autosave failed: {e}").into());
                        }
                        store.close();
                    }
                });
            }
        });
    }

    let errors = ws.errors();
    let ctx = Ctx {
        ws: &ws,
        errors: &errors,
        show: ws.show_errors,
        dispatch: dispatch.clone(),
    };

    let set_task = |task: Task| {
        let dispatch = dispatch.clone();
        Callback::from(move |_| dispatch.emit(Action::SetTask(task)))
    };
    let updating = ws.task != Task::Register;

    let onctgov = {
        let (dispatch, flash) = (dispatch.clone(), flash.clone());
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            input.set_value("");
            let (dispatch, flash) = (dispatch.clone(), flash.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let bytes = match JsFuture::from(file.array_buffer()).await {
                    Ok(buffer) => js_sys::Uint8Array::new(&buffer).to_vec(),
                    Err(e) => {
                        flash.set(Some(format!(
                            "Cannot read {}: {}",
                            file.name(),
                            js_text(&e)
                        )));
                        return;
                    }
                };
                match verifier::ctgov::import(&bytes) {
                    Ok(import) => {
                        flash.set(None);
                        dispatch.emit(Action::Imported(Box::new(import)));
                    }
                    Err(e) => flash.set(Some(format!("{} cannot be imported: {e}.", file.name()))),
                }
            });
        })
    };

    let review_error = use_state(|| None::<String>);
    let onreview = {
        let (ws, dispatch, review_error) = (ws.clone(), dispatch.clone(), review_error.clone());
        Callback::from(move |_| match prepare(&ws, &dispatch) {
            Ok(prepared) => {
                review_error.set(None);
                dispatch.emit(Action::Review(prepared));
                focus("review");
            }
            Err(e) => {
                review_error.set(Some(e));
                focus("error-summary");
            }
        })
    };
    let onsubmit = {
        let (ws, dispatch, app) = (ws.clone(), dispatch.clone(), app.clone());
        Callback::from(move |_| submit(app.clone(), &ws, dispatch.clone()))
    };
    let onback = {
        let dispatch = dispatch.clone();
        Callback::from(move |_| dispatch.emit(Action::BackToEdit))
    };

    let task_form = match ws.task {
        Task::Register => html! {
            <>
                <section class="panel" aria-labelledby="import-heading">
                    <h3 id="import-heading">{ "Start from a ClinicalTrials.gov record (optional)" }</h3>
                    <div class="field">
                        <label for="ctgov-file">{ "ClinicalTrials.gov API v2 study record (JSON)" }</label>
                        <p class="hint" id="ctgov-hint">{ "Download it from clinicaltrials.gov/api/v2/studies/NCT… The file is read in your browser; it prefills the form." }</p>
                        <input id="ctgov-file" type="file" accept=".json,application/json" data-testid="ctgov-file"
                               aria-describedby="ctgov-hint" onchange={onctgov} />
                    </div>
                    if let Some(text) = &*flash {
                        <p class="status status-alarm" role="alert">{ text.clone() }</p>
                    }
                    if let Some(notes) = &ws.draft.import {
                        { import_notes(notes, &errors) }
                    }
                    if ws.restored && ws.draft != Default::default() {
                        <p class="note" data-testid="draft-saved">{ "Your draft is saved in this browser as you type." }</p>
                    }
                </section>
                { view::who_form(&ctx, &ws.draft) }
                { documents_section(&ctx, Task::Register, &dispatch) }
            </>
        },
        Task::Amend => html! {
            <>
                { view::amend_diff(&ctx) }
                { view::text(&ctx, "reason", "Reason for the amendment", Some("Required. Shown with the amendment on the trial's public record."), true, view::Kind::Area(3)) }
                { view::who_form(&ctx, &ws.amend) }
                { documents_section(&ctx, Task::Amend, &dispatch) }
            </>
        },
        Task::Status => view::status_form(&ctx),
        Task::Results => html! {
            <>
                { view::results_form(&ctx) }
                <section class="panel" aria-labelledby="result-docs-heading">
                    <h3 id="result-docs-heading">{ "Result documents" }</h3>
                    <p class="note">{ "Clinical study report, datasets, final analysis plan: hashed here, never uploaded." }</p>
                    <DocumentPicker task={Task::Results} dispatch={dispatch.clone()} />
                    { view::document_rows(&ctx, &ws.result_documents, RESULT_ROLES) }
                </section>
            </>
        },
    };

    let submitting = matches!(ws.step, Step::Submitting(_));
    let review = match &ws.step {
        Step::Review(prepared) | Step::Submitting(prepared) => html! {
            <section class="panel review" data-testid="review" aria-labelledby="review-heading" id="review" tabindex="-1">
                <h2 id="review-heading"><span class="step-number" aria-hidden="true">{ "4" }</span>{ "Review exactly what will be signed" }</h2>
                <p>
                    { format!("A {} entry", enum_text(&prepared.kind)) }
                    if let Some(k) = ws.key() { { format!(", signed with your key {} ({})", k.label, k.keyid) } }
                    { format!(", {} bytes. Nothing has left this browser yet. ", prepared.bytes.len()) }
                    if prepared.kind == verifier::predicate::PredicateKind::Registration {
                        { "Its trial id will be " }<code data-testid="review-trial-id">{ prepared.trial_id.clone() }</code>{ "." }
                    } else {
                        { format!("It extends {} after its current head.", prepared.trial_id) }
                    }
                </p>
                <p class="note">{ "Entry hash " }<code class="hash">{ prepared.entry_hash.clone() }</code></p>
                <h3>{ "Statement: documents (subjects) and predicate" }</h3>
                <pre class="statement" tabindex="0" role="region" aria-label="The statement that will be signed" data-testid="review-statement">{ prepared.statement.clone() }</pre>
                if let Some(refusal) = &ws.refusal {
                    <p class="status status-alarm" role="alert" data-testid="submit-error">{ refusal.summary() }</p>
                }
                <div class="actions">
                    <button type="button" class="primary" data-testid="submit" onclick={onsubmit} disabled={submitting}>
                        { if submitting { "Submitting…" } else { "Sign and submit" } }
                    </button>
                    <button type="button" class="secondary" onclick={onback} disabled={submitting}>{ "Back to the form" }</button>
                </div>
            </section>
        },
        _ => html! {},
    };

    let in_edit = matches!(ws.step, Step::Edit);
    let submitted = matches!(ws.step, Step::Submitted { .. });
    html! {
        <article class="page sponsor">
            <h1>{ "For sponsors" }</h1>
            <p class="lede">
                { "Register a trial before enrolment, amend it with a stated reason, report its status \
                   and commit its results. Documents are hashed in your browser and never uploaded; \
                   every entry is signed here and its inclusion in the log verified here." }
            </p>

            <KeysPanel keys={ws.keys.clone()} selected={ws.selected_key.clone()} dispatch={dispatch.clone()} />

            <section class="panel" aria-labelledby="task-heading">
                <h2 id="task-heading"><span class="step-number" aria-hidden="true">{ "2" }</span>{ "What do you want to do?" }</h2>
                <div class="segmented" role="group" aria-label="Task">
                    <button type="button" data-testid="task-register" aria-pressed={(!updating).to_string()} onclick={set_task(Task::Register)}>
                        { "Register a new trial" }
                    </button>
                    <button type="button" data-testid="task-update" aria-pressed={updating.to_string()} onclick={set_task(if updating { ws.task } else { Task::Amend })}>
                        { "Update a trial you own" }
                    </button>
                </div>
                if updating {
                    <TrialLoader keys={ws.keys.clone()} dispatch={dispatch.clone()} />
                    { trial_summary(&ws) }
                }
                if ws.trial.is_some() && updating {
                    <div class="segmented" role="group" aria-label="Kind of update">
                        { for [Task::Amend, Task::Status, Task::Results].into_iter().map(|t| html! {
                            <button type="button" data-testid={match t { Task::Amend => "task-amend", Task::Status => "task-status", _ => "task-results" }}
                                    aria-pressed={(ws.task == t).to_string()} onclick={set_task(t)}>
                                { t.label() }
                            </button>
                        }) }
                    </div>
                }
            </section>

            if (!updating || ws.trial.is_some()) && !submitted {
                <section class="panel form-panel" aria-labelledby="form-heading">
                    <h2 id="form-heading">
                        <span class="step-number" aria-hidden="true">{ "3" }</span>
                        { match ws.task {
                            Task::Register => "Registration (WHO Trial Registration Data Set)".to_owned(),
                            Task::Amend => "Amend the registration".to_owned(),
                            Task::Status => "Report the recruitment status".to_owned(),
                            Task::Results => "Commit the results".to_owned(),
                        } }
                    </h2>
                    <fieldset class="plain" disabled={!in_edit && !matches!(ws.step, Step::Review(_))}>
                        { task_form }
                    </fieldset>
                    { view::error_summary(&ctx) }
                    if let Some(text) = &*review_error {
                        <p class="status status-alarm" role="alert" data-testid="review-error">{ format!("Cannot review yet: {text}") }</p>
                    }
                    if in_edit {
                        <div class="actions">
                            <button type="button" class="primary" data-testid="review-button" onclick={onreview}>{ "Review before signing" }</button>
                        </div>
                    }
                </section>
            }
            { review }
            { receipt(&ws, &dispatch) }
        </article>
    }
}

fn documents_section(ctx: &Ctx<'_>, task: Task, dispatch: &Callback<Action>) -> Html {
    let draft = if task == Task::Amend {
        &ctx.ws.amend
    } else {
        &ctx.ws.draft
    };
    html! {
        <section class="panel" aria-labelledby={format!("docs-heading-{task:?}")}>
            <h3 id={format!("docs-heading-{task:?}")}>{ "Documents" }</h3>
            <p class="note">
                { "Protocol, statistical analysis plan and consent forms. Each file is hashed in your \
                   browser in chunks; only its name, SHA-256, role and version are signed. Files are never uploaded." }
            </p>
            <DocumentPicker {task} dispatch={dispatch.clone()} />
            { view::document_rows(ctx, &draft.documents, REGISTRATION_ROLES) }
            <h3>{ "Consent form choices" }</h3>
            { view::consent_editors(ctx, draft) }
        </section>
    }
}

fn focus(id: &str) {
    let id = id.to_owned();
    // After the next render.
    gloo::timers::callback::Timeout::new(50, move || {
        if let Some(element) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = element.focus();
        }
    })
    .forget();
}
