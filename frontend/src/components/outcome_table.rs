//! The outcome comparison table (the COMPare method): each pre-specified
//! outcome reported, changed or missing, each reported one added; whether a
//! change or addition came with a declared reason, and what changed. Shown
//! on trial pages and in the reviewer's report, from the verifier's
//! [`OutcomeRow`]s.

use verifier::compare::{OutcomeRow, OutcomeStatus};
use yew::prelude::*;

use crate::trial_view::enum_text;

/// Props of [`OutcomeTable`].
#[derive(Properties, PartialEq)]
pub struct OutcomeTableProps {
    /// The report's rows, in its order.
    pub outcomes: Vec<OutcomeRow>,
}

/// `<table data-testid="outcomes">`, one row per outcome with its status,
/// declared reason and changes as `data-` attributes for tests and tools.
#[component]
pub fn OutcomeTable(props: &OutcomeTableProps) -> Html {
    html! {
        <div class="table-scroll" tabindex="0" role="region" aria-label="Outcome comparison">
        <table class="outcomes" data-testid="outcomes">
            <thead><tr>
                <th scope="col">{ "Id" }</th>
                <th scope="col">{ "Outcome" }</th>
                <th scope="col">{ "Rank" }</th>
                <th scope="col">{ "Time frame" }</th>
                <th scope="col">{ "Status" }</th>
                <th scope="col">{ "Reason declared?" }</th>
                <th scope="col">{ "What changed" }</th>
            </tr></thead>
            <tbody>
                { for props.outcomes.iter().map(|row| {
                    let status = enum_text(&row.status);
                    let declared = match row.status {
                        OutcomeStatus::Changed | OutcomeStatus::Added if row.declared =>
                            format!("yes: {}", row.change_reason.clone().unwrap_or_default()),
                        OutcomeStatus::Changed | OutcomeStatus::Added => "no".to_owned(),
                        OutcomeStatus::Missing => "—".to_owned(),
                        OutcomeStatus::Reported => "not needed".to_owned(),
                    };
                    let changes = row.changes.iter()
                        .map(|c| format!("{}: \u{201c}{}\u{201d} → \u{201c}{}\u{201d}", enum_text(&c.field), c.registered, c.reported))
                        .collect::<Vec<_>>().join("; ");
                    html! {
                        <tr class={classes!(row.is_finding().then_some("finding"))}
                            data-status={enum_text(&row.status)} data-declared={row.declared.to_string()}
                            data-finding={row.is_finding().to_string()}
                            data-id={row.registered_id.clone().unwrap_or_default()}>
                            <td>{ row.registered_id.clone().unwrap_or_default() }</td>
                            <td>{ row.measure.clone() }</td>
                            <td>{ enum_text(&row.outcome_type) }</td>
                            <td>{ row.time_frame.clone() }</td>
                            <td>
                                { status }
                                if row.is_finding() { <strong class="finding-mark">{ " — finding" }</strong> }
                            </td>
                            <td>{ declared }</td>
                            <td>{ changes }</td>
                        </tr>
                    }
                }) }
            </tbody>
        </table>
        </div>
    }
}
