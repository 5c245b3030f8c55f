//! `/trials/{id}/consent`: a participant gives consent to one trial.
//!
//! The trial is verified in the browser (its bundle under the pinned
//! policies, its history replayed, its head consistent with the light
//! client's checkpoint); the consent forms come from that verified
//! registration and its amendments only. The participant opens the form
//! they were given from a local file; it is hashed here and must be one of
//! the registered forms ([`crate::participant::state`]). They tick the
//! options (required ones cannot be skipped), type their name and sign
//! with a per-trial key made in this browser. The record is kept in
//! IndexedDB; a blinded commitment goes to the ledger only if asked.

use std::rc::Rc;

use wasm_bindgen::JsCast as _;
use web_sys::HtmlInputElement;
use yew::prelude::*;
use yew_router::prelude::Link;

use crate::app::Route;
use crate::hashing::{DEFAULT_CHUNK, sha256_blob};
use crate::hooks::{check_log, use_app};
use crate::keys::{SponsorKey, now_rfc3339};
use crate::light_client::TrustPolicies;
use crate::pages::trial::is_trial_id;
use crate::participant::browser::{html_text, object_url, random_hex, read_bytes, revoke};
use crate::participant::net::{anchor, await_witness, load_trial};
use crate::participant::record::{Receipt, SIGNATURE_MEANING, SignedRecord};
use crate::participant::state::{Action, ConsentPage, FileState, FormContent, TrialState};
use crate::participant::store::{PARTICIPANT_DATABASE, ParticipantStore};

/// Props of [`Consent`].
#[derive(Properties, PartialEq)]
pub struct ConsentProps {
    /// `TL-…` trial id.
    pub id: AttrValue,
}

/// Give consent to a trial with a registered consent form.
#[component]
pub fn Consent(props: &ConsentProps) -> Html {
    crate::hooks::use_chunk_reader();
    let id = props.id.to_string();
    if !is_trial_id(&id) {
        return html! {
            <article class="page participant">
                <h1>{ format!("Consent to trial {id}") }</h1>
                <p class="status status-warn">
                    { "This is not a well-formed trial id. Trial ids are \u{201c}TL-\u{201d} \
                       followed by 16 characters (digits and capital letters)." }
                </p>
            </article>
        };
    }
    let key = id.clone();
    html! { <ConsentFlow {key} {id} /> }
}

#[derive(Properties, PartialEq)]
struct FlowProps {
    id: String,
}

/// Formats an RFC 3339 UTC time for people: `2026-03-01 10:00:00 UTC`.
pub fn readable_time(at: &str) -> String {
    at.strip_suffix('Z')
        .map(|t| format!("{} UTC", t.replacen('T', " ", 1)))
        .unwrap_or_else(|| at.to_owned())
}

#[component]
fn ConsentFlow(props: &FlowProps) -> Html {
    let app = use_app();
    let state = use_reducer(ConsentPage::default);
    {
        let state = state.clone();
        let app = app.clone();
        let id = props.id.clone();
        let policies = app.policies.clone();
        use_effect_with((props.id.clone(), policies.is_some()), move |_| {
            if let Some(policies) = policies {
                wasm_bindgen_futures::spawn_local(async move {
                    let checkpoint =
                        check_log(app, policies.clone(), &format!("consent {id}")).await;
                    match load_trial(&id, &policies, checkpoint).await {
                        Ok(loaded) => state.dispatch(Action::TrialLoaded(Rc::new(loaded.trial))),
                        Err(e) => state.dispatch(Action::TrialFailed(e)),
                    }
                });
            }
        });
    }
    // Forget the form's blob URL when leaving the page or opening another.
    {
        let url = match &state.file {
            FileState::Matched {
                content: FormContent::Document { url, .. },
                ..
            } => Some(url.clone()),
            _ => None,
        };
        use_effect_with(url, |url| {
            let url = url.clone();
            move || {
                if let Some(url) = url {
                    revoke(&url);
                }
            }
        });
    }

    let body = match &state.trial {
        TrialState::Loading => html! {
            <p class="loading" role="status" data-testid="trial-loading">
                { "Verifying the trial's registration in your browser…" }
            </p>
        },
        TrialState::Failed(reason) => html! {
            <p class="status status-alarm" role="alert" data-testid="trial-failed">
                { "The trial could not be verified, so you cannot consent to it here: " }
                { reason.clone() }
            </p>
        },
        TrialState::Loaded(trial) => html! {
            <>
                <p class="status status-ok" data-testid="trial-verified">
                    { format!("{} — its registration and consent forms were verified in your browser \
                               against the ledger.", trial.title) }
                </p>
                if state.signed.is_none() {
                    { form_picker(&state) }
                    { form_view(&state, app.policies.clone()) }
                }
                { signed_view(&state) }
            </>
        },
    };
    html! {
        <article class="page participant">
            <h1>{ format!("Consent to trial {}", props.id) }</h1>
            <p class="lede">
                { "Open the consent form you were given. It is checked against the forms the \
                   sponsor registered; your signed consent stays in this browser." }
            </p>
            { body }
        </article>
    }
}

