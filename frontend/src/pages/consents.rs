//! `/consents`: the participant's journey (not built yet).

use yew::prelude::*;

use crate::components::coming_soon::ComingSoon;

/// Consents kept in this browser.
#[component]
pub fn Consents() -> Html {
    html! {
        <ComingSoon title="My consents">
            <p>
                { "Give, review and withdraw consent to a trial. Your keys and consent records \
                   stay in this browser; only a blinded commitment is sent to the ledger." }
            </p>
        </ComingSoon>
    }
}
