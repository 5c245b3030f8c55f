//! `/trials/:id`: one trial's record, verified in the browser.
//!
//! On load: a light-client check of the log, the registry's list of the
//! trial's entries (only to see what is pending), and the evidence bundle,
//! which is verified with [`verifier::report`] under the pinned policies and
//! whose head is proved consistent with the light client's checkpoint from
//! tiles. Everything shown comes from the verified bundle
//! ([`crate::trial_view`]); the verdict is [`crate::trial_check::decide`]'s.

use std::rc::Rc;

use verifier::bundle::Bundle;
use verifier::report::{Report, Verdict};
use yew::prelude::*;
use yew_router::Routable as _;

use crate::api::TrialDetail;
use crate::components::outcome_table::OutcomeTable;
use crate::components::timeline::Timeline;
use crate::components::verification::{CheckRow, VerificationPanel, VerificationState};
use crate::hooks::{AppHandle, check_log, use_app};
use crate::light_client::fetch::{
    FetchError, HeadProof, HeadProofError, get_bytes, get_json, prove_head,
};
use crate::light_client::store::{DATABASE, Store};
use crate::light_client::{TrustPolicies, VerifiedCheckpoint};
use crate::state::{Action, AlarmNotice};
use crate::trial_check::{HeadCheck, Verdicts, decide};
use crate::trial_view::{self, TimelinePoint, TrialView, enum_text};

/// Number of Crockford base32 characters after `TL-` (DESIGN §2).
pub const TRIAL_ID_CHARS: usize = 16;

/// True for a well-formed trial id: `TL-` and 16 upper-case Crockford base32
/// characters (digits and letters except I, L, O, U).
pub fn is_trial_id(id: &str) -> bool {
    id.strip_prefix("TL-").is_some_and(|rest| {
        rest.len() == TRIAL_ID_CHARS
            && rest
                .bytes()
                .all(|b| b.is_ascii_digit() || (b.is_ascii_uppercase() && !b"ILOU".contains(&b)))
    })
}

/// Props of [`Trial`].
#[derive(Properties, PartialEq)]
pub struct TrialProps {
    /// The id from the address.
    pub id: AttrValue,
}

/// A loaded, checked trial.
#[derive(Debug, PartialEq)]
struct Loaded {
    verdicts: Verdicts,
    report: Option<Report>,
    view: Option<TrialView>,
    view_error: Option<String>,
    timeline: Vec<TimelinePoint>,
    bundle_bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq)]
