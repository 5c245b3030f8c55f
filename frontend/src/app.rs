//! Routes and the page shell (skip link, header, `<main>`, footer).

use yew::prelude::*;
use yew_router::history::AnyHistory;
use yew_router::prelude::*;

use crate::components::footer::Footer;
use crate::components::header::Header;
use crate::pages::{
    consents::Consents, home::Home, not_found::NotFound, sponsor::Sponsor, trial::Trial,
    verify::Verify,
};

/// The portal's pages.
#[derive(Debug, Clone, PartialEq, Eq, Routable)]
pub enum Route {
    /// What the registry is.
    #[at("/")]
    Home,
    /// Reviewers: verify an evidence bundle.
    #[at("/verify")]
    Verify,
    /// Sponsors: register and update trials.
    #[at("/sponsor")]
    Sponsor,
    /// Participants: consents kept in this browser.
    #[at("/consents")]
    Consents,
    /// One trial's record.
    #[at("/trials/:id")]
    Trial {
        /// `TL-…` trial id.
        id: String,
    },
    /// Anything else.
    #[not_found]
    #[at("/404")]
    NotFound,
}

/// The site's name, the suffix of every page title.
pub const SITE_NAME: &str = "Trial Ledger";

impl Route {
    /// The document title for this page.
    pub fn title(&self) -> String {
        let page = match self {
            Route::Home => return format!("{SITE_NAME} — verifiable clinical-trial registry"),
            Route::Verify => "Verify a trial".to_owned(),
            Route::Sponsor => "For sponsors".to_owned(),
            Route::Consents => "My consents".to_owned(),
            Route::Trial { id } => format!("Trial {id}"),
            Route::NotFound => "Page not found".to_owned(),
        };
        format!("{page} — {SITE_NAME}")
    }
}

fn switch(route: Route) -> Html {
    match route {
        Route::Home => html! { <Home /> },
        Route::Verify => html! { <Verify /> },
        Route::Sponsor => html! { <Sponsor /> },
        Route::Consents => html! { <Consents /> },
        Route::Trial { id } => html! { <Trial {id} /> },
        Route::NotFound => html! { <NotFound /> },
    }
}

/// The portal on the browser's address bar.
#[component]
pub fn App() -> Html {
    html! {
        <BrowserRouter>
            <Shell />
        </BrowserRouter>
    }
}

/// Props of [`AppWithHistory`].
#[derive(Properties, PartialEq)]
pub struct AppWithHistoryProps {
    /// Where the router reads and writes locations.
    pub history: AnyHistory,
}

/// The portal on a given history (e.g. a `MemoryHistory` in tests).
#[component]
pub fn AppWithHistory(props: &AppWithHistoryProps) -> Html {
    html! {
        <Router history={props.history.clone()}>
            <Shell />
        </Router>
    }
}

/// Skip link, header, the routed page in `<main>`, footer. Keeps the document
/// title in step with the route and, after an in-app navigation, moves focus
/// to `<main>` so that screen readers announce the new page.
#[component]
fn Shell() -> Html {
    let route = use_route::<Route>().unwrap_or(Route::NotFound);
    let first_render = use_mut_ref(|| true);
    use_effect_with(route.clone(), move |route| {
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            document.set_title(&route.title());
            let first = std::mem::replace(&mut *first_render.borrow_mut(), false);
            if !first {
                use wasm_bindgen::JsCast as _;
                if let Some(main) = document
                    .get_element_by_id("main")
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                {
                    let _ = main.focus();
                }
            }
        }
    });
    html! {
        <>
            <a class="skip-link" href="#main">{ "Skip to main content" }</a>
            <Header />
            <main id="main" tabindex="-1">
                <Switch<Route> render={switch} />
            </main>
            <Footer />
        </>
    }
}
