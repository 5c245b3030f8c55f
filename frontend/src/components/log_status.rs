//! One line under the header: what the light client knows about the log.

use yew::prelude::*;

use crate::hooks::use_app;
use crate::state::LogStatus;

/// `data-testid="log-status"`: checking / verified at size N / failed.
#[component]
pub fn LogStatusLine() -> Html {
    let app = use_app();
    let (state, text) = match &app.log {
        LogStatus::Starting | LogStatus::Checking => {
            ("checking", "Checking the registry's log…".to_owned())
        }
        LogStatus::Verified {
            checkpoint,
            previous,
        } => {
            let cp = &checkpoint.trusted;
            let witnesses = cp
                .cosignatures
                .iter()
                .map(|c| c.witness.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            let since = match previous {
                None => " (first visit: trusted on the pinned policy)".to_owned(),
                Some(p) if *p == cp.checkpoint.size => String::new(),
                Some(p) => format!(" (consistent with the {p} entries verified before)"),
            };
            (
                "verified",
                format!(
                    "Log verified: {} entries, cosigned by {}{since}.",
                    cp.checkpoint.size,
                    if witnesses.is_empty() {
                        "no witness".to_owned()
                    } else {
                        witnesses
                    }
                ),
            )
        }
        LogStatus::Failed => (
            "failed",
            "The log could not be verified — see the alarm above.".to_owned(),
        ),
    };
    html! {
        <p class={classes!("log-status", format!("log-{state}"))} data-testid="log-status"
           data-state={state} aria-live="polite">
            <span class="wrap">{ text }</span>
        </p>
    }
}
