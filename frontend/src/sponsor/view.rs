//! Rendering of the workspace's forms: labelled inputs addressed by field
//! path, each with its error next to it (text, not colour alone), and the
//! WHO form, documents, consent options, amendment diff, status and
//! results sections. Event handlers only dispatch [`Action`]s.

use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::trial_view::readable_path;

use super::draft::DocumentDraft;
use super::form::FieldError;
use super::state::{Action, Task, Workspace};

/// What every input needs.
#[derive(Clone)]
pub struct Ctx<'a> {
    /// The workspace.
    pub ws: &'a Workspace,
    /// The current task's field errors (shown when `show`).
    pub errors: &'a [FieldError],
    /// Whether to show them.
    pub show: bool,
    /// Where actions go.
    pub dispatch: Callback<Action>,
}

/// The DOM id of the input at `path`: `trial.primary_outcomes[0].id` →
/// `f-trial-primary_outcomes-0-id`.
pub fn field_id(path: &str) -> String {
    let parts: Vec<&str> = path
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|p| !p.is_empty())
        .collect();
    format!("f-{}", parts.join("-"))
}

impl Ctx<'_> {
    /// The message for the input at `path`: a field error (when shown), or
    /// the registry's refusal naming it.
    pub fn error(&self, path: &str) -> Option<String> {
        if let Some(refusal) = &self.ws.refusal
            && let Some(p) = &refusal.path
        {
            let input = match self.ws.task {
                Task::Register => self.ws.draft.input_for(p),
                Task::Amend => self.ws.amend.input_for(p),
                _ => super::form::input_for(p),
            };
            if input == path {
                return Some(format!(
                    "Refused by the registry: {}",
                    refusal.field_message()
                ));
            }
        }
        if !self.show {
            return None;
        }
        let messages: Vec<&str> = self
            .errors
            .iter()
            .filter(|e| e.path == path)
            .map(|e| e.message.as_str())
            .collect();
        (!messages.is_empty()).then(|| messages.join("; "))
    }

    fn edit(&self, path: &str) -> Callback<String> {
        let path = path.to_owned();
        let dispatch = self.dispatch.clone();
        Callback::from(move |value: String| dispatch.emit(Action::Edit(path.clone(), value)))
    }
}

/// Options of a select: `(value, label)`.
pub type Choices = &'static [(&'static str, &'static str)];

/// Sexes.
pub const SEXES: Choices = &[("all", "All"), ("female", "Female"), ("male", "Male")];
/// Study types.
pub const STUDY_TYPES: Choices = &[
    ("interventional", "Interventional"),
    ("observational", "Observational"),
    ("expanded_access", "Expanded access"),
];
/// Recruitment statuses.
pub const RECRUITMENT: Choices = &[
    ("pending", "Pending (not yet recruiting)"),
    ("recruiting", "Recruiting"),
    ("enrolling_by_invitation", "Enrolling by invitation"),
    ("active_not_recruiting", "Active, not recruiting"),
    ("suspended", "Suspended"),
    ("terminated", "Terminated"),
    ("complete", "Complete"),
    ("withdrawn", "Withdrawn (before enrolment)"),
    ("other", "Other"),
];
/// Ethics review statuses.
pub const ETHICS: Choices = &[
    ("approved", "Approved"),
    ("not_approved", "Not approved"),
    ("pending", "Submitted, decision pending"),
    ("not_yet_submitted", "Not yet submitted"),
    ("not_required", "Not required"),
];
/// IPD sharing plans.
pub const IPD: Choices = &[("yes", "Yes"), ("no", "No"), ("undecided", "Undecided")];
/// Intervention kinds.
pub const INTERVENTION_KINDS: Choices = &[
    ("drug", "Drug"),
    ("device", "Device"),
    ("biological", "Biological"),
    ("procedure", "Procedure"),
    ("behavioral", "Behavioural"),
    ("dietary_supplement", "Dietary supplement"),
    ("radiation", "Radiation"),
    ("genetic", "Genetic"),
    ("diagnostic_test", "Diagnostic test"),
    ("combination_product", "Combination product"),
    ("other", "Other"),
];
/// Outcome ranks.
pub const OUTCOME_TYPES: Choices = &[
    ("primary", "Primary"),
    ("secondary", "Secondary"),
    ("other", "Other"),
];

