//! A horizontal bar chart in plain text: Unicode block characters, an eighth of a cell at a
//! time, so bars are drawn to scale without any graphics library.

use anstyle::{AnsiColor, Style};

/// Cells of the longest bar.
pub(crate) const WIDTH: usize = 40;

/// The block characters from one eighth of a cell to a full cell.
pub(crate) const BLOCKS: [char; 8] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'];

/// One bar: its label, its value (which sets its length) and the figure printed after it.
#[derive(Debug, Clone)]
pub(crate) struct Bar {
    pub(crate) label: String,
    pub(crate) value: f64,
    pub(crate) figure: String,
}

/// `bars` as lines of text (labels aligned, figures after the bars), the longest bar
/// [`WIDTH`] cells; in colour when `color`. No trailing spaces.
pub(crate) fn render(bars: &[Bar], color: bool) -> String {
    let style = if color {
        Style::new().fg_color(Some(AnsiColor::Cyan.into()))
    } else {
        Style::new()
    };
    let max = bars.iter().map(|bar| bar.value).fold(0.0, f64::max);
    let label_width = bars
        .iter()
        .map(|bar| bar.label.chars().count())
        .max()
        .unwrap_or(0);
    let mut text = String::new();
    for bar in bars {
        let blocks = blocks(bar.value, max);
        let pad = label_width - bar.label.chars().count();
        let gap = WIDTH + 1 - blocks.chars().count();
        text.push_str(&format!(
            "{}{}  {style}{blocks}{style:#}{}{}\n",
            bar.label,
            " ".repeat(pad),
            " ".repeat(gap),
            bar.figure
        ));
    }
    text
}

/// A bar for `value` on a scale where `max` is [`WIDTH`] cells: whole blocks, then the eighths
/// left over. Any value above zero shows at least an eighth, so no bar vanishes.
pub(crate) fn blocks(value: f64, max: f64) -> String {
    if !(value > 0.0 && max > 0.0) {
        return String::new();
    }
    let eighths = ((value / max).min(1.0) * (WIDTH * 8) as f64).round() as usize;
    let eighths = eighths.max(1);
    let mut bar: String = std::iter::repeat_n(BLOCKS[7], eighths / 8).collect();
    let rest = eighths % 8;
    if rest > 0 {
        bar.push(BLOCKS[rest - 1]);
    }
    bar
}

/// The length of a bar drawn by [`blocks`], in eighths of a cell.
#[cfg(test)]
pub(crate) fn eighths(bar: &str) -> usize {
    bar.chars()
        .filter_map(|c| BLOCKS.iter().position(|&block| block == c))
        .map(|index| index + 1)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::{Bar, WIDTH, blocks, eighths, render};

    #[test]
    fn bars_are_to_scale_in_eighths() {
        assert_eq!(blocks(10.0, 10.0), "█".repeat(WIDTH));
        assert_eq!(eighths(&blocks(5.0, 10.0)), WIDTH * 4);
        // 1/320 of the way is one eighth of a cell; a tiny value still shows.
        assert_eq!(blocks(1.0, 320.0), "▏");
        assert_eq!(blocks(0.001, 320.0), "▏");
        assert_eq!(blocks(3.0, 32.0), "███▊");
        assert_eq!(blocks(0.0, 10.0), "");
        assert_eq!(blocks(f64::NAN, 10.0), "");
    }

    #[test]
    fn lengths_follow_the_values() {
        let values = [68.2, 45.7, 23.6, 0.45, 45.8];
        let lengths: Vec<usize> = values.iter().map(|v| eighths(&blocks(*v, 68.2))).collect();
        for (a, la) in values.iter().zip(&lengths) {
            for (b, lb) in values.iter().zip(&lengths) {
                if a < b {
                    assert!(la <= lb, "{values:?} drawn as {lengths:?}");
                }
            }
        }
    }

    #[test]
    fn labels_and_figures_align() {
        let bars = [
            Bar {
                label: "no cache".into(),
                value: 2.0,
                figure: "2.00 ms".into(),
            },
            Bar {
                label: "+ users".into(),
                value: 1.0,
                figure: "1.00 ms".into(),
            },
        ];
        let text = render(&bars, false);
        let lines: Vec<&str> = text.lines().collect();
        let full = "█".repeat(WIDTH);
        let half = "█".repeat(WIDTH / 2);
        assert_eq!(lines[0], format!("no cache  {full} 2.00 ms"));
        assert_eq!(
            lines[1],
            format!("+ users   {half}{} 1.00 ms", " ".repeat(WIDTH / 2))
        );
        assert!(render(&bars, true).contains("\x1b[36m"));
    }
}
