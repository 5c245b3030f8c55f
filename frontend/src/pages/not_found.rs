//! Unknown paths.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::app::Route;

/// The 404 page.
#[component]
pub fn NotFound() -> Html {
    html! {
        <article class="page not-found">
            <h1>{ "Page not found" }</h1>
            <p>{ "There is no page at this address." }</p>
            <p><Link<Route> to={Route::Home}>{ "Go to the home page" }</Link<Route>></p>
        </article>
    }
}
