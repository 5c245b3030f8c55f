//! `/trials/:id`: one trial's record (not built yet; the id is checked).

use yew::prelude::*;

use crate::components::coming_soon::ComingSoon;

/// Number of Crockford base32 characters after `TL-` (DESIGN §2).
pub const TRIAL_ID_CHARS: usize = 16;

/// True for a well-formed trial id: `TL-` and 16 upper-case Crockford base32
/// characters (digits and letters except I, L, O, U).
pub fn is_trial_id(id: &str) -> bool {
    id.strip_prefix("TL-").is_some_and(|rest| {
        rest.len() == TRIAL_ID_CHARS
            && rest
                .bytes()
                .all(|b| b.is_ascii_digit() || (b.is_ascii_uppercase() && !b"ILOU".contains(&b)))
    })
}

/// Props of [`Trial`].
#[derive(Properties, PartialEq)]
pub struct TrialProps {
    /// The id from the address.
    pub id: AttrValue,
}

/// A trial's record.
#[component]
pub fn Trial(props: &TrialProps) -> Html {
    let title = format!("Trial {}", props.id);
    html! {
        <ComingSoon title={title}>
            if is_trial_id(&props.id) {
                <p>
                    { "This page will show the trial's registration, amendments, status and \
                       results, each checked against the ledger's witnessed checkpoints." }
                </p>
            } else {
                <p class="status status-warn">
                    { "This is not a well-formed trial id. Trial ids are \u{201c}TL-\u{201d} \
                       followed by 16 characters (digits and capital letters)." }
                </p>
            }
        </ComingSoon>
    }
}