fn form_picker(state: &UseReducerHandle<ConsentPage>) -> Html {
    let onchange = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
            else {
                return;
            };
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            let state = state.clone();
            wasm_bindgen_futures::spawn_local(async move { open_form(state, file).await });
        })
    };
    let registered = match &state.trial {
        TrialState::Loaded(trial) => trial.registered_versions(),
        _ => String::new(),
    };
    html! {
        <section class="panel" aria-labelledby="form-heading">
            <h2 id="form-heading">{ "1. The consent form" }</h2>
            <div class="field">
                <label for="consent-form-file">{ "Consent form file" }</label>
                <p class="hint" id="consent-form-file-hint">
                    { "The file is hashed on this device and never uploaded. Registered: " }
                    { registered.clone() }
                </p>
                <input type="file" id="consent-form-file" data-testid="consent-form-file"
                       aria-describedby="consent-form-file-hint" {onchange} />
            </div>
            { match &state.file {
                FileState::None => html! {},
                FileState::Hashing { name, done, total } => html! {
                    <p class="hash-line" role="status">
                        { format!("Checking {name}…") }
                        <progress max={total.to_string()} value={done.to_string()}
                                  aria-label="Hashing progress" />
                    </p>
                },
                FileState::Failed(reason) => html! {
                    <p class="status status-alarm" role="alert">{ reason.clone() }</p>
                },
                FileState::Mismatch { name, sha256 } => html! {
                    <div class="status status-alarm" role="alert" data-testid="form-mismatch">
                        <p>
                            { format!("“{name}” is not a consent form registered for this trial, \
                                       so it cannot be signed here. Ask the study team for the \
                                       registered form.") }
                        </p>
                        <p>{ "Registered versions: " }{ registered }</p>
                        <p>{ "This file's SHA-256: " }<code class="hash">{ sha256.clone() }</code></p>
                    </div>
                },
                FileState::Matched { name, form, .. } => html! {
                    <p class="status status-ok" data-testid="form-matched">
                        { format!("“{name}” is the registered consent form version {} ({}), \
                                   registered by log entry {}.", form.form.version,
                                   form.form.language, form.index) }
                    </p>
                },
            } }
        </section>
    }
}

async fn open_form(state: UseReducerHandle<ConsentPage>, file: web_sys::File) {
    let name = file.name();
    let blob: &web_sys::Blob = &file;
    let progress = {
        let state = state.clone();
        let name = name.clone();
        move |done, total| {
            state.dispatch(Action::Hashing {
                name: name.clone(),
                done,
                total,
            });
        }
    };
    let digest = match sha256_blob(blob, DEFAULT_CHUNK, progress).await {
        Ok(digest) => digest,
        Err(e) => return state.dispatch(Action::FileFailed(e.to_string())),
    };
    let mime = file.type_();
    let lower = name.to_ascii_lowercase();
    let content = if mime.starts_with("text/")
        || lower.ends_with(".txt")
        || lower.ends_with(".md")
        || lower.ends_with(".html")
        || lower.ends_with(".htm")
    {
        let text = match read_bytes(blob).await {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => return state.dispatch(Action::FileFailed(e)),
        };
        if mime == "text/html" || lower.ends_with(".html") || lower.ends_with(".htm") {
            FormContent::Text(html_text(&text).unwrap_or(text))
        } else {
            FormContent::Text(text)
        }
    } else {
        match object_url(blob) {
            Ok(url) => FormContent::Document {
                url,
                mime: if mime.is_empty() {
                    "application/octet-stream".to_owned()
                } else {
                    mime
                },
            },
            Err(e) => return state.dispatch(Action::FileFailed(e)),
        }
    };
    state.dispatch(Action::Hashed {
        name,
        sha256: verifier::merkle::hex(&digest),
        content,
    });
}

