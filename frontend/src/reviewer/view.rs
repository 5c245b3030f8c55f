//! The reviewer page's components: inputs (bundle, policy, documents) and
//! the report. All logic is in [`super::state`].

use std::rc::Rc;

use verifier::merkle::hex;
use verifier::report::{Category, Check, DocumentStatus, ProspectiveStatus, Report, Verdict};
use wasm_bindgen::JsCast as _;
use wasm_bindgen_futures::JsFuture;
use yew::prelude::*;

use super::state::{
    Action, DocStatus, DocumentItem, Outcome, PolicyChoice, PolicyFile, ReviewerState, SavedPolicy,
    TimelineMark, check_title, consent_events, explain, first_failure, report_file_name,
    report_json, size_text, timeline_marks, verdict_text,
};
use crate::components::outcome_table::OutcomeTable;
use crate::hashing::{DEFAULT_CHUNK, sha256_blob};
use crate::idb::JsonDb;
use crate::light_client::fetch::get_bytes;
use crate::pages::trial::is_trial_id;
use crate::trial_view::enum_text;

/// The IndexedDB database of the reviewer page.
pub const REVIEWER_DB: &str = "trial-ledger-reviewer";
const STORES: &[&str] = &["settings"];
const SETTINGS: &str = "settings";
const POLICY_KEY: &str = "policy";

type Dispatcher = UseReducerDispatcher<ReviewerState>;

fn js_text(value: &wasm_bindgen::JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| "the browser could not read the file".to_owned())
}

fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else {
        return Vec::new();
    };
    (0..list.length()).filter_map(|i| list.item(i)).collect()
}

async fn read_bytes(file: &web_sys::File) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| js_text(&e))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

async fn read_text(file: &web_sys::File) -> Result<String, String> {
    let text = JsFuture::from(file.text()).await.map_err(|e| js_text(&e))?;
    text.as_string()
        .ok_or_else(|| "the file is not text".to_owned())
}

async fn save_policy(saved: Option<SavedPolicy>) {
    let Ok(db) = JsonDb::open(REVIEWER_DB, STORES).await else {
        return;
    };
    let result = match &saved {
        Some(saved) => db.put(SETTINGS, POLICY_KEY, saved, "policy").await,
        None => db.delete(SETTINGS, POLICY_KEY).await,
    };
    if let Err(e) = result {
        web_sys::console::warn_1(&format!("could not keep the policy file: {e}").into());
    }
    db.close();
}

async fn restore_policy(dispatch: Dispatcher) {
    let Ok(db) = JsonDb::open(REVIEWER_DB, STORES).await else {
        return;
    };
    if let Ok(Some(saved)) = db.get::<SavedPolicy>(SETTINGS, POLICY_KEY, "policy").await {
        dispatch.dispatch(Action::PolicyRestored(saved));
    }
    db.close();
}

/// Hashes the documents one after the other, reporting progress.
async fn hash_documents(dispatch: Dispatcher, files: Vec<(u32, web_sys::File)>) {
    for (id, file) in files {
        let progress = {
            let dispatch = dispatch.clone();
            move |done, total| dispatch.dispatch(Action::DocumentProgress { id, done, total })
        };
        match sha256_blob(&file, DEFAULT_CHUNK, progress).await {
            Ok(sha256) => dispatch.dispatch(Action::DocumentHashed { id, sha256 }),
            Err(e) => dispatch.dispatch(Action::DocumentFailed {
                id,
                reason: e.to_string(),
            }),
        }
    }
}

