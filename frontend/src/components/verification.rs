//! A trial's verification state and the list of every check.

use yew::prelude::*;

/// One row of the checks list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRow {
    /// The check's stable name (`entry.inclusion`, `head.consistent`, …).
    pub name: String,
    /// Passed?
    pub ok: bool,
    /// What was found.
    pub detail: String,
    /// The entry's log index, for per-entry checks.
    pub index: Option<u64>,
    /// A failure is a finding about the trial, not a failure of the evidence.
    pub finding: bool,
}

/// The trial's overall state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerificationState {
    /// Every check passed and every listed entry is in the verified bundle.
    Verified,
    /// What is there verified, but some entries are not yet anchored in a
    /// witnessed checkpoint.
    Pending,
    /// A check failed.
    Failed,
}

impl VerificationState {
    /// `verified`, `pending` or `failed` (the `data-state`).
    pub fn as_str(self) -> &'static str {
        match self {
            VerificationState::Verified => "verified",
            VerificationState::Pending => "pending",
            VerificationState::Failed => "failed",
        }
    }
}

/// Props of [`VerificationPanel`].
#[derive(Properties, PartialEq)]
pub struct VerificationPanelProps {
    /// The state.
    pub state: VerificationState,
    /// One sentence on what it means.
    pub summary: AttrValue,
    /// Every check.
    pub checks: Vec<CheckRow>,
    /// Findings about the trial (outcome changes, retrospective registration).
    #[prop_or_default]
    pub findings: Vec<String>,
}

/// `data-testid="verification"` with `data-state`, and a details panel.
#[component]
pub fn VerificationPanel(props: &VerificationPanelProps) -> Html {
    let state = props.state.as_str();
    let (icon, label) = match props.state {
        VerificationState::Verified => ("✓", "Verified in your browser"),
        VerificationState::Pending => ("…", "Partly verified: entries pending"),
        VerificationState::Failed => ("✗", "Verification FAILED"),
    };
    let failed = props.checks.iter().filter(|c| !c.ok && !c.finding).count();
    let findings = props.checks.iter().filter(|c| !c.ok && c.finding).count();
    html! {
        <section class={classes!("verification", format!("verification-{state}"))}
                 data-testid="verification" data-state={state} aria-labelledby="verification-heading">
            <h2 id="verification-heading">
                <span aria-hidden="true" class="verification-icon">{ icon }</span>{ " " }{ label }
            </h2>
            <p>{ props.summary.clone() }</p>
            if !props.findings.is_empty() {
                <div class="findings">
                    <h3>{ "Findings" }</h3>
                    <ul>{ for props.findings.iter().map(|f| html! { <li>{ f.clone() }</li> }) }</ul>
                </div>
            }
            <details data-testid="checks">
                <summary>
                    { format!("All {} checks ({failed} failed, {findings} findings)", props.checks.len()) }
                </summary>
                <table class="checks">
                    <thead><tr>
                        <th scope="col">{ "Check" }</th>
                        <th scope="col">{ "Entry" }</th>
                        <th scope="col">{ "Result" }</th>
                        <th scope="col">{ "Detail" }</th>
                    </tr></thead>
                    <tbody>
                        { for props.checks.iter().map(|c| html! {
                            <tr class={match (c.ok, c.finding) { (true, _) => "ok", (false, true) => "finding", (false, false) => "fail" }}
                                data-check={c.name.clone()} data-ok={c.ok.to_string()}>
                                <td><code>{ c.name.clone() }</code></td>
                                <td>{ c.index.map(|i| i.to_string()).unwrap_or_default() }</td>
                                <td>
                                    <span aria-hidden="true">{ match (c.ok, c.finding) { (true, _) => "✓", (false, true) => "⚠", (false, false) => "✗" } }</span>
                                    <span class="visually-hidden">{ match (c.ok, c.finding) { (true, _) => "passed", (false, true) => "finding", (false, false) => "failed" } }</span>
                                </td>
                                <td>{ c.detail.clone() }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </details>
        </section>
    }
}