fn form_view(state: &UseReducerHandle<ConsentPage>, policies: Option<Rc<TrustPolicies>>) -> Html {
    let FileState::Matched { form, content, .. } = &state.file else {
        return html! {};
    };
    let problems = state.problems();
    let show = state.attempted;
    let onname = {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
            {
                state.dispatch(Action::Name(input.value()));
            }
        })
    };
    let onanchor = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            if let Some(input) = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
            {
                state.dispatch(Action::Anchor(input.checked()));
            }
        })
    };
    let onsign = {
        let state = state.clone();
        let policies = policies.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if state.signing {
                return;
            }
            if !state.problems().is_empty() {
                state.dispatch(Action::Attempted);
                return;
            }
            let state = state.clone();
            let policies = policies.clone();
            wasm_bindgen_futures::spawn_local(async move { sign(state, policies).await });
        })
    };
    let now = readable_time(&now_rfc3339());
    html! {
        <>
            <section class="panel" aria-labelledby="read-heading">
                <h2 id="read-heading">{ "2. Read the form" }</h2>
                <p>{ format!("Registered version {}, language {}.", form.form.version, form.form.language) }</p>
                { match content {
                    FormContent::Text(text) => html! {
                        <pre class="form-text" tabindex="0" role="document"
                             aria-label="Consent form text" data-testid="form-text">{ text.clone() }</pre>
                    },
                    FormContent::Document { url, mime } => html! {
                        <p>
                            <a href={url.clone()} target="_blank" rel="noopener" type={mime.clone()}
                               data-testid="open-form">
                                { "Open the consent form (opens in a new tab)" }
                            </a>
                        </p>
                    },
                } }
            </section>
            <form class="panel" aria-labelledby="sign-heading" onsubmit={onsign} novalidate=true>
                <h2 id="sign-heading">{ "3. Your choices and signature" }</h2>
                if show && !problems.is_empty() {
                    <div class="error-summary" role="alert" data-testid="sign-problems">
                        <h3>{ "Before you can sign" }</h3>
                        <ul>{ for problems.iter().map(|p| html! { <li>{ p.clone() }</li> }) }</ul>
                    </div>
                }
                <fieldset>
                    <legend>{ "Options of this form" }</legend>
                    { for form.options.iter().map(|o| {
                        let id = format!("option-{}", o.id);
                        let checked = state.ticked.get(&o.id).copied().unwrap_or(false);
                        let missing = show && o.required && !checked;
                        let onchange = {
                            let state = state.clone();
                            let option = o.id.clone();
                            Callback::from(move |e: Event| {
                                if let Some(input) = e.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) {
                                    state.dispatch(Action::Tick(option.clone(), input.checked()));
                                }
                            })
                        };
                        html! {
                            <div class={classes!("field", "field-check", missing.then_some("has-error"))}>
                                <input type="checkbox" id={id.clone()} data-testid={id.clone()}
                                       {checked} {onchange} aria-required={o.required.to_string()} />
                                <label for={id}>
                                    { o.label.clone() }
                                    { " " }
                                    <span class="required">
                                        { if o.required { "(required to take part)" } else { "(optional)" } }
                                    </span>
                                </label>
                            </div>
                        }
                    }) }
                </fieldset>
                <div class={classes!("field", (show && state.name.trim().is_empty()).then_some("has-error"))}>
                    <label for="participant-name">{ "Your full name (printed name)" }</label>
                    <p class="hint" id="participant-name-hint">
                        { "Kept only in this browser and in the receipt you choose to show." }
                    </p>
                    <input type="text" id="participant-name" data-testid="participant-name"
                           autocomplete="name" aria-describedby="participant-name-hint"
                           value={state.name.clone()} oninput={onname} />
                </div>
                <dl class="facts signature-facts">
                    <dt>{ "Date and time" }</dt>
                    <dd data-testid="signature-time">{ format!("{now} (recorded when you sign)") }</dd>
                    <dt>{ "Meaning of your signature" }</dt>
                    <dd data-testid="signature-meaning">{ SIGNATURE_MEANING }</dd>
                    <dt>{ "Signed with" }</dt>
                    <dd>{ "a key made in this browser for this trial only (it cannot link your \
                           consents to different trials)" }</dd>
                </dl>
                <div class="field field-check">
                    <input type="checkbox" id="anchor-consent" data-testid="anchor-consent"
                           checked={state.anchor} onchange={onanchor} />
                    <label for="anchor-consent">
                        { "Also put a blinded commitment on the public ledger, so that the time \
                           of your consent is witnessed. Nothing about you or your choices is sent." }
                    </label>
                </div>
                if let Some(error) = &state.error {
                    <p class="status status-alarm" role="alert">{ error.clone() }</p>
                }
                <div class="actions">
                    <button type="submit" class="primary" data-testid="sign-consent"
                            disabled={state.signing}>
                        { if state.signing { "Signing…" } else { "Sign my consent" } }
                    </button>
                </div>
            </form>
        </>
    }
}

