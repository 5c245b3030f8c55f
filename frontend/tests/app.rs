//! The portal rendered into a `<div>` in headless Chromium: landmarks,
//! heading and navigation, routing, the 404 page, and the pure logic.
#![cfg(target_arch = "wasm32")]
// clippy.toml allows unwrap in `#[test]`s; it does not see `#[wasm_bindgen_test]`.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use frontend::app::{AppWithHistory, AppWithHistoryProps, Route};
use frontend::pages::trial::is_trial_id;
use frontend::self_test::{self, Outcome};
use wasm_bindgen::JsCast as _;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlElement};
use yew::platform::time::sleep;
use yew_router::history::{AnyHistory, History as _, MemoryHistory};

wasm_bindgen_test_configure!(run_in_browser);

/// A rendered app on an in-memory history starting at `path`.
struct Rendered {
    root: Element,
    history: MemoryHistory,
    handle: Option<yew::AppHandle<AppWithHistory>>,
}

impl Rendered {
    async fn at(path: &str) -> Rendered {
        let document = web_sys::window().unwrap().document().unwrap();
        let root = document.create_element("div").unwrap();
        document.body().unwrap().append_child(&root).unwrap();
        let history = MemoryHistory::with_entries(vec![path.to_owned()]);
        let handle = yew::Renderer::<AppWithHistory>::with_root_and_props(
            root.clone(),
            AppWithHistoryProps {
                history: AnyHistory::from(history.clone()),
            },
        )
        .render();
        let rendered = Rendered {
            root,
            history,
            handle: Some(handle),
        };
        rendered.settle().await;
        rendered
    }

    /// Lets Yew's scheduler run the pending renders.
    async fn settle(&self) {
        for _ in 0..5 {
            sleep(Duration::from_millis(10)).await;
        }
    }

    fn select(&self, selector: &str) -> Option<Element> {
        self.root.query_selector(selector).unwrap()
    }

    fn text(&self, selector: &str) -> String {
        self.select(selector)
            .unwrap_or_else(|| panic!("no {selector} in {}", self.root.inner_html()))
            .text_content()
            .unwrap_or_default()
    }
}

impl Drop for Rendered {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.destroy();
        }
        self.root.remove();
    }
}

#[wasm_bindgen_test]
async fn home_has_landmarks_heading_and_nav() {
    let app = Rendered::at("/").await;
    assert_eq!(app.text("main h1"), "Trial Ledger");
    assert!(app.select("header").is_some());
    assert!(app.select("footer").is_some());
    assert!(app.select("a.skip-link[href='#main']").is_some());
    let links: Vec<(String, Option<String>)> = {
        let list = app
            .root
            .query_selector_all("nav[aria-label='Main'] a")
            .unwrap();
        (0..list.length())
            .map(|i| {
                let a = list.item(i).unwrap().dyn_into::<Element>().unwrap();
                (
                    a.get_attribute("href").unwrap(),
                    a.get_attribute("aria-current"),
                )
            })
            .collect()
    };
    assert_eq!(
        links,
        vec![
            ("/".to_owned(), Some("page".to_owned())),
            ("/verify".to_owned(), None),
            ("/sponsor".to_owned(), None),
            ("/consents".to_owned(), None),
            ("/settings".to_owned(), None),
        ]
    );
    assert!(
        app.text("#self-test-result")
            .starts_with("Self-test passed"),
        "{}",
        app.text("#self-test-result")
    );
}

#[wasm_bindgen_test]
async fn nav_link_routes_in_app() {
    let app = Rendered::at("/").await;
    app.select("nav a[href='/verify']")
        .unwrap()
        .dyn_into::<HtmlElement>()
        .unwrap()
        .click();
    app.settle().await;
    assert_eq!(app.history.location().path(), "/verify");
    assert_eq!(app.text("main h1"), "Verify a trial");
    assert_eq!(
        app.select("nav a[href='/verify']")
            .unwrap()
            .get_attribute("aria-current")
            .as_deref(),
        Some("page")
    );
}

#[wasm_bindgen_test]
async fn routes_render_their_pages() {
    for (path, heading) in [
        ("/sponsor", "For sponsors"),
        ("/consents", "My consents"),
        ("/trials/TL-0123456789ABCDEF", "Trial TL-0123456789ABCDEF"),
        ("/trials/TL-X", "Trial TL-X"),
    ] {
        let app = Rendered::at(path).await;
        assert_eq!(app.text("main h1"), heading, "{path}");
    }
}

#[wasm_bindgen_test]
async fn unknown_path_shows_404_page() {
    let app = Rendered::at("/no/such/page").await;
    assert_eq!(app.text("main h1"), "Page not found");
    assert!(app.select("main a[href='/']").is_some());
}

#[wasm_bindgen_test]
fn route_titles() {
    assert_eq!(
        Route::Home.title(),
        "Trial Ledger — verifiable clinical-trial registry"
    );
    assert_eq!(
        Route::Trial { id: "TL-X".into() }.title(),
        "Trial TL-X — Trial Ledger"
    );
    assert_eq!(Route::NotFound.title(), "Page not found — Trial Ledger");
}

#[wasm_bindgen_test]
fn light_client_self_test_passes() {
    assert_eq!(self_test::run(), Outcome::Passed);
}

#[wasm_bindgen_test]
fn trial_ids() {
    assert!(is_trial_id("TL-0123456789ABCDEF"));
    assert!(is_trial_id("TL-VWXYZ0123456789A"));
    for bad in [
        "TL-X",
        "TL-0123456789abcdef",
        "TL-0123456789ABCDEI",
        "TL-0123456789ABCDEFG",
        "XX-0123456789ABCDEF",
        "",
    ] {
        assert!(!is_trial_id(bad), "{bad}");
    }
}
