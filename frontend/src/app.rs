//! Routes and the page shell (skip link, header, `<main>`, footer).

use yew::prelude::*;
use yew_router::history::AnyHistory;
use yew_router::prelude::*;

use crate::components::alarm::AlarmBanner;
use crate::components::footer::Footer;
use crate::components::header::Header;
use crate::components::log_status::LogStatusLine;
use crate::hooks::{AppHandle, check_log, load_policies};
#[cfg(feature = "bench")]
use crate::pages::bench::Bench;
use crate::pages::not_found::NotFound;
#[cfg(feature = "sponsor")]
use crate::pages::sponsor::Sponsor;
#[cfg(feature = "participant")]
use crate::pages::{consent::Consent, consent_verify::ConsentVerify, consents::Consents};
#[cfg(feature = "portal")]
use crate::pages::{home::Home, trial::Trial};
#[cfg(feature = "reviewer")]
use crate::pages::{settings::Settings, verify::Verify};
use crate::state::AppState;

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
    /// Study sites: verify a participant's consent receipt.
    #[at("/consents/verify")]
    ConsentVerify,
    /// Participants: give consent to one trial.
    #[at("/trials/:id/consent")]
    Consent {
        /// `TL-…` trial id.
        id: String,
    },
    /// Trust policies: the compiled one and the user's additions.
    #[at("/settings")]
    Settings,
    /// In-browser performance measurements.
    #[at("/bench")]
    Bench,
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
            Route::ConsentVerify => "Verify a consent receipt".to_owned(),
            Route::Consent { id } => format!("Consent to trial {id}"),
            Route::Settings => "Trust settings".to_owned(),
            Route::Bench => "Benchmark".to_owned(),
            Route::Trial { id } => format!("Trial {id}"),
            Route::NotFound => "Page not found".to_owned(),
        };
        format!("{page} — {SITE_NAME}")
    }
}

fn switch(route: Route) -> Html {
    match route {
        Route::Sponsor => sponsor_page(),
        Route::Bench => bench_page(),
        Route::Verify | Route::Settings => reviewer_page(route),
        Route::Consents | Route::ConsentVerify | Route::Consent { .. } => participant_page(route),
        Route::NotFound => html! { <NotFound /> },
        public => public_page(public),
    }
}

/// Which bundle serves `path`: `sponsor` (the sponsor workspace),
/// `reviewer` (`/verify` with the evidence report, and the trust settings
/// `/settings`), `participant` (consent: `/consents…` and
/// `/trials/{id}/consent`), `bench` (the benchmark page, which signs test
/// checkpoints and so carries Ed25519 signing tables) or `frontend`
/// (everything else). `www/boot.js` makes the same choice.
pub fn bundle_for_path(path: &str) -> &'static str {
    let under = |prefix: &str| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    let consent_page = path
        .strip_prefix("/trials/")
        .and_then(|rest| rest.strip_suffix("/consent"))
        .is_some_and(|id| !id.is_empty() && !id.contains('/'));
    if under("/sponsor") {
        "sponsor"
    } else if under("/verify") || under("/settings") {
        "reviewer"
    } else if under("/consents") || consent_page {
        "participant"
    } else if under("/bench") {
        "bench"
    } else {
        "frontend"
    }
}

#[cfg(feature = "participant")]
fn participant_page(route: Route) -> Html {
    match route {
        Route::Consents => html! { <Consents /> },
        Route::ConsentVerify => html! { <ConsentVerify /> },
        Route::Consent { id } => html! { <Consent {id} /> },
        _ => html! { <NotFound /> },
    }
}

#[cfg(not(feature = "participant"))]
fn participant_page(_route: Route) -> Html {
    html! { <OtherBundle /> }
}

#[cfg(feature = "reviewer")]
fn reviewer_page(route: Route) -> Html {
    match route {
        Route::Verify => html! { <Verify /> },
        Route::Settings => html! { <Settings /> },
        _ => html! { <NotFound /> },
    }
}

#[cfg(not(feature = "reviewer"))]
fn reviewer_page(_route: Route) -> Html {
    html! { <OtherBundle /> }
}

#[cfg(feature = "bench")]
fn bench_page() -> Html {
    html! { <Bench /> }
}

