//! # frontend — Trial Ledger's portal
//!
//! A Yew app compiled to wasm32 and bundled by `cargo xtask dist`: the static
//! shell (`www/index.html`) loads the wasm-bindgen glue and calls [`run`].
//!
//! Layout (after Yew's `function_todomvc`): [`app`] holds the routes and the
//! page shell, [`pages`] one component per route, [`components`] the shared
//! header and footer, and [`self_test`] the logic that is not DOM — the light
//! client's known-answer check with the `verifier` core.
#![forbid(unsafe_code)]

pub mod api;
pub mod app;
pub mod components;
pub mod hashing;
pub mod hooks;
pub mod idb;
pub mod keys;
pub mod light_client;
pub mod pages;
pub mod participant;
pub mod reviewer;
pub mod self_test;
pub mod sponsor;
pub mod state;
pub mod trial_check;
pub mod trial_view;
pub mod trust;

use wasm_bindgen::prelude::*;

/// The id of the element the shell provides for the app.
pub const ROOT_ID: &str = "app";

/// Starts the portal: renders [`app::App`] into `#app` (replacing the shell's
/// loading message), or into `<body>` when there is no such element.
#[wasm_bindgen]
pub fn run() {
    let document = web_sys::window().and_then(|w| w.document());
    match document.as_ref().and_then(|d| d.get_element_by_id(ROOT_ID)) {
        Some(root) => {
            root.set_inner_html("");
            yew::Renderer::<app::App>::with_root(root).render();
        }
        None => {
            yew::Renderer::<app::App>::new().render();
        }
    }
}