fn described_by(id: &str, hint: bool, error: bool) -> Option<AttrValue> {
    let mut ids = Vec::new();
    if hint {
        ids.push(format!("{id}-hint"));
    }
    if error {
        ids.push(format!("{id}-error"));
    }
    (!ids.is_empty()).then(|| ids.join(" ").into())
}

fn label_html(label: &str, required: bool) -> Html {
    html! {
        <>
            { label.to_owned() }
            if required { <span class="required">{ " (required)" }</span> }
        </>
    }
}

fn error_html(id: &str, error: &Option<String>) -> Html {
    match error {
        Some(message) => html! {
            <p class="field-error" id={format!("{id}-error")} data-testid="field-error">
                <span class="field-error-mark" aria-hidden="true">{ "!" }</span>
                <span class="visually-hidden">{ "Error: " }</span>
                { message.clone() }
            </p>
        },
        None => html! {},
    }
}

/// How an input is shown.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One line.
    Line,
    /// A date (`YYYY-MM-DD` or `YYYY-MM`).
    Date,
    /// Several lines.
    Area(u32),
}

/// A labelled text input or textarea for `path`.
pub fn text(
    ctx: &Ctx<'_>,
    path: &str,
    label: &str,
    hint: Option<&str>,
    required: bool,
    kind: Kind,
) -> Html {
    let id = field_id(path);
    let error = ctx.error(path);
    let value = ctx.ws.text(path);
    let edit = ctx.edit(path);
    let invalid = error.as_ref().map(|_| "true");
    let testid = (path == "reason").then_some("amend-reason");
    let hint = match (kind, hint) {
        (Kind::Date, None) => Some("YYYY-MM-DD, or YYYY-MM for a month"),
        (_, h) => h,
    };
    let describedby = described_by(&id, hint.is_some(), error.is_some());
    let input = match kind {
        Kind::Area(rows) => {
            let oninput = Callback::from(move |e: InputEvent| {
                let area: HtmlTextAreaElement = e.target_unchecked_into();
                edit.emit(area.value());
            });
            html! {
                <textarea id={id.clone()} rows={rows.to_string()} {value} {oninput} data-testid={testid}
                          aria-describedby={describedby} aria-invalid={invalid}
                          required={required} />
            }
        }
        Kind::Line | Kind::Date => {
            let oninput = Callback::from(move |e: InputEvent| {
                let input: HtmlInputElement = e.target_unchecked_into();
                edit.emit(input.value());
            });
            let (inputmode, placeholder, size) = if kind == Kind::Date {
                (Some("numeric"), Some("YYYY-MM-DD"), Some("12"))
            } else {
                (None, None, None)
            };
            html! {
                <input id={id.clone()} type="text" {value} {oninput} inputmode={inputmode} data-testid={testid}
                       placeholder={placeholder} size={size} autocomplete="off"
                       aria-describedby={describedby} aria-invalid={invalid}
                       required={required} />
            }
        }
    };
    html! {
        <div class={classes!("field", error.is_some().then_some("has-error"), (kind == Kind::Date).then_some("field-date"))}>
            <label for={id.clone()}>{ label_html(label, required) }</label>
            if let Some(hint) = hint {
                <p class="hint" id={format!("{id}-hint")}>{ hint.to_owned() }</p>
            }
            { input }
            { error_html(&id, &error) }
        </div>
    }
}

/// A labelled select for `path`.
pub fn select(ctx: &Ctx<'_>, path: &str, label: &str, choices: Choices, required: bool) -> Html {
    let id = field_id(path);
    let error = ctx.error(path);
    let value = ctx.ws.text(path);
    let edit = ctx.edit(path);
    let onchange = Callback::from(move |e: Event| {
        let select: HtmlSelectElement = e.target_unchecked_into();
        edit.emit(select.value());
    });
    let known = choices.iter().any(|(v, _)| *v == value);
    html! {
        <div class={classes!("field", error.is_some().then_some("has-error"))}>
            <label for={id.clone()}>{ label_html(label, required) }</label>
            <select id={id.clone()} {onchange}
                    aria-describedby={described_by(&id, false, error.is_some())}
                    aria-invalid={error.as_ref().map(|_| "true")}>
                if !known {
                    <option value={value.clone()} selected=true>
                        { if value.is_empty() { "Choose…".to_owned() } else { value.clone() } }
                    </option>
                }
                { for choices.iter().map(|(v, l)| html! {
                    <option value={*v} selected={*v == value}>{ *l }</option>
                }) }
            </select>
            { error_html(&id, &error) }
        </div>
    }
}

