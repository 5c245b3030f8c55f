//! A page whose journey is not built yet: its heading, what it will do, and
//! an honest note that it is not there.

use yew::prelude::*;

/// Props of [`ComingSoon`].
#[derive(Properties, PartialEq)]
pub struct ComingSoonProps {
    /// The page's `<h1>`.
    pub title: AttrValue,
    /// What the page will let people do.
    pub children: Html,
}

/// A titled placeholder page.
#[component]
pub fn ComingSoon(props: &ComingSoonProps) -> Html {
    html! {
        <article class="page">
            <h1>{ props.title.clone() }</h1>
            { props.children.clone() }
            <p class="notice" role="note">
                <strong>{ "Not available yet. " }</strong>
                { "This part of the portal is being built; nothing on this page works yet." }
            </p>
        </article>
    }
}
