//! `/`: what the registry is and how it works.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::timers::callback::Timeout;
use web_sys::HtmlInputElement;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::{SearchResults, TrialSummary, search_url};
use crate::app::Route;
use crate::light_client::fetch::get_json;
use crate::self_test::{self, Outcome};

/// How long typing must pause before a search is sent.
pub const DEBOUNCE_MS: u32 = 300;

/// The search box's results.
#[derive(Debug, Clone, PartialEq)]
enum Results {
    Loading,
    Loaded {
        query: String,
        trials: Vec<TrialSummary>,
    },
    Failed(String),
}

/// Search (debounced, `/api/v1/trials?q=`) and its results; an empty query
/// lists the most recent trials.
#[component]
fn Search() -> Html {
    let query = use_state(String::new);
    let results = use_state(|| Results::Loading);
    // Which request is current, so a slow answer to an old query is dropped.
    let sequence = use_mut_ref(|| 0u64);
    let timer: Rc<RefCell<Option<Timeout>>> = use_mut_ref(|| None);

    let run = {
        let results = results.clone();
        let sequence = sequence.clone();
        Callback::from(move |q: String| {
            let results = results.clone();
            let sequence = sequence.clone();
            let mine = {
                let mut s = sequence.borrow_mut();
                *s += 1;
                *s
            };
            results.set(Results::Loading);
            wasm_bindgen_futures::spawn_local(async move {
                let answer = get_json::<SearchResults>(&search_url(&q)).await;
                if *sequence.borrow() != mine {
                    return;
                }
                results.set(match answer {
                    Ok(r) => Results::Loaded {
                        query: q,
                        trials: r.trials,
                    },
                    Err(e) => Results::Failed(e.to_string()),
                });
            });
        })
    };
    {
        let run = run.clone();
        use_effect_with((), move |()| run.emit(String::new()));
    }
    let oninput = {
        let query = query.clone();
        let timer = timer.clone();
        Callback::from(move |e: InputEvent| {
            let value = e.target_unchecked_into::<HtmlInputElement>().value();
            query.set(value.clone());
            let run = run.clone();
            // Replacing the timeout cancels the pending search.
            *timer.borrow_mut() = Some(Timeout::new(DEBOUNCE_MS, move || run.emit(value)));
        })
    };
    let onsubmit = Callback::from(|e: SubmitEvent| e.prevent_default());
    let heading = |query: &str| {
        if query.trim().is_empty() {
            "Recent trials".to_owned()
        } else {
            format!("Trials matching \u{201c}{}\u{201d}", query.trim())
        }
    };
    html! {
        <section aria-labelledby="search-heading" class="search">
            <h2 id="search-heading">{ "Find a trial" }</h2>
            <form role="search" {onsubmit}>
                <label for="search-input">
                    { "Search by title, condition, sponsor, trial id or another registry's id (e.g. an NCT number)" }
                </label>
                <input id="search-input" type="search" data-testid="search" autocomplete="off"
                       value={(*query).clone()} {oninput} />
            </form>
            <div aria-live="polite" class="results">
                { match &*results {
                    Results::Loading => html! { <p class="loading">{ "Searching…" }</p> },
                    Results::Failed(e) => html! {
                        <p class="status status-warn">{ "The registry's search is unavailable: " }{ e.clone() }</p>
                    },
                    Results::Loaded { query, trials } => html! {
                        <>
                            <h3>{ heading(query) }</h3>
                            if trials.is_empty() {
                                <p>{ "No trial matches." }</p>
                            } else {
                                <ul class="trial-list">
                                    { for trials.iter().map(|t| html! { <TrialResult trial={t.clone()} /> }) }
                                </ul>
                            }
                            <p class="note">
                                { "Results come from the registry's index; each trial's page verifies its \
                                   record in your browser." }
                            </p>
                        </>
                    },
                } }
            </div>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct TrialResultProps {
    trial: TrialSummary,
}

#[component]
fn TrialResult(props: &TrialResultProps) -> Html {
    let t = &props.trial;
    let title = format!(
        "{}{}",
        t.title,
        t.acronym
            .as_ref()
            .map(|a| format!(" ({a})"))
            .unwrap_or_default()
    );
    html! {
        <li>
            <TrialLink id={t.trial_id.clone()} {title} />
            <span class="meta">
                <code>{ t.trial_id.clone() }</code>
                { format!(" · {} · {} · {}", t.sponsor, t.conditions.join(", "), t.status.replace('_', " ")) }
            </span>
        </li>
    }
}

#[derive(Properties, PartialEq)]
struct TrialLinkProps {
    id: String,
    title: String,
}

/// `<a data-testid="trial-result">` that navigates in-app.
#[component]
fn TrialLink(props: &TrialLinkProps) -> Html {
    let navigator = use_navigator();
    let route = Route::Trial {
        id: props.id.clone(),
    };
    let onclick = {
        let route = route.clone();
        Callback::from(move |e: MouseEvent| {
            if e.button() != 0 || e.meta_key() || e.ctrl_key() || e.shift_key() || e.alt_key() {
                return;
            }
            if let Some(navigator) = &navigator {
                e.prevent_default();
                navigator.push(&route);
            }
        })
    };
    html! {
        <a href={route.to_path()} data-testid="trial-result" class="trial-result" {onclick}>
            { props.title.clone() }
        </a>
    }
}

/// The home page.
#[component]
pub fn Home() -> Html {
    let outcome = use_memo((), |()| self_test::run());
    html! {
        <article class="page home">
            <h1>{ "Trial Ledger" }</h1>
            <p class="lede">
                { "A clinical-trial registry whose history cannot be rewritten, and which \
                   anyone can check without trusting whoever runs it." }
            </p>

            <Search />

            <section aria-labelledby="how">
                <h2 id="how">{ "How it works" }</h2>
                <ul class="cards">
                    <li>
                        <h3>{ "Sponsors pre-register" }</h3>
                        <p>
                            { "Before the first participant enrols, a sponsor signs the trial's \
                               protocol and its pre-specified outcomes into the ledger. Amendments \
                               and, later, the hashes of the results are appended to the same \
                               history, never edited in place." }
                        </p>
                    </li>
                    <li>
                        <h3>{ "Participants consent in their browser" }</h3>
                        <p>
                            { "Consent is given, reviewed and withdrawn in the participant's own \
                               browser. Keys and records stay there; the ledger only receives a \
                               blinded commitment that proves when consent was given." }
                        </p>
                    </li>
                    <li>
                        <h3>{ "Reviewers verify offline" }</h3>
                        <p>
                            { "Journal editors, regulators and meta-researchers download a trial's \
                               evidence bundle and check, with no network, that the reported \
                               results match what was registered before the trial began." }
                        </p>
                    </li>
                </ul>
            </section>

            <section aria-labelledby="why">
                <h2 id="why">{ "A transparency log with witnesses" }</h2>
                <p>
                    { "The ledger is not a blockchain. It is an append-only Merkle tree, like \
                       Certificate Transparency's, whose signed checkpoints are cosigned by \
                       independent witnesses — ethics committees, journals, regulators. A \
                       witness signs only a checkpoint that extends the one it saw before, so \
                       the registry cannot show different histories to different people, and \
                       the witnesses' signatures date every entry." }
                </p>
                <p>
                    { "This portal is a light client: it holds the log's and the witnesses' \
                       public keys and checks every fact it shows with a few hashes and \
                       signatures, never the whole ledger." }
                </p>
                <p>
                    <Link<Route> to={Route::Verify}>{ "Verify a trial's evidence" }</Link<Route>>
                </p>
            </section>

            <section aria-labelledby="self-test">
                <h2 id="self-test">{ "Checked in your browser" }</h2>
                {
                    match &*outcome {
                        Outcome::Passed => html! {
                            <p class="status status-ok" id="self-test-result">
                                { "Self-test passed: the verifier compiled into this page \
                                   recomputed the RFC 6962 reference tree's root and verified \
                                   an inclusion proof. No ledger data has been checked yet." }
                            </p>
                        },
                        Outcome::Failed(reason) => html! {
                            <p class="status status-alarm" id="self-test-result" role="alert">
                                { "Self-test FAILED: " }{ reason.clone() }
                                { ". Do not rely on anything this browser verifies." }
                            </p>
                        },
                    }
                }
            </section>
        </article>
    }
}