/// A labelled checkbox for `path`.
pub fn checkbox(ctx: &Ctx<'_>, path: &str, label: &str, checked: bool) -> Html {
    let id = field_id(path);
    let dispatch = ctx.dispatch.clone();
    let p = path.to_owned();
    let onchange = Callback::from(move |e: Event| {
        let input: HtmlInputElement = e.target_unchecked_into();
        dispatch.emit(Action::Flag(p.clone(), input.checked()));
    });
    html! {
        <div class="field field-check">
            <input id={id.clone()} type="checkbox" {checked} {onchange} />
            <label for={id}>{ label.to_owned() }</label>
        </div>
    }
}

fn row_button(ctx: &Ctx<'_>, action: Action, text: String, testid: Option<&'static str>) -> Html {
    let dispatch = ctx.dispatch.clone();
    let onclick = Callback::from(move |_| dispatch.emit(action.clone()));
    html! {
        <button type="button" class="secondary" {onclick} data-testid={testid}>{ text }</button>
    }
}

/// A list-level error (e.g. "needs at least one primary outcome").
fn list_error(ctx: &Ctx<'_>, path: &str) -> Html {
    error_html(&field_id(path), &ctx.error(path))
}

/// The error summary: every problem, each a link to its input.
pub fn error_summary(ctx: &Ctx<'_>) -> Html {
    if !ctx.show || ctx.errors.is_empty() {
        return html! {};
    }
    html! {
        <div class="error-summary" role="alert" tabindex="-1" id="error-summary" data-testid="error-summary">
            <h3>{ format!("{} {} to fix before signing", ctx.errors.len(), if ctx.errors.len() == 1 { "problem" } else { "problems" }) }</h3>
            <ul>
                { for ctx.errors.iter().map(|e| html! {
                    <li><a href={format!("#{}", field_id(&e.path))}>{ format!("{}: {}", readable_path(e.path.trim_start_matches("trial.")), e.message) }</a></li>
                }) }
            </ul>
        </div>
    }
}

fn outcome_rows(
    ctx: &Ctx<'_>,
    list: &'static str,
    title: &str,
    add: &str,
    rows: usize,
    required: bool,
) -> Html {
    html! {
        <fieldset class="rows" id={field_id(list)}>
            <legend>{ label_html(title, required) }</legend>
            { list_error(ctx, list) }
            { for (0..rows).map(|i| {
                let p = |f: &str| format!("{list}[{i}].{f}");
                let name = ctx.ws.text(&p("id"));
                html! {
                    <div class="row-card" data-testid="outcome-row">
                        <div class="row-grid">
                            { text(ctx, &p("id"), "Id", None, true, Kind::Line) }
                            { text(ctx, &p("measure"), "Measure", None, true, Kind::Line) }
                            { text(ctx, &p("time_frame"), "Time frame", None, true, Kind::Line) }
                        </div>
                        { text(ctx, &p("description"), "Description (optional)", None, false, Kind::Area(2)) }
                        { row_button(ctx, Action::RemoveRow(list.to_owned(), i), format!("Remove outcome {name}"), None) }
                    </div>
                }
            }) }
            { row_button(ctx, Action::AddRow(list.to_owned()), add.to_owned(), None) }
        </fieldset>
    }
}

