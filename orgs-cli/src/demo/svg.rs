//! The demo's bar chart as an SVG file, written by hand: a few dozen lines of markup need no
//! plotting library.

use std::fmt::Write;

use super::chart::Bar;
use crate::markup::escape;

/// Width of the picture, in pixels.
const WIDTH: f64 = 760.0;
/// Where bars start (labels are right-aligned before it).
const BARS_X: f64 = 210.0;
/// Length of the longest bar.
const BARS_WIDTH: f64 = 400.0;
/// Top of the first bar.
const TOP: f64 = 84.0;
/// Height of a row, and of a bar in it.
const ROW: f64 = 46.0;
const BAR: f64 = 28.0;

/// GOV.UK's blue for cached columns, its dark grey for the uncached one.
const CACHED: &str = "#1d70b8";
const UNCACHED: &str = "#505a5f";

/// A horizontal bar chart of `bars` (values in milliseconds) with a title, a subtitle and lines
/// of notes under it, as a complete SVG document. The first bar is drawn as the uncached
/// baseline.
pub(crate) fn render(title: &str, subtitle: &str, notes: &[String], bars: &[Bar]) -> String {
    let max = bars.iter().map(|bar| bar.value).fold(0.0, f64::max);
    let step = tick_step(max);
    let height = TOP + ROW * bars.len() as f64 + 40.0 + 18.0 * notes.len() as f64;
    let scale = if max > 0.0 {
        BARS_WIDTH / (step * (max / step).ceil())
    } else {
        0.0
    };
    let mut svg = String::new();
    // `write!` to a String cannot fail.
    let _ = writeln!(
        svg,
        r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="Helvetica, Arial, sans-serif" font-size="14" fill="#0b0c0c">
<title>{title}</title>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="20" y="32" font-size="20" font-weight="bold">{title}</text>
<text x="20" y="54" fill="#505a5f">{subtitle}</text>"##,
        title = escape(title),
        subtitle = escape(subtitle),
    );
    // Grid lines at round values, labelled below the bars.
    let bottom = TOP + ROW * bars.len() as f64;
    let mut lines = 0;
    while scale > 0.0 && lines as f64 * step * scale <= BARS_WIDTH + 0.5 {
        // Multiplied, not summed, so that no rounding error builds up.
        let tick = lines as f64 * step;
        let x = BARS_X + tick * scale;
        let _ = writeln!(
            svg,
            r##"<line class="grid" x1="{x:.1}" y1="{top:.1}" x2="{x:.1}" y2="{bottom:.1}" stroke="#b1b4b6" stroke-width="1"/>
<text x="{x:.1}" y="{label_y:.1}" font-size="12" fill="#505a5f" text-anchor="middle">{label}</text>"##,
            top = TOP - 12.0,
            label_y = bottom + 16.0,
            label = escape(&tick_label(tick, step)),
        );
        lines += 1;
    }
    for (index, bar) in bars.iter().enumerate() {
        let y = TOP + ROW * index as f64;
        let length = (bar.value.max(0.0) * scale).max(1.0);
        let middle = y + BAR / 2.0 + 5.0;
        let fill = if index == 0 { UNCACHED } else { CACHED };
        let _ = writeln!(
            svg,
            r##"<text x="{label_x:.1}" y="{middle:.1}" text-anchor="end">{label}</text>
<rect class="bar" x="{BARS_X}" y="{y:.1}" width="{length:.1}" height="{BAR}" fill="{fill}" data-value="{value}"><title>{label}: {figure}</title></rect>
<text x="{figure_x:.1}" y="{middle:.1}" font-weight="bold">{figure}</text>"##,
            label_x = BARS_X - 10.0,
            label = escape(&bar.label),
            value = bar.value,
            figure = escape(&bar.figure),
            figure_x = BARS_X + length + 8.0,
        );
    }
    for (index, note) in notes.iter().enumerate() {
        let _ = writeln!(
            svg,
            r##"<text x="20" y="{y:.1}" font-size="12" fill="#505a5f">{note}</text>"##,
            y = bottom + 46.0 + 18.0 * index as f64,
            note = escape(note),
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// A round distance between grid lines (1, 2 or 5 times a power of ten) giving 3 to 8 lines.
fn tick_step(max: f64) -> f64 {
    if !(max > 0.0 && max.is_finite()) {
        return 1.0;
    }
    let rough = max / 4.0;
    let power = 10f64.powf(rough.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|factor| factor * power)
        .find(|step| *step >= rough)
        .unwrap_or(10.0 * power)
}

/// A grid line's label: microseconds below a millisecond, else milliseconds with as many
/// decimals as the step between lines has.
fn tick_label(tick: f64, step: f64) -> String {
    if tick == 0.0 {
        "0".to_owned()
    } else if tick < 0.9995 {
        format!("{:.0} µs", tick * 1000.0)
    } else {
        let decimals = (-step.log10().floor()).max(0.0) as usize;
        format!("{tick:.decimals$} ms")
    }
}

#[cfg(test)]
mod tests {
    use super::{Bar, render, tick_label, tick_step};

    fn bar(label: &str, value: f64) -> Bar {
        Bar {
            label: label.into(),
            value,
            figure: format!("{value} ms"),
        }
    }

    #[test]
    fn one_rect_per_bar_widths_to_scale() {
        let svg = render(
            "Title",
            "Subtitle",
            &["a <note> & more".to_owned()],
            &[bar("a", 60.0), bar("b", 30.0), bar("c", 0.0)],
        );
        assert!(svg.starts_with("<?xml"));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches(r#"<rect class="bar""#).count(), 3);
        // 60 fills the scale (grid lines every 20 ms up to 60): 400 px; 30 is half; 0 a hairline.
        assert!(svg.contains(r##"width="400.0" height="28" fill="#505a5f" data-value="60""##));
        assert!(svg.contains(r##"width="200.0" height="28" fill="#1d70b8" data-value="30""##));
        assert!(svg.contains(r#"width="1.0""#));
        assert!(svg.contains("a &lt;note&gt; &amp; more"));
    }

    #[test]
    fn grid_steps_are_round() {
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(close(tick_step(68.16), 20.0));
        assert!(close(tick_step(1.83), 0.5));
        assert!(close(tick_step(0.38), 0.1));
        assert!(close(tick_step(0.0), 1.0));
        assert_eq!(tick_label(0.5, 0.5), "500 µs");
        assert_eq!(tick_label(1.5, 0.5), "1.5 ms");
        assert_eq!(tick_label(3.0 * 0.1, 0.1), "300 µs");
        assert_eq!(tick_label(40.0, 20.0), "40 ms");
    }
}