fn save_file(name: &str, bytes: &[u8], mime: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
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

/// The reviewer page.
#[component]
pub fn ReviewerPage() -> Html {
    crate::hooks::use_chunk_reader();
    let state = use_reducer(|| ReviewerState::new(&crate::trust::compiled()));
    let next_id = use_mut_ref(|| 0u32);
    {
        let dispatch = state.dispatcher();
        use_effect_with((), move |()| {
            wasm_bindgen_futures::spawn_local(restore_policy(dispatch));
        });
    }
    let dispatch = state.dispatcher();
    let add_documents = {
        let dispatch = dispatch.clone();
        Callback::from(move |files: Vec<web_sys::File>| {
            if files.is_empty() {
                return;
            }
            let mut ids = next_id.borrow_mut();
            let numbered: Vec<(u32, web_sys::File)> = files
                .into_iter()
                .map(|f| {
                    *ids += 1;
                    (*ids, f)
                })
                .collect();
            dispatch.dispatch(Action::DocumentsAdded(
                numbered
                    .iter()
                    .map(|(id, f)| (*id, f.name(), f.size() as u64))
                    .collect(),
            ));
            wasm_bindgen_futures::spawn_local(hash_documents(dispatch.clone(), numbered));
        })
    };
    html! {
        <article class="page reviewer">
            <h1>{ "Verify a trial" }</h1>
            <p class="lede">
                { "Check a trial's evidence bundle yourself: signatures, proofs, the witnesses' \
                   countersignatures, the registration's timing and the reported outcomes." }
            </p>
            <p class="note privacy">
                { "Everything happens in this browser. Your files are never uploaded. After one \
                   visit this page works without a network connection." }
            </p>
            <div class="reviewer-inputs">
                <BundleInput state={state.clone()} dispatch={dispatch.clone()} />
                <PolicyInput state={state.clone()} dispatch={dispatch.clone()} />
                <DocumentsInput documents={state.documents.clone()} dispatch={dispatch.clone()}
                                add={add_documents} />
            </div>
            <ReportSection outcome={state.outcome.clone()} />
        </article>
    }
}

#[derive(Properties, PartialEq)]
struct InputProps {
    state: UseReducerHandle<ReviewerState>,
    dispatch: Dispatcher,
}

#[component]
fn BundleInput(props: &InputProps) -> Html {
    let trial_id = use_state(String::new);
    let onchange = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            let Some(file) = files_of(input.files()).into_iter().next() else {
                return;
            };
            let dispatch = dispatch.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let limit = verifier::bundle::MAX_BUNDLE_BYTES as f64;
                if file.size() > limit {
                    dispatch.dispatch(Action::BundleFailed(format!(
                        "{} is larger than an evidence bundle may be ({} MiB)",
                        file.name(),
                        verifier::bundle::MAX_BUNDLE_BYTES >> 20
                    )));
                    return;
                }
                match read_bytes(&file).await {
                    Ok(bytes) => dispatch.dispatch(Action::BundleLoaded {
                        source: file.name(),
                        bytes,
                    }),
                    Err(e) => dispatch.dispatch(Action::BundleFailed(format!(
                        "{} could not be read: {e}",
                        file.name()
                    ))),
                }
            });
        })
    };
    let oninput = {
        let trial_id = trial_id.clone();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            trial_id.set(input.value());
        })
    };
    let onsubmit = {
        let dispatch = props.dispatch.clone();
        let trial_id = trial_id.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let id = trial_id.trim().to_ascii_uppercase();
            if !is_trial_id(&id) {
                dispatch.dispatch(Action::BundleFailed(format!(
                    "\u{201c}{id}\u{201d} is not a trial id: TL- followed by 16 digits and capital letters"
                )));
                return;
            }
            dispatch.dispatch(Action::Fetching(id.clone()));
            let dispatch = dispatch.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match get_bytes(&format!("/api/v1/trials/{id}/bundle")).await {
                    Ok(bytes) => dispatch.dispatch(Action::BundleLoaded {
                        source: format!("trial {id}, fetched from the registry"),
                        bytes,
                    }),
                    Err(e) if e.status() == Some(404) => dispatch.dispatch(Action::BundleFailed(
                        format!("the registry has no trial {id}"),
                    )),
                    Err(e) => dispatch.dispatch(Action::BundleFailed(format!(
                        "the bundle could not be fetched ({e}); offline, load a bundle file instead"
                    ))),
                }
            });
        })
    };
    let state = &props.state;
    html! {
        <section class="panel" aria-labelledby="bundle-heading">
            <h2 id="bundle-heading"><span class="step-number" aria-hidden="true">{ "1" }</span>{ "Evidence bundle" }</h2>
            <div class="field">
                <label for="bundle-file">{ "Bundle file (" }<code>{ "TL-….bundle.json" }</code>{ ")" }</label>
                <input type="file" id="bundle-file" data-testid="bundle-file"
                       accept=".json,application/json" {onchange} />
            </div>
            <form class="fetch-form" {onsubmit}>
                <div class="field">
                    <label for="trial-id">{ "or fetch it by trial id (needs the network)" }</label>
                    <input type="text" id="trial-id" data-testid="trial-id" placeholder="TL-…"
                           autocomplete="off" spellcheck="false" value={(*trial_id).clone()} {oninput} />
                </div>
                <button type="submit" class="secondary" data-testid="fetch-bundle"
                        disabled={state.fetching.is_some()}>{ "Fetch bundle" }</button>
            </form>
            <div aria-live="polite">
                if let Some(id) = &state.fetching {
                    <p class="loading">{ format!("Fetching the bundle of {id}…") }</p>
                }
                if let Some(error) = &state.bundle_error {
                    <p class="status status-alarm" data-testid="bundle-error">{ error.clone() }</p>
                }
                if let Some(bundle) = &state.bundle {
                    <p class="loaded" data-testid="bundle-source">
                        { "Loaded: " }<strong>{ bundle.source.clone() }</strong>
                        { format!(" ({})", size_text(bundle.bytes.len() as u64)) }
                    </p>
                }
            </div>
        </section>
    }
}