fn intervention_rows(ctx: &Ctx<'_>, draft: &super::draft::Draft) -> Html {
    let list = "trial.interventions";
    html! {
        <fieldset class="rows" id={field_id(list)}>
            <legend>{ "Interventions and comparators (item 13)" }</legend>
            { list_error(ctx, list) }
            { for draft.form.interventions.iter().enumerate().map(|(i, x)| {
                let p = |f: &str| format!("{list}[{i}].{f}");
                html! {
                    <div class="row-card">
                        <div class="row-grid">
                            { select(ctx, &p("kind"), "Kind", INTERVENTION_KINDS, true) }
                            { text(ctx, &p("name"), "Name", None, true, Kind::Line) }
                        </div>
                        { text(ctx, &p("description"), "Dose, duration, mode of administration", None, false, Kind::Area(2)) }
                        { checkbox(ctx, &p("comparator"), "Comparator or control (placebo, usual care, active control)", x.comparator) }
                        { row_button(ctx, Action::RemoveRow(list.to_owned(), i), format!("Remove intervention {}", i + 1), None) }
                    </div>
                }
            }) }
            { row_button(ctx, Action::AddRow(list.to_owned()), "Add intervention".to_owned(), None) }
        </fieldset>
    }
}

fn contact(ctx: &Ctx<'_>, base: &str, title: &str) -> Html {
    let p = |f: &str| format!("trial.{base}.{f}");
    html! {
        <fieldset class="group">
            <legend>{ title.to_owned() }</legend>
            <div class="row-grid">
                { text(ctx, &p("name"), "Name", None, true, Kind::Line) }
                { text(ctx, &p("affiliation"), "Affiliation", None, false, Kind::Line) }
                { text(ctx, &p("email"), "E-mail", None, false, Kind::Line) }
                { text(ctx, &p("phone"), "Telephone", None, false, Kind::Line) }
            </div>
            { text(ctx, &p("address"), "Postal address", None, false, Kind::Line) }
        </fieldset>
    }
}