async fn sign(state: UseReducerHandle<ConsentPage>, policies: Option<Rc<TrustPolicies>>) {
    state.dispatch(Action::Signing);
    match sign_and_store(&state).await {
        Ok((receipt, key)) => {
            let record_id = receipt.record.header.record_id.clone();
            state.dispatch(Action::Signed(record_id));
            if let (true, Some(policies)) = (state.anchor, policies) {
                anchor_event(&state, receipt, &key, &policies).await;
            }
        }
        Err(e) => state.dispatch(Action::SignFailed(e)),
    }
}

async fn sign_and_store(
    state: &UseReducerHandle<ConsentPage>,
) -> Result<(Receipt, SponsorKey), String> {
    let input = state.give_input(random_hex::<16>()?, now_rfc3339())?;
    let store = ParticipantStore::open(PARTICIPANT_DATABASE)
        .await
        .map_err(|e| e.to_string())?;
    let key = match store
        .key_for(&input.trial_id)
        .await
        .map_err(|e| e.to_string())?
    {
        Some(key) => key,
        None => {
            let key = SponsorKey::generate(&input.trial_id)?;
            store.save_key(&key).await.map_err(|e| e.to_string())?;
            key
        }
    };
    let signing = key
        .signing_key()
        .ok_or("this browser's key for the trial is damaged")?;
    let record = SignedRecord::give(input, &signing).map_err(|e| e.to_string())?;
    let receipt = Receipt::new(record, Vec::new());
    store
        .save_receipt(&receipt)
        .await
        .map_err(|e| e.to_string())?;
    store.close();
    Ok((receipt, key))
}

/// Anchors the last event of `receipt` and waits for the witnesses,
/// keeping the anchor with the record (used by the consents page too).
pub async fn anchor_last(
    receipt: Receipt,
    key: &SponsorKey,
    policies: &TrustPolicies,
    mut progress: impl FnMut(Result<String, String>),
) -> Receipt {
    let Some(seq) = receipt.record.events.last().map(|e| e.body.seq) else {
        return receipt;
    };
    progress(Ok(
        "Sending the blinded commitment to the ledger…".to_owned()
    ));
    let mut anchor = match anchor(&receipt.record, seq, key).await {
        Ok(anchor) => anchor,
        Err(e) => {
            progress(Err(format!(
                "The commitment could not be anchored ({e}). Your consent is signed and kept \
                 in this browser all the same."
            )));
            return receipt;
        }
    };
    let mut receipt = receipt;
    receipt.anchors.push(anchor.clone());
    save(&receipt).await;
    progress(Ok(format!(
        "Commitment accepted as log entry {}; waiting for the witnesses…",
        anchor.index
    )));
    match await_witness(&receipt.record.header.trial_id, &anchor, policies).await {
        Ok(witnessed) => {
            anchor.witnessed = Some(witnessed.clone());
            if let Some(a) = receipt.anchors.iter_mut().find(|a| a.seq == seq) {
                *a = anchor.clone();
            }
            save(&receipt).await;
            progress(Ok(format!(
                "Anchored: log entry {}, witnessed no later than {witnessed}.",
                anchor.index
            )));
        }
        Err(e) => progress(Err(format!(
            "Commitment accepted as log entry {}, but not yet verified as witnessed: {e}",
            anchor.index
        ))),
    }
    receipt
}

async fn save(receipt: &Receipt) {
    if let Ok(store) = ParticipantStore::open(PARTICIPANT_DATABASE).await {
        let _ = store.save_receipt(receipt).await;
        store.close();
    }
}

async fn anchor_event(
    state: &UseReducerHandle<ConsentPage>,
    receipt: Receipt,
    key: &SponsorKey,
    policies: &TrustPolicies,
) {
    let state = state.clone();
    anchor_last(receipt, key, policies, move |p| {
        state.dispatch(Action::Anchoring(p))
    })
    .await;
}

fn signed_view(state: &ConsentPage) -> Html {
    let Some(signed) = &state.signed else {
        return html! {};
    };
    html! {
        <section class="panel" aria-labelledby="done-heading">
            <h2 id="done-heading">{ "Your consent is signed" }</h2>
            <p class="status status-ok" role="status" data-testid="consent-signed">
                { "Your signed consent record is kept in this browser (record " }
                <code>{ signed.record_id.clone() }</code>{ ")." }
            </p>
            { match &signed.anchor {
                None => html! {},
                Some(Ok(text)) => html! { <p role="status" data-testid="anchor-status">{ text.clone() }</p> },
                Some(Err(text)) => html! {
                    <p class="status status-warn" role="status" data-testid="anchor-status">{ text.clone() }</p>
                },
            } }
            <p>
                <Link<Route> to={Route::Consents} classes="button-link">
                    { "See my consents, export a receipt or withdraw" }
                </Link<Route>>
            </p>
        </section>
    }
}