#[component]
fn PolicyInput(props: &InputProps) -> Html {
    let state = &props.state;
    let choose = |choice: PolicyChoice| {
        let dispatch = props.dispatch.clone();
        let file = state.policy_file.clone();
        Callback::from(move |_: Event| {
            dispatch.dispatch(Action::ChoosePolicy(choice));
            if let Some(file) = file.clone() {
                wasm_bindgen_futures::spawn_local(save_policy(Some(SavedPolicy {
                    file,
                    selected: choice == PolicyChoice::File,
                })));
            }
        })
    };
    let onchange = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            let Some(file) = files_of(input.files()).into_iter().next() else {
                return;
            };
            let dispatch = dispatch.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if file.size() > 64.0 * 1024.0 {
                    dispatch.dispatch(Action::BundleFailed(format!(
                        "{} is too large to be a trust policy",
                        file.name()
                    )));
                    return;
                }
                match read_text(&file).await {
                    Ok(text) => {
                        let policy = PolicyFile {
                            name: file.name(),
                            text,
                        };
                        dispatch.dispatch(Action::PolicyFileLoaded(policy.clone()));
                        save_policy(Some(SavedPolicy {
                            file: policy,
                            selected: true,
                        }))
                        .await;
                    }
                    Err(e) => dispatch.dispatch(Action::BundleFailed(format!(
                        "the policy file {} could not be read: {e}",
                        file.name()
                    ))),
                }
            });
        })
    };
    let forget = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_| {
            dispatch.dispatch(Action::ForgetPolicyFile);
            wasm_bindgen_futures::spawn_local(save_policy(None));
        })
    };
    let pinned_text = match &state.pinned {
        Ok(policy) => format!(
            "The policy pinned into this portal: log {}, {} witness{}, quorum {}",
            policy.origin(),
            policy.witnesses().len(),
            if policy.witnesses().len() == 1 {
                ""
            } else {
                "es"
            },
            policy.quorum()
        ),
        Err(reason) => format!("No pinned policy: {reason}"),
    };
    let policy_error = match &state.outcome {
        Outcome::NeedPolicy(reason) => Some(reason.clone()),
        _ => None,
    };
    html! {
        <section class="panel" aria-labelledby="policy-heading">
            <h2 id="policy-heading"><span class="step-number" aria-hidden="true">{ "2" }</span>{ "Trust policy" }</h2>
            <p class="hint">
                { "The policy names the log's key, the independent witnesses and how many of them \
                   must countersign. It is never taken from the bundle." }
            </p>
            <fieldset>
                <legend class="visually-hidden">{ "Which trust policy to use" }</legend>
                <div class="field-check">
                    <input type="radio" id="policy-pinned" name="policy" data-testid="policy-pinned"
                           checked={state.choice == PolicyChoice::Pinned}
                           disabled={state.pinned.is_err()}
                           onchange={choose(PolicyChoice::Pinned)} />
                    <label for="policy-pinned">{ pinned_text }</label>
                </div>
                <div class="field-check">
                    <input type="radio" id="policy-choice-file" name="policy" data-testid="policy-choice-file"
                           checked={state.choice == PolicyChoice::File}
                           onchange={choose(PolicyChoice::File)} />
                    <label for="policy-choice-file">
                        { "A policy file" }
                        if let Some(file) = &state.policy_file {
                            { ": " }<strong data-testid="policy-file-name">{ file.name.clone() }</strong>
                            { " (kept in this browser for next time)" }
                        }
                    </label>
                </div>
            </fieldset>
            <div class="field">
                <label for="policy-file">{ "Policy file (" }<code>{ "policy.txt" }</code>{ ")" }</label>
                <input type="file" id="policy-file" data-testid="policy-file" accept=".txt,text/plain" {onchange} />
            </div>
            if state.policy_file.is_some() {
                <button type="button" class="secondary" onclick={forget}>{ "Forget the policy file" }</button>
            }
            if let Some(reason) = policy_error {
                <p class="status status-warn" data-testid="policy-error">{ reason }</p>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct DocumentsProps {
    documents: Vec<DocumentItem>,
    dispatch: Dispatcher,
    add: Callback<Vec<web_sys::File>>,
}

#[component]
fn DocumentsInput(props: &DocumentsProps) -> Html {
    let dragging = use_state(|| false);
    let onchange = {
        let add = props.add.clone();
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            let files = files_of(input.files());
            input.set_value("");
            add.emit(files);
        })
    };
    let ondragover = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            dragging.set(true);
        })
    };
    let ondragleave = {
        let dragging = dragging.clone();
        Callback::from(move |_: DragEvent| dragging.set(false))
    };
    let ondrop = {
        let add = props.add.clone();
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            dragging.set(false);
            add.emit(files_of(e.data_transfer().and_then(|d| d.files())));
        })
    };
    let clear = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_| dispatch.dispatch(Action::ClearDocuments))
    };
    html! {
        <section class="panel" aria-labelledby="documents-heading">
            <h2 id="documents-heading"><span class="step-number" aria-hidden="true">{ "3" }</span>{ "Documents (optional)" }</h2>
            <p class="hint">
                { "Your copies of the protocol, results, datasets. Each is fingerprinted (SHA-256) \
                   here and matched against what the trial committed to." }
            </p>
            <div class={classes!("dropzone", dragging.then_some("dragging"))}
                 {ondragover} {ondragleave} {ondrop}>
                <label for="document-files">{ "Choose documents, or drop them here" }</label>
                <input type="file" id="document-files" data-testid="document-files" multiple=true {onchange} />
            </div>
            if !props.documents.is_empty() {
                <ul class="documents" data-testid="document-list">
                    { for props.documents.iter().map(|d| document_row(d, &props.dispatch)) }
                </ul>
                <button type="button" class="secondary" onclick={clear}>{ "Remove all documents" }</button>
            }
        </section>
    }
}