/// The WHO Trial Registration Data Set form (items 3–24).
pub fn who_form(ctx: &Ctx<'_>, draft: &super::draft::Draft) -> Html {
    let f = &draft.form;
    html! {
        <div class="who-form">
            <fieldset class="group">
                <legend>{ "Titles (items 9–10)" }</legend>
                { text(ctx, "trial.public_title", "Public title", Some("For lay people"), true, Kind::Line) }
                { text(ctx, "trial.scientific_title", "Scientific title", Some("As in the protocol"), true, Kind::Line) }
                { text(ctx, "trial.acronym", "Acronym (optional)", None, false, Kind::Line) }
            </fieldset>
            <fieldset class="group">
                <legend>{ "Sponsors, funding and identifiers (items 3–6)" }</legend>
                { text(ctx, "trial.primary_sponsor", "Primary sponsor", None, true, Kind::Line) }
                { text(ctx, "trial.secondary_sponsors", "Secondary sponsors", Some("One per line"), false, Kind::Area(2)) }
                { text(ctx, "trial.funding_sources", "Sources of funding or material support", Some("One per line"), false, Kind::Area(2)) }
                { text(ctx, "trial.secondary_ids", "Secondary identifiers", Some("One per line, as \u{201c}issuer: identifier\u{201d}, e.g. \u{201c}ClinicalTrials.gov: NCT01234567\u{201d}"), false, Kind::Area(3)) }
            </fieldset>
            { contact(ctx, "public_contact", "Contact for public queries (item 7)") }
            { contact(ctx, "scientific_contact", "Contact for scientific queries (item 8)") }
            <fieldset class="group">
                <legend>{ "Countries and conditions (items 11–12)" }</legend>
                <div class="row-grid">
                    { text(ctx, "trial.countries", "Countries of recruitment", Some("One per line"), false, Kind::Area(3)) }
                    { text(ctx, "trial.conditions", "Health conditions studied", Some("One per line"), true, Kind::Area(3)) }
                </div>
            </fieldset>
            { intervention_rows(ctx, draft) }
            <fieldset class="group">
                <legend>{ "Eligibility (item 14)" }</legend>
                { text(ctx, "trial.eligibility.inclusion_criteria", "Inclusion criteria", None, true, Kind::Area(5)) }
                { text(ctx, "trial.eligibility.exclusion_criteria", "Exclusion criteria", None, false, Kind::Area(4)) }
                <div class="row-grid">
                    { select(ctx, "trial.eligibility.sex", "Sex", SEXES, true) }
                    { text(ctx, "trial.eligibility.minimum_age", "Minimum age", Some("e.g. 18 Years; empty: no limit"), false, Kind::Line) }
                    { text(ctx, "trial.eligibility.maximum_age", "Maximum age", Some("e.g. 75 Years; empty: no limit"), false, Kind::Line) }
                </div>
            </fieldset>
            <fieldset class="group">
                <legend>{ "Study type and design (item 15)" }</legend>
                <div class="row-grid">
                    { select(ctx, "trial.study_type", "Study type", STUDY_TYPES, true) }
                    { text(ctx, "trial.design.phase", "Phase", Some("e.g. phase3, phase1/phase2, na"), false, Kind::Line) }
                    { text(ctx, "trial.design.allocation", "Allocation", Some("randomized, non_randomized, na"), false, Kind::Line) }
                    { text(ctx, "trial.design.masking", "Masking", Some("e.g. double (participant, investigator)"), false, Kind::Line) }
                    { text(ctx, "trial.design.assignment", "Assignment", Some("e.g. parallel, crossover"), false, Kind::Line) }
                    { text(ctx, "trial.design.purpose", "Primary purpose", Some("e.g. treatment, prevention"), false, Kind::Line) }
                </div>
            </fieldset>
            <fieldset class="group">
                <legend>{ "Dates, size and status (items 16–18, 22)" }</legend>
                <div class="row-grid">
                    { text(ctx, "trial.date_of_first_enrolment", "Anticipated first enrolment", None, true, Kind::Date) }
                    { text(ctx, "trial.completion_date", "Anticipated completion (optional)", None, false, Kind::Date) }
                    { text(ctx, "trial.target_sample_size", "Target sample size", Some("Participants"), true, Kind::Line) }
                    { select(ctx, "trial.recruitment_status", "Recruitment status", RECRUITMENT, true) }
                </div>
            </fieldset>
            { outcome_rows(ctx, "trial.primary_outcomes", "Primary outcomes (item 19)",
                "Add a primary outcome", f.primary_outcomes.len(), true) }
            { outcome_rows(ctx, "trial.secondary_outcomes", "Key secondary outcomes (item 20)",
                "Add a secondary outcome", f.secondary_outcomes.len(), false) }
            <fieldset class="group" id="ethics">
                <legend>{ "Ethics review (item 21)" }</legend>
                <div class="row-grid">
                    { select(ctx, "trial.ethics_review.status", "Status", ETHICS, true) }
                    { text(ctx, "trial.ethics_review.date", "Date of approval or decision (optional)", None, false, Kind::Date) }
                </div>
                { text(ctx, "trial.ethics_review.committee.name", "Ethics committee", None, true, Kind::Line) }
                { text(ctx, "trial.ethics_review.committee.contact", "Committee contact (optional)", Some("Address, e-mail or telephone"), false, Kind::Line) }
            </fieldset>
            <fieldset class="group">
                <legend>{ "Individual participant data sharing (item 24)" }</legend>
                { select(ctx, "trial.ipd_sharing.plan", "Will IPD be shared?", IPD, true) }
                { text(ctx, "trial.ipd_sharing.description", "What, when, with whom and how", Some("Required when the plan is yes"), false, Kind::Area(3)) }
            </fieldset>
        </div>
    }
}

