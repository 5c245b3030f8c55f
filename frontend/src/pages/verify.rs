//! `/verify`: the reviewer's journey (not built yet).

use yew::prelude::*;

use crate::components::coming_soon::ComingSoon;

/// Verify a trial's evidence bundle.
#[component]
pub fn Verify() -> Html {
    html! {
        <ComingSoon title="Verify a trial">
            <p>
                { "Load a trial's evidence bundle and, optionally, its documents. The portal \
                   checks the signatures, the inclusion and consistency proofs and the \
                   witnesses' quorum, and compares the reported outcomes with the pre-specified \
                   ones — in your browser, with no network after the first visit." }
            </p>
        </ComingSoon>
    }
}
