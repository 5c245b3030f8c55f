//! The alarm banner: every problem the light client or a trial page
//! detected during this visit, prominent and never dismissed.

use yew::prelude::*;

use crate::state::AlarmNotice;

/// Props of [`AlarmBanner`].
#[derive(Properties, PartialEq)]
pub struct AlarmBannerProps {
    /// The alarms, oldest first.
    pub alarms: Vec<AlarmNotice>,
}

/// `role="alert"` banner listing each alarm (nothing when there is none).
#[component]
pub fn AlarmBanner(props: &AlarmBannerProps) -> Html {
    if props.alarms.is_empty() {
        return html! {};
    }
    let kinds = props
        .alarms
        .iter()
        .map(|a| a.kind.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    html! {
        <section class="alarm" data-testid="alarm" data-kinds={kinds} role="alert"
                 aria-labelledby="alarm-heading">
            <h2 id="alarm-heading">{ "Verification alarm" }</h2>
            <p>
                { "This browser detected a problem with what the registry served. Do not rely \
                   on the affected information; the details below say what was detected." }
            </p>
            <ul>
                { for props.alarms.iter().map(|a| html! {
                    <li data-kind={a.kind.clone()}>
                        <strong>{ a.headline.clone() }</strong>
                        { " (" }{ a.context.clone() }{ "): " }
                        { a.detail.clone() }
                    </li>
                }) }
            </ul>
        </section>
    }
}