/// One document row: name, role, version, hashing progress, hash.
pub fn document_rows(ctx: &Ctx<'_>, docs: &[DocumentDraft], roles: Choices) -> Html {
    if docs.is_empty() {
        return html! { <p class="note" id={field_id("documents")}>{ "No documents yet." }</p> };
    }
    html! {
        <ul class="documents" data-testid="documents" id={field_id("documents")}>
            { for docs.iter().enumerate().map(|(i, d)| {
                let base = format!("documents[{i}]");
                let error = ctx.error(&base);
                let done = d.sha256.as_ref().map_or(d.hashed.unwrap_or(0), |_| d.size.max(1));
                let max = d.size.max(1);
                let progress_id = format!("{}-progress", field_id(&base));
                html! {
                    <li class={classes!("document", error.is_some().then_some("has-error"))} id={field_id(&base)}>
                        <div class="document-head">
                            <strong class="document-name">{ d.name.clone() }</strong>
                            <span class="note">{ format!(" {}", human_size(d.size)) }</span>
                            if d.carried {
                                <span class="badge">{ "current version, restated" }</span>
                            }
                        </div>
                        if d.carried {
                            <p class="note">{ format!("Role: {} · version {}", d.role, if d.version.is_empty() { "—" } else { &d.version }) }</p>
                        } else {
                            <div class="row-grid">
                                { select(ctx, &format!("{base}.role"), "Role", roles, true) }
                                { text(ctx, &format!("{base}.version"), "Version", None, d.role == verifier::statement::ROLE_CONSENT_FORM, Kind::Line) }
                            </div>
                        }
                        <div class="hash-line">
                            <label for={progress_id.clone()}>{ if d.sha256.is_some() { "Hashed" } else { "Hashing in your browser" } }</label>
                            <progress id={progress_id} data-testid="hash-progress" max={max.to_string()} value={done.to_string()}>
                                { format!("{}%", done * 100 / max) }
                            </progress>
                        </div>
                        if let Some(sha) = &d.sha256 {
                            <p class="hash"><span class="note">{ "SHA-256 " }</span><code data-testid="document-sha256">{ sha.clone() }</code></p>
                        }
                        { error_html(&field_id(&base), &error) }
                        if !d.carried || ctx.ws.task == Task::Amend {
                            { row_button(ctx, Action::RemoveRow("documents".to_owned(), i), format!("Remove {}", d.name), None) }
                        }
                    </li>
                }
            }) }
        </ul>
    }
}

/// The consent-form option editors.
pub fn consent_editors(ctx: &Ctx<'_>, draft: &super::draft::Draft) -> Html {
    if draft.consent_forms.is_empty() {
        return html! {
            <p class="note">{ "Add a document with the role \u{201c}Consent form\u{201d} to list the choices participants make." }</p>
        };
    }
    html! {
        <>
            { for draft.consent_forms.iter().enumerate().map(|(i, form)| {
                let base = format!("consent_forms[{i}]");
                html! {
                    <fieldset class="rows" data-testid="consent-options">
                        <legend>{ format!("Choices on {}", form.subject) }</legend>
                        { text(ctx, &format!("{base}.language"), "Language", Some("BCP 47 tag, e.g. en, fr-CA"), true, Kind::Line) }
                        { list_error(ctx, &format!("{base}.options")) }
                        { for form.options.iter().enumerate().map(|(j, o)| {
                            let p = |f: &str| format!("{base}.options[{j}].{f}");
                            html! {
                                <div class="row-card">
                                    <div class="row-grid">
                                        { text(ctx, &p("id"), "Option id", Some("e.g. participate, future-research"), true, Kind::Line) }
                                        { text(ctx, &p("label"), "What the participant agrees to", None, true, Kind::Line) }
                                    </div>
                                    { checkbox(ctx, &p("required"), "Required to take part", o.required) }
                                    { row_button(ctx, Action::RemoveRow(format!("{base}.options"), j), format!("Remove option {}", j + 1), None) }
                                </div>
                            }
                        }) }
                        { row_button(ctx, Action::AddRow(format!("{base}.options")), "Add option".to_owned(), None) }
                    </fieldset>
                }
            }) }
        </>
    }
}

