//! `/verify`: the reviewer's offline verification page ([`crate::reviewer`]).

use yew::prelude::*;

use crate::reviewer::view::ReviewerPage;

/// Verify a trial's evidence bundle, in the browser, offline.
#[component]
pub fn Verify() -> Html {
    html! { <ReviewerPage /> }
}
