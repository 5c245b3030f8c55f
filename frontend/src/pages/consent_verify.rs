//! `/consents/verify`: a study site verifies a participant's consent
//! receipt: its signatures and history (offline), that its form is
//! registered for the trial (the trial's bundle, verified here), and, if
//! it was anchored, that each commitment is in the log under a witnessed
//! checkpoint ([`crate::participant::forms::check_receipt`]).

use wasm_bindgen::JsCast as _;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::hooks::{check_log, use_app};
use crate::pages::consent::readable_time;
use crate::participant::browser::read_bytes;
use crate::participant::forms::{ReceiptCheck, check_receipt};
use crate::participant::net::load_trial;
use crate::participant::record::Receipt;
use crate::participant::state::{history, status_text};
use crate::sponsor::evidence::{Inclusion, inclusion};

#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Idle,
    Checking,
    Unreadable(String),
    Checked {
        receipt: Box<Receipt>,
        checks: Vec<ReceiptCheck>,
    },
}

/// Verify a consent receipt.
#[component]
pub fn ConsentVerify() -> Html {
    let app = use_app();
    let text = use_state(String::new);
    let outcome = use_state(|| Outcome::Idle);
    let run = {
        let app = app.clone();
        let outcome = outcome.clone();
        Callback::from(move |bytes: Vec<u8>| {
            let app = app.clone();
            let outcome = outcome.clone();
            outcome.set(Outcome::Checking);
            wasm_bindgen_futures::spawn_local(async move {
                let receipt = match Receipt::parse(&bytes) {
                    Ok(r) => r,
                    Err(e) => return outcome.set(Outcome::Unreadable(e.to_string())),
                };
                let trial_id = receipt.record.header.trial_id.clone();
                let loaded = match app.policies.clone() {
                    Some(policies) => {
                        let checkpoint =
                            check_log(app.clone(), policies.clone(), "consent receipt").await;
                        load_trial(&trial_id, &policies, checkpoint).await
                    }
                    None => Err("the trust policies are not loaded yet; try again".to_owned()),
                };
                let checks = check_receipt(
                    &receipt,
                    loaded.as_ref().map(|l| &l.trial).map_err(Clone::clone),
                    |index, hash| match &loaded {
                        Ok(l) => inclusion(&l.report, index, hash),
                        Err(e) => Inclusion::Failed(format!("the log could not be checked: {e}")),
                    },
                );
                outcome.set(Outcome::Checked {
                    receipt: Box::new(receipt),
                    checks,
                });
            });
        })
    };
    let onfile = {
        let run = run.clone();
        Callback::from(move |e: Event| {
            let Some(file) = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
                .and_then(|i| i.files())
                .and_then(|f| f.get(0))
            else {
                return;
            };
            let run = run.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match read_bytes(&file).await {
                    Ok(bytes) => run.emit(bytes),
                    Err(e) => web_sys::console::error_1(&e.into()),
                }
            });
        })
    };
    let ontext = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(area) = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlTextAreaElement>().ok())
            {
                text.set(area.value());
            }
        })
    };
    let onverify = {
        let text = text.clone();
        let run = run.clone();
        Callback::from(move |_| run.emit(text.as_bytes().to_vec()))
    };
    html! {
        <article class="page participant">
            <h1>{ "Verify a consent receipt" }</h1>
            <p class="lede">
                { "For study sites: check a participant's signed consent receipt — its signature, \
                   that its form is registered for the trial and, if it was anchored, that its \
                   commitment is in the ledger. The receipt is checked in this browser and not \
                   uploaded." }
            </p>
            <section class="panel" aria-labelledby="receipt-input-heading">
                <h2 id="receipt-input-heading">{ "The receipt" }</h2>
                <div class="field">
                    <label for="receipt-file">{ "Receipt file (JSON)" }</label>
                    <input type="file" id="receipt-file" data-testid="receipt-file"
                           accept="application/json,.json" onchange={onfile} />
                </div>
                <div class="field">
                    <label for="receipt-json">{ "Or paste the receipt" }</label>
                    <textarea id="receipt-json" data-testid="receipt-json" rows="5"
                              value={(*text).clone()} oninput={ontext} />
                </div>
                <button type="button" data-testid="verify-receipt" onclick={onverify}>
                    { "Verify the pasted receipt" }
                </button>
            </section>
            { render_outcome(&outcome) }
        </article>
    }
}

fn render_outcome(outcome: &Outcome) -> Html {
    match outcome {
        Outcome::Idle => html! {},
        Outcome::Checking => html! {
            <p class="loading" role="status">{ "Checking the receipt and the trial's evidence…" }</p>
        },
        Outcome::Unreadable(e) => html! {
            <p class="status status-alarm" role="alert" data-testid="receipt-verdict" data-state="failed">
                { "This is not a readable consent receipt: " }{ e.clone() }
            </p>
        },
        Outcome::Checked { receipt, checks } => {
            let ok = checks.iter().all(|c| c.ok);
            let header = &receipt.record.header;
            html! {
                <section class="panel" aria-labelledby="result-heading">
                    <h2 id="result-heading">{ "Result" }</h2>
                    <p class={classes!("status", if ok { "status-ok" } else { "status-alarm" })}
                       role="status" data-testid="receipt-verdict"
                       data-state={if ok { "verified" } else { "failed" }}>
                        { if ok {
                            format!("Verified: {} for trial {} — {}", status_text(&receipt.record), header.trial_id, header.trial_title)
                        } else {
                            "This receipt did NOT verify; see the failed checks below.".to_owned()
                        } }
                    </p>
                    <ul class="checks">
                        { for checks.iter().map(|c| html! {
                            <li data-testid="receipt-check" data-name={c.name} data-ok={c.ok.to_string()}>
                                <strong>{ if c.ok { "Pass" } else { "Fail" } }</strong>
                                { format!(" · {} — {}", c.name, c.detail) }
                            </li>
                        }) }
                    </ul>
                    <dl class="facts">
                        <dt>{ "Printed name" }</dt><dd>{ header.participant_name.clone() }</dd>
                        <dt>{ "Form" }</dt><dd>{ format!("version {} ({})", header.form.version, header.form.language) }</dd>
                        <dt>{ "Choices now" }</dt>
                        <dd>
                            <ul class="choices">
                                { for header.options.iter().map(|o| html! {
                                    <li>
                                        <strong>{ if receipt.record.permits(&o.id) { "Yes: " } else { "No: " } }</strong>
                                        { o.label.clone() }
                                    </li>
                                }) }
                            </ul>
                        </dd>
                    </dl>
                    <h3>{ "History" }</h3>
                    <ol class="history">
                        { for history(receipt).into_iter().map(|l| html! {
                            <li>{ format!("{} — {}", readable_time(&l.at), l.text) }
                                { l.anchored.map(|a| format!(" ({a})")).unwrap_or_default() }</li>
                        }) }
                    </ol>
                </section>
            }
        }
    }
}