/// The amendment's field-by-field changes.
pub fn amend_diff(ctx: &Ctx<'_>) -> Html {
    let diff = ctx.ws.amendment_diff();
    html! {
        <section class="amend-diff" data-testid="amend-diff" aria-labelledby="diff-heading" id={field_id("amend-diff")}>
            <h3 id="diff-heading">{ "What this amendment changes" }</h3>
            { list_error(ctx, "amend-diff") }
            if diff.is_empty() {
                <p class="note">{ "Nothing yet: the form shows the registration as it currently stands." }</p>
            } else {
                <div class="table-scroll" tabindex="0" role="region" aria-label="Amendment changes">
                    <table>
                        <thead><tr><th scope="col">{ "Field" }</th><th scope="col">{ "Now" }</th><th scope="col">{ "After the amendment" }</th></tr></thead>
                        <tbody>
                            { for diff.iter().map(|c| html! {
                                <tr>
                                    <th scope="row">{ c.field.clone() }</th>
                                    <td>{ c.before.clone().unwrap_or_else(|| "(none)".to_owned()) }</td>
                                    <td>{ c.after.clone().unwrap_or_else(|| "(removed)".to_owned()) }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                </div>
            }
        </section>
    }
}

/// The status update form.
pub fn status_form(ctx: &Ctx<'_>) -> Html {
    html! {
        <fieldset class="group">
            <legend>{ "Status update" }</legend>
            { select(ctx, "recruitment_status", "Recruitment status", RECRUITMENT, true) }
            <div class="row-grid">
                { text(ctx, "actual_first_enrolment", "Actual date of first enrolment", Some("When the first participant was enrolled: this decides whether the registration was prospective. YYYY-MM-DD or YYYY-MM."), false, Kind::Date) }
                { text(ctx, "actual_completion", "Actual completion date", Some("Last participant's last visit. YYYY-MM-DD or YYYY-MM."), false, Kind::Date) }
            </div>
        </fieldset>
    }
}

/// The results form.
pub fn results_form(ctx: &Ctx<'_>) -> Html {
    let ws = ctx.ws;
    let record = ws.current_record();
    html! {
        <>
            <fieldset class="rows" id={field_id("rows")}>
                <legend>{ "Outcomes" }</legend>
                <p class="hint">{ "Each pre-specified outcome is offered as registered. An outcome reported with another measure, time frame or rank, or one that was not pre-specified, must say why: reviewers see undeclared changes as findings." }</p>
                { list_error(ctx, "rows") }
                { for ws.results.rows.iter().enumerate().map(|(i, row)| {
                    let p = |f: &str| format!("rows[{i}].{f}");
                    let needs = record.and_then(|r| row.needs_reason(r));
                    let title = match &row.registered_id {
                        Some(id) => format!("Pre-specified outcome {id}"),
                        None => "Outcome not pre-specified".to_owned(),
                    };
                    html! {
                        <div class={classes!("row-card", (!row.include).then_some("excluded"))} data-testid="result-row">
                            <h4>{ title }</h4>
                            if row.registered_id.is_some() {
                                { checkbox(ctx, &p("include"), "Report this outcome", row.include) }
                            }
                            if row.include {
                                <div class="row-grid">
                                    { text(ctx, &p("measure"), "Measure", None, true, Kind::Line) }
                                    { select(ctx, &p("type"), "Rank", OUTCOME_TYPES, true) }
                                    { text(ctx, &p("time_frame"), "Time frame", None, true, Kind::Line) }
                                </div>
                                { text(ctx, &p("result"), "Result", Some("Estimate and interval, or a reference into a result document"), true, Kind::Area(2)) }
                                { text(ctx, &p("change_reason"),
                                       if needs == Some(true) { "Reason for the change (required)" } else { "Reason for a change (only if it differs)" },
                                       if needs == Some(true) { Some(if row.registered_id.is_some() { "This outcome differs from its registration." } else { "This outcome was not pre-specified." }) } else { None },
                                       needs == Some(true), Kind::Line) }
                            } else {
                                <p class="note">{ "Not reported: the outcome comparison will list it as missing." }</p>
                            }
                            if row.registered_id.is_none() {
                                { row_button(ctx, Action::RemoveRow("rows".to_owned(), i), "Remove this outcome".to_owned(), None) }
                            }
                        </div>
                    }
                }) }
                { row_button(ctx, Action::AddRow("rows".to_owned()), "Add an outcome that was not pre-specified".to_owned(), Some("add-result-row")) }
            </fieldset>
            { text(ctx, "summary", "Summary of the results in plain language (item 23)", None, true, Kind::Area(4)) }
        </>
    }
}

/// `1536` → `1.5 KiB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_sizes() {
        assert_eq!(
            field_id("trial.primary_outcomes[0].id"),
            "f-trial-primary_outcomes-0-id"
        );
        assert_eq!(
            field_id("consent_forms[1].options[2].label"),
            "f-consent_forms-1-options-2-label"
        );
        assert_eq!(field_id("amend-diff"), "f-amend-diff");
        assert_eq!(human_size(10), "10 bytes");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(5 << 20), "5.0 MiB");
    }
}