fn document_row(doc: &DocumentItem, dispatch: &Dispatcher) -> Html {
    let remove = {
        let dispatch = dispatch.clone();
        let id = doc.id;
        Callback::from(move |_| dispatch.dispatch(Action::RemoveDocument(id)))
    };
    let state = match doc.status {
        DocStatus::Hashing { .. } => "hashing",
        DocStatus::Hashed(_) => "hashed",
        DocStatus::Failed(_) => "failed",
    };
    html! {
        <li class="document" data-state={state} data-name={doc.name.clone()}>
            <div class="document-head">
                <strong>{ doc.name.clone() }</strong>
                <span class="muted">{ format!(" {}", size_text(doc.size)) }</span>
                <button type="button" class="link" onclick={remove}
                        aria-label={format!("Remove {}", doc.name)}>{ "Remove" }</button>
            </div>
            { match &doc.status {
                DocStatus::Hashing { .. } => html! {
                    <div class="hash-line">
                        <progress max="100" value={doc.percent().to_string()}
                                  aria-label={format!("Hashing {}", doc.name)}></progress>
                        <span>{ format!(" {}%", doc.percent()) }</span>
                    </div>
                },
                DocStatus::Hashed(sha) => html! {
                    <div class="hash-line">{ "SHA-256 " }<code class="hash">{ hex(sha) }</code></div>
                },
                DocStatus::Failed(reason) => html! {
                    <p class="status status-alarm">{ format!("Could not be read, left out: {reason}") }</p>
                },
            } }
        </li>
    }
}

