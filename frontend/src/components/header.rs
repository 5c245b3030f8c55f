//! Site header: the name (a link home) and the main navigation.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::app::{Route, SITE_NAME};

/// The main navigation's entries.
pub const NAV: [(Route, &str); 5] = [
    (Route::Home, "Home"),
    (Route::Verify, "Verify a trial"),
    (Route::Sponsor, "For sponsors"),
    (Route::Consents, "My consents"),
    (Route::Settings, "Trust settings"),
];

/// `<header>` with the site name and `<nav aria-label="Main">`.
#[component]
pub fn Header() -> Html {
    let current = use_route::<Route>();
    html! {
        <header class="site-header">
            <div class="wrap">
                <Link<Route> to={Route::Home} classes="brand">
                    <img src="/favicon.svg" alt="" width="28" height="28" />
                    <span>{ SITE_NAME }</span>
                </Link<Route>>
                <nav aria-label="Main">
                    <ul>
                        { for NAV.iter().map(|(route, label)| html! {
                            <li><NavLink to={route.clone()} current={current.as_ref() == Some(route)} label={*label} /></li>
                        }) }
                    </ul>
                </nav>
            </div>
        </header>
    }
}

#[derive(Properties, PartialEq)]
struct NavLinkProps {
    to: Route,
    current: bool,
    label: &'static str,
}

/// A navigation link that marks the current page with `aria-current="page"`
/// and navigates in-app on a plain click.
#[component]
fn NavLink(props: &NavLinkProps) -> Html {
    let navigator = use_navigator();
    let onclick = {
        let to = props.to.clone();
        Callback::from(move |e: MouseEvent| {
            if e.button() != 0 || e.meta_key() || e.ctrl_key() || e.shift_key() || e.alt_key() {
                return;
            }
            if let Some(navigator) = &navigator {
                e.prevent_default();
                navigator.push(&to);
            }
        })
    };
    html! {
        <a href={props.to.to_path()}
           aria-current={props.current.then_some("page")}
           {onclick}>
            { props.label }
        </a>
    }
}
