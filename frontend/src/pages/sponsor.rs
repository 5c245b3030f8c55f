//! `/sponsor`: the sponsor's journey (not built yet).

use yew::prelude::*;

use crate::components::coming_soon::ComingSoon;

/// Register and update trials.
#[component]
pub fn Sponsor() -> Html {
    html! {
        <ComingSoon title="For sponsors">
            <p>
                { "Register a trial before enrolment, amend it with a stated reason, report its \
                   status and commit the hashes of its results. Documents are hashed in your \
                   browser and never uploaded." }
            </p>
        </ComingSoon>
    }
}