#[derive(Properties, PartialEq)]
struct ReportProps {
    outcome: Outcome,
}

#[component]
fn ReportSection(props: &ReportProps) -> Html {
    let body = match &props.outcome {
        Outcome::NeedBundle => html! {
            <p class="placeholder" data-testid="report-pending">
                { "Load an evidence bundle to see its report." }
            </p>
        },
        Outcome::NeedPolicy(_) => html! {
            <p class="placeholder" data-testid="report-pending">{ "Choose a trust policy to see the report." }</p>
        },
        Outcome::Hashing => html! {
            <p class="loading" data-testid="report-pending">{ "Fingerprinting your documents…" }</p>
        },
        Outcome::Unusable(reason) => html! {
            <section class="report verdict-failed" data-testid="report" data-verdict="failed"
                     data-unusable="true" aria-labelledby="report-heading">
                <h2 id="report-heading">{ "Verification FAILED: the file is not usable evidence" }</h2>
                <p class="status status-alarm">{ reason.clone() }</p>
            </section>
        },
        Outcome::Done(report) => html! { <ReportView report={report.clone()} /> },
    };
    html! { <div class="report-area" aria-live="polite">{ body }</div> }
}

#[derive(Properties, PartialEq)]
struct ReportViewProps {
    report: Rc<Report>,
}

#[component]
fn ReportView(props: &ReportViewProps) -> Html {
    let report = &props.report;
    let verdict = report.verdict.as_str();
    let (headline, summary) = verdict_text(report);
    let export = {
        let report = report.clone();
        Callback::from(move |_| {
            let json = report_json(&report);
            if let Err(e) = save_file(
                &report_file_name(&report),
                json.as_bytes(),
                "application/json",
            ) {
                web_sys::console::error_1(&format!("export failed: {e}").into());
            }
        })
    };
    let print = Callback::from(|_| {
        if let Some(window) = web_sys::window() {
            let _ = window.print();
        }
    });
    let icon = match report.verdict {
        Verdict::Verified => "✓",
        Verdict::Findings => "⚠",
        Verdict::Failed => "✗",
    };
    html! {
        <section class={classes!("report", format!("verdict-{verdict}"))} data-testid="report"
                 data-verdict={verdict} aria-labelledby="report-heading">
            <div class="verdict">
                <h2 id="report-heading">
                    <span aria-hidden="true" class="verdict-icon">{ icon }</span>{ " " }{ headline }
                </h2>
                <p data-testid="verdict-summary">{ summary }</p>
                if let Some(failure) = first_failure(report) {
                    <p data-testid="first-failure">{ "First failed check: " }<code>{ failure }</code></p>
                }
                if !report.findings.is_empty() {
                    <h3>{ "Findings" }</h3>
                    <ul data-testid="findings">
                        { for report.findings.iter().map(|f| html! { <li>{ f.clone() }</li> }) }
                    </ul>
                }
                <dl class="facts">
                    <dt>{ "Trial" }</dt><dd><code data-testid="report-trial">{ report.trial_id.clone() }</code></dd>
                    <dt>{ "Log" }</dt><dd><code>{ report.origin.clone() }</code></dd>
                    if let Some(head) = &report.head {
                        <dt>{ "Latest checkpoint" }</dt>
                        <dd>{ format!("{} entries, witnessed {} by {}", head.size,
                                      head.witnessed_time.clone().unwrap_or_else(|| "—".to_owned()),
                                      head.cosigned_by.join(", ")) }</dd>
                    }
                </dl>
                <p class="actions no-print">
                    <button type="button" data-testid="export-json" onclick={export}>{ "Export report (JSON)" }</button>
                    { " " }
                    <button type="button" class="secondary" data-testid="print-report" onclick={print}>{ "Print report" }</button>
                </p>
            </div>
            { render_checks(report) }
            { render_timeline(report) }
            { render_prospective(report) }
            { render_outcomes(report) }
            { render_documents(report) }
        </section>
    }
}

