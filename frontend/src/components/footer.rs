//! Site footer.

use yew::prelude::*;

/// `<footer>`: what the site is, in one line, and the portal version.
#[component]
pub fn Footer() -> Html {
    html! {
        <footer class="site-footer">
            <div class="wrap">
                <p>
                    { "Trial Ledger is a transparency log: an append-only Merkle tree whose \
                       checkpoints independent witnesses cosign. Your browser checks what it \
                       shows; it does not have to trust this server." }
                </p>
                <p class="version">{ concat!("Portal version ", env!("CARGO_PKG_VERSION")) }</p>
            </div>
        </footer>
    }
}
