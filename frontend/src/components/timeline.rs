//! The witnessed-time timeline, drawn as inline SVG.

use yew::prelude::*;

use crate::trial_view::TimelinePoint;

/// Props of [`Timeline`].
#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    /// Points, in log order.
    pub points: Vec<TimelinePoint>,
}

// Whole SVG user units: coordinates are written as integers, so the wasm
// carries no float formatting (about 8 KB gzipped) for a one-pixel rounding.
const WIDTH: i64 = 720;
const MARGIN: i64 = 40;
const AXIS_Y: i64 = 30;
const ROW: i64 = 22;

/// A horizontal time axis with one labelled mark per witnessed entry.
#[component]
pub fn Timeline(props: &TimelineProps) -> Html {
    if props.points.is_empty() {
        return html! { <p>{ "No entry has a witnessed time yet." }</p> };
    }
    let rows = i64::try_from(props.points.len()).unwrap_or(i64::MAX / ROW);
    let height = 50 + rows * ROW;
    // `p.x` is the position in [0, 1]; rounding to whole units is invisible.
    let x = |p: &TimelinePoint| MARGIN + (p.x * (WIDTH - 2 * MARGIN) as f64).round() as i64;
    let description = props
        .points
        .iter()
        .map(|p| format!("{} (entry {}) witnessed {}", p.kind, p.index, p.witnessed))
        .collect::<Vec<_>>()
        .join("; ");
    html! {
        <figure class="timeline">
            <svg viewBox={format!("0 0 {WIDTH} {height}")} role="img"
                 aria-labelledby="timeline-title timeline-desc" data-testid="timeline">
                <title id="timeline-title">{ "Timeline of witnessed times" }</title>
                <desc id="timeline-desc">{ description }</desc>
                <line x1={MARGIN.to_string()} y1={AXIS_Y.to_string()}
                      x2={(WIDTH - MARGIN).to_string()} y2={AXIS_Y.to_string()} class="axis" />
                { for props.points.iter().enumerate().map(|(i, p)| {
                    let cx = x(p);
                    let y = 50 + i64::try_from(i).unwrap_or(0) * ROW;
                    let anchor = if p.x > 0.6 { "end" } else { "start" };
                    let tx = if p.x > 0.6 { cx - 6 } else { cx + 6 };
                    let date = p.witnessed.get(..10).unwrap_or(&p.witnessed).to_owned();
                    html! {
                        <g class={classes!("mark", format!("kind-{}", p.kind))}>
                            <line x1={cx.to_string()} y1={AXIS_Y.to_string()} x2={cx.to_string()} y2={(y - 4).to_string()} />
                            <circle cx={cx.to_string()} cy={AXIS_Y.to_string()} r="5" />
                            <text x={tx.to_string()} y={y.to_string()} text-anchor={anchor}>
                                { format!("{} · {date}", p.kind) }
                            </text>
                        </g>
                    }
                }) }
            </svg>
            <figcaption>
                { "Each mark is the time by which the witnesses' quorum had cosigned a checkpoint \
                   containing the entry (its witnessed time)." }
            </figcaption>
        </figure>
    }
}