#[cfg(not(feature = "bench"))]
fn bench_page() -> Html {
    html! { <OtherBundle /> }
}

#[cfg(feature = "sponsor")]
fn sponsor_page() -> Html {
    html! { <Sponsor /> }
}

#[cfg(not(feature = "sponsor"))]
fn sponsor_page() -> Html {
    html! { <OtherBundle /> }
}

#[cfg(feature = "portal")]
fn public_page(route: Route) -> Html {
    match route {
        Route::Home => html! { <Home /> },
        Route::Trial { id } => html! { <Trial {id} /> },
        _ => html! { <NotFound /> },
    }
}

#[cfg(not(feature = "portal"))]
fn public_page(_route: Route) -> Html {
    html! { <OtherBundle /> }
}

/// A route served by the other bundle: the router has already put its
/// address in the location bar, so reloading loads that bundle.
#[cfg(not(all(
    feature = "portal",
    feature = "reviewer",
    feature = "sponsor",
    feature = "participant",
    feature = "bench"
)))]
#[component]
fn OtherBundle() -> Html {
    use_effect_with((), |()| {
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    });
    html! { <p class="loading" role="status">{ "Loading…" }</p> }
}

/// The portal on the browser's address bar.
#[component]
pub fn App() -> Html {
    html! {
        <StateProvider>
            <BrowserRouter>
                <Shell />
            </BrowserRouter>
        </StateProvider>
    }
}

/// Props of [`StateProvider`].
#[derive(Properties, PartialEq)]
pub struct StateProviderProps {
    /// The app.
    pub children: Html,
}

/// Provides [`AppState`]; on start loads the pinned policies, and whenever
/// they change runs a light-client check of the registry's log.
#[component]
pub fn StateProvider(props: &StateProviderProps) -> Html {
    let app = use_reducer(AppState::default);
    {
        let app = app.clone();
        use_effect_with((), move |()| {
            wasm_bindgen_futures::spawn_local(load_policies(app));
        });
    }
    {
        let app = app.clone();
        let generation = app.generation;
        use_effect_with(generation, move |_| {
            if let Some(policies) = app.policies.clone() {
                wasm_bindgen_futures::spawn_local(async move {
                    check_log(app, policies, "log check").await;
                });
            }
        });
    }
    html! {
        <ContextProvider<AppHandle> context={app}>
            { props.children.clone() }
        </ContextProvider<AppHandle>>
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
        <StateProvider>
            <Router history={props.history.clone()}>
                <Shell />
            </Router>
        </StateProvider>
    }
}

/// Skip link, header, the routed page in `<main>`, footer. Keeps the document
/// title in step with the route and, after an in-app navigation, moves focus
/// to `<main>` so that screen readers announce the new page.
#[component]
fn Shell() -> Html {
    let route = use_route::<Route>().unwrap_or(Route::NotFound);
    let app = crate::hooks::use_app();
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
            <LogStatusLine />
            <div class="wrap"><AlarmBanner alarms={app.alarms.clone()} /></div>
            <main id="main" tabindex="-1">
                <Switch<Route> render={switch} />
            </main>
            <Footer />
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::bundle_for_path;

    #[test]
    fn each_journey_has_its_own_bundle() {
        assert_eq!(bundle_for_path("/sponsor"), "sponsor");
        assert_eq!(bundle_for_path("/sponsor/trials/TL-1"), "sponsor");
        assert_eq!(bundle_for_path("/sponsorship"), "frontend");
        assert_eq!(bundle_for_path("/"), "frontend");
        assert_eq!(bundle_for_path("/trials/TL-1"), "frontend");
        assert_eq!(bundle_for_path("/bench"), "bench");
        assert_eq!(bundle_for_path("/verify"), "reviewer");
        assert_eq!(bundle_for_path("/verifying"), "frontend");
        assert_eq!(bundle_for_path("/settings"), "reviewer");
        assert_eq!(bundle_for_path("/consents"), "participant");
        assert_eq!(bundle_for_path("/consents/verify"), "participant");
        assert_eq!(bundle_for_path("/trials/TL-1/consent"), "participant");
        assert_eq!(bundle_for_path("/trials/consent"), "frontend");
        assert_eq!(bundle_for_path("/trials/TL-1/consents"), "frontend");
    }
}