enum Page {
    Loading(&'static str),
    NotFound,
    Unavailable(String),
    Loaded(Rc<Loaded>),
}

/// A trial's record.
#[component]
pub fn Trial(props: &TrialProps) -> Html {
    let id = props.id.to_string();
    if !is_trial_id(&id) {
        return html! {
            <article class="page trial">
                <h1 data-testid="trial-title">{ format!("Trial {id}") }</h1>
                <p class="status status-warn">
                    { "This is not a well-formed trial id. Trial ids are \u{201c}TL-\u{201d} \
                       followed by 16 characters (digits and capital letters)." }
                </p>
            </article>
        };
    }
    let key = id.clone();
    html! { <TrialRecordPage {key} {id} /> }
}

#[derive(Properties, PartialEq)]
struct RecordProps {
    id: String,
}

#[component]
fn TrialRecordPage(props: &RecordProps) -> Html {
    let app = use_app();
    let page = use_state(|| Page::Loading("Checking the registry's log…"));
    let retry = use_state(|| 0u32);
    {
        let page = page.clone();
        let app = app.clone();
        let id = props.id.clone();
        let policies = app.policies.clone();
        use_effect_with((props.id.clone(), app.generation, *retry), move |_| {
            if let Some(policies) = policies {
                page.set(Page::Loading("Checking the registry's log…"));
                wasm_bindgen_futures::spawn_local(async move {
                    let result = load(&id, app, policies, &page).await;
                    page.set(result);
                });
            }
        });
    }
    let heading = |text: String| html! { <h1 data-testid="trial-title">{ text }</h1> };
    let body = match &*page {
        Page::Loading(stage) => html! {
            <>
                { heading(format!("Trial {}", props.id)) }
                <p class="loading" role="status" data-testid="verification" data-state="pending">
                    { *stage }
                </p>
            </>
        },
        Page::NotFound => html! {
            <>
                { heading(format!("Trial {}", props.id)) }
                <p class="status status-warn" data-testid="not-found">
                    { "The registry has no trial with this id. Check the id, or search for the \
                       trial on the home page." }
                </p>
            </>
        },
        Page::Unavailable(reason) => {
            let onclick = {
                let retry = retry.clone();
                Callback::from(move |_| retry.set(*retry + 1))
            };
            html! {
                <>
                    { heading(format!("Trial {}", props.id)) }
                    <p class="status status-alarm" role="alert" data-testid="unavailable">
                        { "The trial's record could not be loaded: " }{ reason.clone() }
                    </p>
                    <button type="button" {onclick}>{ "Try again" }</button>
                </>
            }
        }
        Page::Loaded(loaded) => render_loaded(&props.id, loaded),
    };
    html! { <article class="page trial">{ body }</article> }
}

fn fetch_reason(e: &FetchError) -> String {
    match e {
        FetchError::Network { .. } => format!("the registry is unreachable ({e})"),
        _ => e.to_string(),
    }
}

/// Loads and checks the trial; sets intermediate stages on `page`.
async fn load(
    id: &str,
    app: AppHandle,
    policies: Rc<TrustPolicies>,
    page: &UseStateHandle<Page>,
) -> Page {
    let context = format!("trial {id}");
    let checkpoint = check_log(app.clone(), policies.clone(), &context).await;

    page.set(Page::Loading("Fetching the trial's evidence…"));
    let listing = match get_json::<TrialDetail>(&format!("/api/v1/trials/{id}")).await {
        Ok(listing) => Some(listing),
        Err(e) if e.status() == Some(404) => return Page::NotFound,
        Err(_) => None,
    };
    let bundle_bytes = match get_bytes(&format!("/api/v1/trials/{id}/bundle")).await {
        Ok(bytes) => bytes,
        Err(e) if e.status() == Some(404) => return Page::NotFound,
        Err(e) => return Page::Unavailable(fetch_reason(&e)),
    };

    page.set(Page::Loading("Verifying the evidence in your browser…"));
    let loaded = check_bundle(id, &app, &policies, checkpoint, listing, bundle_bytes).await;
    if loaded.verdicts.state == VerificationState::Failed {
        app.dispatch(Action::Alarm(AlarmNotice::new(
            "trial-failed",
            format!("Trial {id} failed verification"),
            loaded.verdicts.summary.clone(),
            context,
        )));
    }
    Page::Loaded(Rc::new(loaded))
}

fn failed_without_report(name: &str, detail: String, bundle_bytes: Vec<u8>) -> Loaded {
    Loaded {
        verdicts: Verdicts {
            state: VerificationState::Failed,
            summary: format!(
                "The evidence for this trial did NOT verify in your browser. First failure — {name}: {detail}"
            ),
            checks: vec![CheckRow {
                name: name.to_owned(),
                ok: false,
                detail,
                index: None,
                finding: false,
            }],
        },
        report: None,
        view: None,
        view_error: None,
        timeline: Vec::new(),
        bundle_bytes,
    }
}

async fn check_bundle(
    id: &str,
    app: &AppHandle,
    policies: &TrustPolicies,
    checkpoint: Option<Rc<VerifiedCheckpoint>>,
    listing: Option<TrialDetail>,
    bundle_bytes: Vec<u8>,
) -> Loaded {
    let bundle = match Bundle::parse(&bundle_bytes) {
        Ok(bundle) => bundle,
        Err(e) => return failed_without_report("bundle.parse", e.to_string(), bundle_bytes),
    };
    if bundle.trial_id != id {
        let detail = format!(
            "the registry sent the bundle of {} for {id}",
            bundle.trial_id
        );
        return failed_without_report("bundle.trial", detail, bundle_bytes);
    }
    // Every pinned policy for the bundle's log must verify it; show the
    // first failing report, else the first.
    let mut reports = policies
        .for_origin(&bundle.origin)
        .map(|policy| bundle.verify(policy, &[]));
    let Some(first) = reports.next() else {
        let detail = format!(
            "no pinned trust policy names the bundle's log {:?}; add it on the settings page",
            bundle.origin
        );
        return failed_without_report("policy.pinned", detail, bundle_bytes);
    };
    let report = std::iter::once(first.clone())
        .chain(reports)
        .find(|r| r.verdict == Verdict::Failed)
        .unwrap_or(first);

    let head = check_head(app, policies, &bundle, &report, checkpoint).await;
    let verdicts = decide(&report, &head, listing.as_ref());
    let (view, view_error) = match trial_view::build(&bundle, &report) {
        Ok(view) => (Some(view), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let timeline = trial_view::timeline(&report);
    Loaded {
        verdicts,
        report: Some(report),
        view,
        view_error,
        timeline,
        bundle_bytes,
    }
}

/// Proves the bundle's head consistent with the light client's checkpoint
/// (equal, or a tile-built consistency proof in either direction). When the
/// bundle's head is the newer one and verifies under every pinned policy,
/// it becomes the stored checkpoint.
async fn check_head(
    app: &AppHandle,
    policies: &TrustPolicies,
    bundle: &Bundle,
    report: &Report,
    checkpoint: Option<Rc<VerifiedCheckpoint>>,
) -> HeadCheck {
    let Some(checkpoint) = checkpoint else {
        return HeadCheck::NotChecked(
            "the registry's current checkpoint did not verify (see the alarm)".to_owned(),
        );
    };
    if report.head.is_none() {
        return HeadCheck::NotChecked("the bundle's head checkpoint is not trusted".to_owned());
    }
    match prove_head(&bundle.head, &checkpoint).await {
        Err(HeadProofError::NotACheckpoint) => {
            HeadCheck::NotChecked(HeadProofError::NotACheckpoint.to_string())
        }
        Err(HeadProofError::Inconsistent(reason)) => HeadCheck::Failed(reason),
        Ok(HeadProof::Same { size }) => HeadCheck::Consistent(format!(
            "the bundle's head is the log checkpoint this browser verified ({size} entries)"
        )),
        Ok(HeadProof::Proved { head, log, tiles }) => {
            if head > log {
                remember_newer_head(app, policies, bundle).await;
            }
            HeadCheck::Consistent(format!(
                "the bundle's head ({head} entries) and the log checkpoint this browser verified \
                 ({log} entries) are consistent: proof built from {tiles} tiles"
            ))
        }
    }
}

/// Stores a newer, proved-consistent bundle head as the light client's
/// checkpoint (it verified under every pinned policy).
async fn remember_newer_head(app: &AppHandle, policies: &TrustPolicies, bundle: &Bundle) {
    let Ok(verified) = policies.verify(bundle.head.as_bytes()) else {
        return;
    };
    if let Ok(store) = Store::open(DATABASE).await {
        let _ = store.save_checkpoint(&verified.to_stored()).await;
        store.close();
    }
    app.dispatch(Action::Verified {
        checkpoint: Rc::new(verified),
        previous: None,
    });
}

fn download(id: &str, bytes: &[u8]) -> Result<(), String> {
    use wasm_bindgen::JsCast as _;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|e| format!("{e:?}"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let anchor = document
        .create_element("a")
        .map_err(|e| format!("{e:?}"))?
        .dyn_into::<web_sys::HtmlAnchorElement>()
        .map_err(|_| "not an anchor")?;
    anchor.set_href(&url);
    anchor.set_download(&format!("{id}.bundle.json"));
    anchor.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

fn witnessed(text: &Option<String>) -> String {
    text.clone()
        .unwrap_or_else(|| "not yet witnessed".to_owned())
}

fn render_loaded(id: &str, loaded: &Rc<Loaded>) -> Html {
    let title = loaded
        .view
        .as_ref()
        .map_or_else(|| format!("Trial {id}"), |v| v.title.clone());
    let findings = loaded
        .report
        .as_ref()
        .map(|r| r.findings.clone())
        .unwrap_or_default();
    let ondownload = {
        let loaded = loaded.clone();
        let id = id.to_owned();
        Callback::from(move |_| {
            if let Err(e) = download(&id, &loaded.bundle_bytes) {
                web_sys::console::error_1(&format!("download failed: {e}").into());
            }
        })
    };
    html! {
        <>
            <h1 data-testid="trial-title">{ title }</h1>
            <p class="trial-id">{ "Trial Ledger id " }<code>{ id.to_owned() }</code></p>
            <VerificationPanel state={loaded.verdicts.state}
                               summary={loaded.verdicts.summary.clone()}
                               checks={loaded.verdicts.checks.clone()} {findings} />
            <p>
                <button type="button" data-testid="download-bundle" onclick={ondownload}>
                    { "Download evidence bundle" }
                </button>
                { " The exact bytes verified here; check them offline with " }
                <code>{ "trialverify bundle" }</code>{ "." }
            </p>
            if let Some(error) = &loaded.view_error {
                <p class="status status-alarm">{ error.clone() }</p>
            }
            if let Some(view) = &loaded.view {
                { render_view(view, loaded) }
            }
        </>
    }
}

fn render_view(view: &TrialView, loaded: &Loaded) -> Html {
    let report = loaded.report.as_ref();
    html! {
        <>
            <nav aria-label="On this page" class="toc">
                <ul>
                    <li><a href="#registration">{ "Registration" }</a></li>
                    <li><a href="#documents">{ "Documents" }</a></li>
                    <li><a href="#amendments">{ "Amendments" }</a></li>
                    <li><a href="#status">{ "Status" }</a></li>
                    <li><a href="#results">{ "Results" }</a></li>
                    <li><a href="#timeline">{ "Timeline" }</a></li>
                </ul>
            </nav>

            <section id="registration" aria-labelledby="registration-heading">
                <h2 id="registration-heading">{ "Registration (WHO Trial Registration Data Set)" }</h2>
                <p class="note">{ "The current version: the registration as last amended." }</p>
                <dl class="fields">
                    { for view.fields.iter().map(|f| html! {
                        <div class="field">
                            <dt><span class="item">{ format!("{}.", f.item) }</span>{ " " }{ f.label }</dt>
                            <dd>{ f.value.clone() }</dd>
                        </div>
                    }) }
                </dl>
                if !view.consent_forms.is_empty() {
                    <h3>{ "Consent forms" }</h3>
                    <ul>
                        { for view.consent_forms.iter().map(|f| html! {
                            <li>
                                { format!("Version {} ({}) — options: ", f.version, f.language) }
                                { f.options.iter().map(|o| format!("{}{}", o.label, if o.required { " (required)" } else { "" })).collect::<Vec<_>>().join("; ") }
                                <br /><code class="hash">{ f.subject.clone() }</code>
                            </li>
                        }) }
                    </ul>
                    <p>
                        // A plain link: consent pages are another bundle
                        // (a full page load).
                        <a href={crate::app::Route::Consent { id: view.trial_id.clone() }.to_path()}
                           data-testid="give-consent">
                            { "Give or review your consent to this trial" }
                        </a>
                        { " — with the consent form you were given; your signed record stays in \
                           this browser." }
                    </p>
                }
            </section>

            <section id="documents" aria-labelledby="documents-heading">
                <h2 id="documents-heading">{ "Documents" }</h2>
                <p class="note">
                    { "Documents never enter the ledger; each entry commits to them by SHA-256. \
                       Anyone holding a copy can check it against these hashes." }
                </p>
                if view.documents.is_empty() {
                    <p>{ "No documents." }</p>
                } else {
                    <div class="table-scroll" tabindex="0" role="region" aria-label="Documents table">
                    <table>
                        <thead><tr>
                            <th scope="col">{ "Document" }</th>
                            <th scope="col">{ "Role" }</th>
                            <th scope="col">{ "Version" }</th>
                            <th scope="col">{ "Entry" }</th>
                            <th scope="col">{ "SHA-256" }</th>
                        </tr></thead>
                        <tbody>
                            { for view.documents.iter().map(|d| html! {
                                <tr>
                                    <td>{ d.name.clone() }</td>
                                    <td>{ d.role.clone().unwrap_or_default() }</td>
                                    <td>{ d.version.clone().unwrap_or_default() }</td>
                                    <td>{ format!("{} #{}", d.kind, d.index) }</td>
                                    <td><code class="hash">{ d.sha256.clone() }</code></td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                    </div>
                }
            </section>

            <section id="amendments" aria-labelledby="amendments-heading">
                <h2 id="amendments-heading">{ "Amendment history" }</h2>
                if view.amendments.is_empty() {
                    <p>{ "The registration has not been amended." }</p>
                }
                { for view.amendments.iter().map(|a| html! {
                    <div class="amendment">
                        <h3>{ format!("Amendment, entry {} — witnessed {}", a.index, witnessed(&a.witnessed)) }</h3>
                        <p><strong>{ "Stated reason: " }</strong>{ a.reason.clone() }</p>
                        <div class="table-scroll" tabindex="0" role="region"
                             aria-label={format!("Changes made by entry {}", a.index)}>
                        <table class="diff">
                            <thead><tr>
                                <th scope="col">{ "Field" }</th>
                                <th scope="col">{ "Before" }</th>
                                <th scope="col">{ "After" }</th>
                            </tr></thead>
                            <tbody>
                                { for a.changes.iter().map(|c| html! {
                                    <tr>
                                        <th scope="row">{ c.field.clone() }</th>
                                        <td class="before">{ c.before.clone().unwrap_or_else(|| "(absent)".to_owned()) }</td>
                                        <td class="after">{ c.after.clone().unwrap_or_else(|| "(removed)".to_owned()) }</td>
                                    </tr>
                                }) }
                            </tbody>
                        </table>
                        </div>
                    </div>
                }) }
            </section>

            <section id="status" aria-labelledby="status-heading">
                <h2 id="status-heading">{ "Status and actual dates" }</h2>
                if view.statuses.is_empty() {
                    <p>{ "No status update yet." }</p>
                } else {
                    <ul>
                        { for view.statuses.iter().map(|s| html! {
                            <li>
                                <strong>{ s.recruitment_status.clone() }</strong>
                                { s.actual_first_enrolment.as_ref().map(|d| format!(" · actual first enrolment {d}")).unwrap_or_default() }
                                { s.actual_completion.as_ref().map(|d| format!(" · actual completion {d}")).unwrap_or_default() }
                                { format!(" (entry {}, witnessed {})", s.index, witnessed(&s.witnessed)) }
                            </li>
                        }) }
                    </ul>
                }
                if let Some(r) = report {
                    <p>
                        <strong>{ "Prospective registration: " }</strong>
                        { enum_text(&r.prospective.status) }
                        { r.prospective.registration_witnessed.as_ref().map(|w| format!(" (registration witnessed {w}")).unwrap_or_default() }
                        { r.prospective.actual_first_enrolment.as_ref().map(|d| format!(", actual first enrolment {d})")).unwrap_or_else(|| if r.prospective.registration_witnessed.is_some() { ")".to_owned() } else { String::new() }) }
                    </p>
                }
            </section>

            <section id="results" aria-labelledby="results-heading">
                <h2 id="results-heading">{ "Results and outcome comparison" }</h2>
                if let Some(results) = &view.results {
                    <p>{ format!("Results committed in entry {}, witnessed {}.", results.index, witnessed(&results.witnessed)) }</p>
                    <p class="summary">{ results.summary.clone() }</p>
                    if let Some(r) = report {
                        { render_outcomes(r) }
                    }
                } else {
                    <p>{ "No results have been committed yet." }</p>
                }
            </section>

            <section id="timeline" aria-labelledby="timeline-heading">
                <h2 id="timeline-heading">{ "Timeline of witnessed times" }</h2>
                <Timeline points={loaded.timeline.clone()} />
                if view.consents != (0, 0) {
                    <p>{ format!("Consent events on the ledger: {} given, {} withdrawn (blinded commitments only).", view.consents.0, view.consents.1) }</p>
                }
            </section>
        </>
    }
}

fn render_outcomes(report: &Report) -> Html {
    let note = report
        .prespecified_from
        .as_ref()
        .map(|p| format!("Pre-specified outcomes: entry {} — {}", p.index, p.note))
        .unwrap_or_default();
    html! {
        <>
            <h3>{ "Pre-specified versus reported outcomes" }</h3>
            <p class="note">{ note }</p>
            <OutcomeTable outcomes={report.outcomes.clone()} />
        </>
    }
}
