//! `/`: what the registry is and how it works.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::app::Route;
use crate::self_test::{self, Outcome};

/// The home page.
#[component]
pub fn Home() -> Html {
    let outcome = use_memo((), |()| self_test::run());
    html! {
        <article class="page home">
            <h1>{ "Trial Ledger" }</h1>
            <p class="lede">
                { "A clinical-trial registry whose history cannot be rewritten, and which \
                   anyone can check without trusting whoever runs it." }
            </p>

            <section aria-labelledby="how">
                <h2 id="how">{ "How it works" }</h2>
                <ul class="cards">
                    <li>
                        <h3>{ "Sponsors pre-register" }</h3>
                        <p>
                            { "Before the first participant enrols, a sponsor signs the trial's \
                               protocol and its pre-specified outcomes into the ledger. Amendments \
                               and, later, the hashes of the results are appended to the same \
                               history, never edited in place." }
                        </p>
                    </li>
                    <li>
                        <h3>{ "Participants consent in their browser" }</h3>
                        <p>
                            { "Consent is given, reviewed and withdrawn in the participant's own \
                               browser. Keys and records stay there; the ledger only receives a \
                               blinded commitment that proves when consent was given." }
                        </p>
                    </li>
                    <li>
                        <h3>{ "Reviewers verify offline" }</h3>
                        <p>
                            { "Journal editors, regulators and meta-researchers download a trial's \
                               evidence bundle and check, with no network, that the reported \
                               results match what was registered before the trial began." }
                        </p>
                    </li>
                </ul>
            </section>

            <section aria-labelledby="why">
                <h2 id="why">{ "A transparency log with witnesses" }</h2>
                <p>
                    { "The ledger is not a blockchain. It is an append-only Merkle tree, like \
                       Certificate Transparency's, whose signed checkpoints are cosigned by \
                       independent witnesses — ethics committees, journals, regulators. A \
                       witness signs only a checkpoint that extends the one it saw before, so \
                       the registry cannot show different histories to different people, and \
                       the witnesses' signatures date every entry." }
                </p>
                <p>
                    { "This portal is a light client: it holds the log's and the witnesses' \
                       public keys and checks every fact it shows with a few hashes and \
                       signatures, never the whole ledger." }
                </p>
                <p>
                    <Link<Route> to={Route::Verify}>{ "Verify a trial's evidence" }</Link<Route>>
                </p>
            </section>

            <section aria-labelledby="self-test">
                <h2 id="self-test">{ "Checked in your browser" }</h2>
                {
                    match &*outcome {
                        Outcome::Passed => html! {
                            <p class="status status-ok" id="self-test-result">
                                { "Self-test passed: the verifier compiled into this page \
                                   recomputed the RFC 6962 reference tree's root and verified \
                                   an inclusion proof. No ledger data has been checked yet." }
                            </p>
                        },
                        Outcome::Failed(reason) => html! {
                            <p class="status status-alarm" id="self-test-result" role="alert">
                                { "Self-test FAILED: " }{ reason.clone() }
                                { ". Do not rely on anything this browser verifies." }
                            </p>
                        },
                    }
                }
            </section>
        </article>
    }
}