fn result_text(check: &Check) -> (&'static str, &'static str, &'static str) {
    match (check.ok, check.category) {
        (true, _) => ("ok", "✓", "passed"),
        (false, Category::Finding) => ("finding", "⚠", "finding"),
        (false, Category::Integrity) => ("fail", "✗", "failed"),
    }
}

fn render_checks(report: &Report) -> Html {
    let failed = report.failures().count();
    html! {
        <section aria-labelledby="checks-heading" class="report-part">
            <h3 id="checks-heading">{ format!("Checks ({} of {} passed)", report.checks.len() - failed, report.checks.len()) }</h3>
            <div class="table-scroll" tabindex="0" role="region" aria-label="Checks">
            <table class="checks" data-testid="checks">
                <thead><tr>
                    <th scope="col">{ "Result" }</th>
                    <th scope="col">{ "Check" }</th>
                    <th scope="col">{ "What it means and what was found" }</th>
                </tr></thead>
                <tbody>
                    { for report.checks.iter().map(|c| {
                        let (class, mark, word) = result_text(c);
                        html! {
                            <tr class={class} data-check={c.name.as_str()} data-ok={c.ok.to_string()}
                                data-index={c.index.map(|i| i.to_string())}>
                                <td class="result">
                                    <span aria-hidden="true">{ mark }</span>{ " " }{ word }
                                </td>
                                <th scope="row">
                                    { check_title(c.name) }
                                    if let Some(i) = c.index { <span class="muted">{ format!(" · entry {i}") }</span> }
                                    <br /><code class="check-name">{ c.name.as_str() }</code>
                                </th>
                                <td>
                                    <p class="explain">{ explain(c.name) }</p>
                                    <p class="detail">{ c.detail.clone() }</p>
                                </td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
            </div>
        </section>
    }
}

// Whole SVG user units: coordinates are written as integers, so the wasm
// carries no float formatting (about 8 KB gzipped) for sub-pixel precision.
const WIDTH: i64 = 760;
const MARGIN: i64 = 24;
const ROW: i64 = 40;

fn timeline_svg(marks: &[TimelineMark]) -> Html {
    let rows = i64::try_from(marks.len()).unwrap_or(i64::MAX / ROW);
    let height = 44 + rows * ROW;
    // `m.x` is the position in [0, 1].
    let x = |m: &TimelineMark| MARGIN + (m.x * (WIDTH - 2 * MARGIN) as f64).round() as i64;
    let first = marks
        .first()
        .map(|m| m.when.get(..10).unwrap_or(&m.when).to_owned());
    let last = marks
        .last()
        .map(|m| m.when.get(..10).unwrap_or(&m.when).to_owned());
    let description = marks
        .iter()
        .map(|m| {
            format!(
                "{} {} {}",
                m.label,
                if m.witnessed { "witnessed" } else { "on" },
                m.when
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    html! {
        <svg class="reviewer-timeline" viewBox={format!("0 0 {WIDTH} {height}")} role="img"
             aria-labelledby="rt-title rt-desc" data-testid="timeline">
            <title id="rt-title">{ "The trial's timeline" }</title>
            <desc id="rt-desc">{ description }</desc>
            <line class="axis" x1={MARGIN.to_string()} y1="24" x2={(WIDTH - MARGIN).to_string()} y2="24" />
            <text class="axis-label" x={MARGIN.to_string()} y="14">{ first.unwrap_or_default() }</text>
            <text class="axis-label" x={(WIDTH - MARGIN).to_string()} y="14" text-anchor="end">{ last.unwrap_or_default() }</text>
            { for marks.iter().enumerate().map(|(i, m)| {
                let cx = x(m);
                let y = 44 + i64::try_from(i).unwrap_or(0) * ROW + 12;
                let right = m.x > 0.55;
                let tx = if right { cx - 8 } else { cx + 8 };
                let anchor = if right { "end" } else { "start" };
                let when = if m.witnessed { format!("witnessed {}", m.when) } else { format!("stated date {}", m.when) };
                html! {
                    <g class={classes!("mark", format!("kind-{}", m.kind), (!m.witnessed).then_some("stated"))}>
                        <line x1={cx.to_string()} y1="24" x2={cx.to_string()} y2={(y + 6).to_string()} />
                        if m.witnessed {
                            <circle cx={cx.to_string()} cy="24" r="6" />
                        } else {
                            <rect x={(cx - 6).to_string()} y="18" width="12" height="12" transform={format!("rotate(45 {cx} 24)")} />
                        }
                        <text x={tx.to_string()} y={y.to_string()} text-anchor={anchor} class="mark-label">{ m.label.clone() }</text>
                        <text x={tx.to_string()} y={(y + 15).to_string()} text-anchor={anchor} class="mark-when">{ when }</text>
                    </g>
                }
            }) }
        </svg>
    }
}

fn render_timeline(report: &Report) -> Html {
    let marks = timeline_marks(report);
    let consents = consent_events(report);
    html! {
        <section aria-labelledby="timeline-heading" class="report-part">
            <h3 id="timeline-heading">{ "Witnessed timeline" }</h3>
            if marks.is_empty() {
                <p>{ "No entry has a witnessed time." }</p>
            } else {
                <figure class="timeline">
                    { timeline_svg(&marks) }
                    <figcaption>
                        { "Circles: the time by which the witnesses had countersigned a log state \
                           containing the entry (evidence). Diamond: the first-enrolment date the \
                           sponsor stated (a claim)." }
                        if consents > 0 {
                            { format!(" Not drawn: {consents} consent event{} (blinded).", if consents == 1 { "" } else { "s" }) }
                        }
                    </figcaption>
                </figure>
                <ol class="timeline-list" data-testid="timeline-list">
                    { for marks.iter().map(|m| html! {
                        <li data-kind={m.kind}>
                            <strong>{ m.label.clone() }</strong>
                            { if m.witnessed { format!(" — witnessed {}", m.when) } else { format!(" — {}", m.when) } }
                            if let Some(d) = &m.detail { <br /><span class="detail">{ d.clone() }</span> }
                        </li>
                    }) }
                </ol>
            }
        </section>
    }
}

fn render_prospective(report: &Report) -> Html {
    let p = &report.prospective;
    let status = enum_text(&p.status).replace(' ', "_");
    let (class, text) = match p.status {
        ProspectiveStatus::Prospective => (
            "status status-ok",
            "Prospective: the registration was witnessed before the first participant was enrolled.",
        ),
        ProspectiveStatus::Retrospective => (
            "status status-warn",
            "Retrospective: the registration was not witnessed before the first enrolment.",
        ),
        ProspectiveStatus::NotDeterminable => (
            "status",
            "Not determinable: the ledger has no actual first-enrolment date (or no witnessed time) yet.",
        ),
    };
    html! {
        <section aria-labelledby="prospective-heading" class="report-part">
            <h3 id="prospective-heading">{ "Prospective registration" }</h3>
            <p class={class} data-testid="prospective" data-status={status}>
                <strong>{ text }</strong>
                <br />
                { format!("Registration witnessed: {}. Actual first enrolment: {}.",
                          p.registration_witnessed.clone().unwrap_or_else(|| "unknown".to_owned()),
                          p.actual_first_enrolment.map_or_else(|| "not on the ledger".to_owned(), |d| d.to_string())) }
            </p>
        </section>
    }
}

fn render_outcomes(report: &Report) -> Html {
    let Some(results) = report.results_index else {
        return html! {
            <section aria-labelledby="outcomes-heading" class="report-part">
                <h3 id="outcomes-heading">{ "Outcomes: pre-specified versus reported" }</h3>
                <p>{ "No results on the ledger yet: nothing to compare." }</p>
            </section>
        };
    };
    html! {
        <section aria-labelledby="outcomes-heading" class="report-part">
            <h3 id="outcomes-heading">{ "Outcomes: pre-specified versus reported" }</h3>
            if let Some(from) = &report.prespecified_from {
                <p class="note">{ format!("Pre-specified: entry {} — {}. Reported: results entry {results}.", from.index, from.note) }</p>
            }
            if let Some(c) = &report.outcome_counts {
                <p class="note" data-testid="outcome-counts">{ format!(
                    "{} pre-specified: {} reported as registered, {} changed ({} without a declared reason), {} missing; {} added ({} without a declared reason).",
                    c.prespecified, c.reported, c.changed, c.changed_undeclared, c.missing, c.added, c.added_undeclared) }</p>
            }
            <OutcomeTable outcomes={report.outcomes.clone()} />
        </section>
    }
}

fn render_documents(report: &Report) -> Html {
    html! {
        <section aria-labelledby="report-documents-heading" class="report-part">
            <h3 id="report-documents-heading">{ "Documents" }</h3>
            if report.documents.is_empty() {
                <p>{ "The trial's entries name no documents." }</p>
            } else {
                <div class="table-scroll" tabindex="0" role="region" aria-label="Documents">
                <table class="documents-table" data-testid="documents">
                    <thead><tr>
                        <th scope="col">{ "Your file" }</th>
                        <th scope="col">{ "Result" }</th>
                        <th scope="col">{ "Committed as" }</th>
                        <th scope="col">{ "SHA-256" }</th>
                    </tr></thead>
                    <tbody>
                        { for report.documents.iter().map(|d| {
                            let (word, class) = match d.status {
                                DocumentStatus::Matched => ("matches", "ok"),
                                DocumentStatus::Unmatched => ("matches nothing the trial committed to", "fail"),
                                DocumentStatus::NotSupplied => ("not supplied", "none"),
                            };
                            let subjects = d.subjects.iter()
                                .map(|s| {
                                    let mut t = format!("{} (entry {}, {}", s.name, s.index, s.kind);
                                    if let Some(role) = &s.role { t.push_str(&format!(", {role}")); }
                                    if let Some(v) = &s.version { t.push_str(&format!(", version {v}")); }
                                    t.push(')');
                                    t
                                })
                                .collect::<Vec<_>>().join("; ");
                            html! {
                                <tr class={class} data-status={enum_text(&d.status).replace(' ', "_")}
                                    data-file={d.file.clone()}>
                                    <td>{ d.file.clone().unwrap_or_else(|| "—".to_owned()) }</td>
                                    <td>{ word }</td>
                                    <td>{ subjects }</td>
                                    <td><code class="hash">{ d.sha256.clone() }</code></td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
                </div>
            }
        </section>
    }
}
