//! `orgs demo`: the report's figures, in process and on Redis, and what it says about the cache.

use serde_json::Value;

use crate::support::{Env, all_keys, closed_port, exits, fresh_redis, json, orgs, stdout};

/// The demo's columns, in order.
const COLUMNS: [&str; 4] = [
    "no cache",
    "cache organisation name",
    "+ services",
    "+ users",
];

/// The terminal chart's blocks, from an eighth of a cell to a full one.
const BLOCKS: [char; 8] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'];

/// Checks a `demo --json` report for figures that make sense for `requests` renders per column.
fn check_report(report: &Value, requests: u64) {
    let columns = report["columns"].as_array().expect("columns");
    assert_eq!(columns.len(), 4, "{report}");
    let api: Vec<u64> = columns
        .iter()
        .map(|c| c["api_requests"].as_u64().unwrap())
        .collect();
    // Uncached: three calls per page; each cached call reaches the API once (its first miss).
    assert_eq!(
        api,
        [3 * requests, 2 * requests + 1, requests + 2, 3],
        "{report}"
    );
    let hits: Vec<u64> = columns
        .iter()
        .map(|c| c["hits"].as_u64().unwrap())
        .collect();
    assert_eq!(
        hits,
        [0, requests - 1, 2 * (requests - 1), 3 * (requests - 1)],
        "{report}"
    );
    // Timings are reported, never compared: on a loaded machine any column can be the slowest.
    // What the cache saves is proven by the request and hit counts above.
    let medians: Vec<f64> = columns
        .iter()
        .map(|c| c["median_ms"].as_f64().unwrap())
        .collect();
    assert!(medians.iter().all(|m| *m > 0.0), "{report}");
    assert_eq!(columns[0]["improvement_percent"].as_f64(), Some(0.0));
    assert!(
        columns
            .iter()
            .all(|c| c["improvement_percent"].as_f64().is_some()),
        "{report}"
    );
    assert_eq!(report["requests_per_column"].as_u64(), Some(requests));
    check_calls(report);
}

/// The report says which calls orgs-client caches and which the demo's own wrapper does, with
/// the keys.
fn check_calls(report: &Value) {
    let org_id = report["organisation_id"].as_str().unwrap();
    let calls = report["calls"].as_array().expect("calls");
    let described: Vec<(&str, &str, String)> = calls
        .iter()
        .map(|call| {
            (
                call["method"].as_str().unwrap(),
                call["cached_by"].as_str().unwrap(),
                call["key"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        described,
        [
            (
                "get_organisation_name",
                "orgs-client",
                format!("orgs-demo:organisation-{org_id}-name")
            ),
            (
                "get_organisation_services",
                "demo-wrapper",
                format!("orgs-demo:organisation-{org_id}-services")
            ),
            (
                "get_organisation_users",
                "demo-wrapper",
                format!("orgs-demo:organisation-{org_id}-users")
            ),
        ],
        "{report}"
    );
}

#[test]
fn demo_json_in_process() {
    let report = json(&orgs(&["demo", "--requests", "5", "--json"], &[]));
    check_report(&report, 5);
    let cache = report["cache"].as_str().unwrap();
    assert!(cache.starts_with("in-process"), "{report}");
    assert!(cache.contains("set REDIS_URL"), "{report}");
}

#[test]
fn demo_json_on_redis_with_latency() {
    let server = fresh_redis();
    let report = json(&Env::new().redis(&server).run(&[
        "demo",
        "--requests",
        "4",
        "--api-latency",
        "2",
        "--json",
    ]));
    check_report(&report, 4);
    assert!(
        report["cache"].as_str().unwrap().starts_with("Redis at"),
        "{report}"
    );
    assert_eq!(report["api_latency_ms"].as_u64(), Some(2));
    // Added latency shows in the uncached column: three calls of at least 2 ms each (a lower
    // bound, which load can only raise).
    assert!(
        report["columns"][0]["median_ms"].as_f64().unwrap() >= 6.0,
        "{report}"
    );
    // The demo cleans up its keys.
    assert!(all_keys(&server).is_empty());
}

#[test]
fn demo_with_redis_switched_off_says_so() {
    // A URL, switched off: the demo runs in process and says why, not "set REDIS_URL".
    let url = format!("redis://127.0.0.1:{}", closed_port());
    let report = json(&orgs(
        &["demo", "--requests", "1", "--json"],
        &[("REDIS_URL", &url), ("REDIS_ENABLED", "0")],
    ));
    let cache = report["cache"].as_str().unwrap();
    assert!(cache.starts_with("in-process"), "{report}");
    assert!(cache.contains("REDIS_ENABLED"), "{report}");
    assert!(!cache.contains("set REDIS_URL"), "{report}");
}

#[test]
fn demo_refuses_nonsense() {
    let output = orgs(&["demo", "--requests", "0"], &[]);
    let stderr = crate::support::exits(&output, 2);
    assert!(stderr.contains("--requests"), "{stderr}");
}

/// A duration as the demo prints it ("1.83 ms", "382.7 µs"), in milliseconds.
fn parse_ms(figure: &str) -> f64 {
    let (number, unit) = figure.trim().split_once(' ').expect("a number and a unit");
    let number: f64 = number.parse().expect("a number");
    match unit {
        "ms" => number,
        "µs" => number / 1000.0,
        other => panic!("unit {other} in {figure:?}"),
    }
}

#[test]
fn demo_prints_aligned_tables_and_a_chart() {
    let text = stdout(&orgs(&["demo", "--requests", "3"], &[]));
    assert!(
        !text.contains('|'),
        "Markdown only with --markdown:\n{text}"
    );
    let lines: Vec<&str> = text.lines().collect();

    // Results: every cell of every row starts where its column's name does.
    let header = lines
        .iter()
        .find(|line| line.contains("no cache"))
        .expect("a header row");
    let starts: Vec<usize> = COLUMNS
        .iter()
        .map(|name| header.find(name).expect("every column named"))
        .collect();
    assert!(starts.windows(2).all(|w| w[0] < w[1]), "{header}");
    let rows = [
        "request time (median)",
        "improvement",
        "API requests",
        "cache hits",
        "cache misses",
    ];
    let mut medians = Vec::new();
    for label in rows {
        let row = lines
            .iter()
            .find(|line| line.starts_with(label))
            .unwrap_or_else(|| panic!("no {label} row:\n{text}"));
        // Aligned by characters (a cell may hold "µs"); the header is ASCII.
        let chars: Vec<char> = row.chars().collect();
        for (index, start) in starts.iter().enumerate() {
            assert!(
                chars[start - 1] == ' ' && chars[*start] != ' ',
                "{label}: column {index} not aligned:\n{header}\n{row}"
            );
            let end = starts.get(index + 1).copied().unwrap_or(chars.len());
            if label == "request time (median)" {
                medians.push(parse_ms(&chars[*start..end].iter().collect::<String>()));
            }
        }
    }
    let api_row = lines
        .iter()
        .find(|l| l.starts_with("API requests"))
        .unwrap();
    let counts: Vec<&str> = api_row["API requests".len()..].split_whitespace().collect();
    assert_eq!(counts, ["9", "7", "5", "3"], "{text}");

    // The chart: one bar per column, the longest for the slowest, lengths ordered like the
    // medians (a rounded figure can only hide a difference, never invert one).
    let title = lines
        .iter()
        .position(|line| *line == "request time (median):")
        .expect("a chart");
    let bars: Vec<(usize, f64)> = lines[title + 1..title + 5]
        .iter()
        .zip(COLUMNS)
        .map(|(line, name)| {
            assert!(line.starts_with(name), "{line}");
            let eighths = line
                .chars()
                .filter_map(|c| BLOCKS.iter().position(|&b| b == c))
                .map(|i| i + 1)
                .sum();
            let figure = line.rsplit_once(|c: char| BLOCKS.contains(&c)).unwrap().1;
            (eighths, parse_ms(figure))
        })
        .collect();
    let figures: Vec<f64> = bars.iter().map(|(_, figure)| *figure).collect();
    assert_eq!(figures, medians, "the chart shows the table's medians");
    let longest = bars.iter().map(|(eighths, _)| *eighths).max().unwrap();
    assert_eq!(longest, 40 * 8, "{text}");
    for (a, b) in bars.iter().flat_map(|a| bars.iter().map(move |b| (a, b))) {
        if a.1 < b.1 {
            assert!(a.0 <= b.0, "bars {bars:?} not ordered like the medians");
        }
        assert!(a.0 > 0, "every bar shows");
    }

    // Which calls are whose, with the keys.
    let owner = |method: &str| {
        let line = lines
            .iter()
            .find(|line| line.starts_with(method))
            .unwrap_or_else(|| panic!("no {method} line:\n{text}"));
        line.split_whitespace()
            .skip(1)
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(
        owner("get_organisation_name"),
        "orgs-client organisation-{org_id}-name"
    );
    assert_eq!(
        owner("get_organisation_services"),
        "the demo's wrapper organisation-{org_id}-services"
    );
    assert_eq!(
        owner("get_organisation_users"),
        "the demo's wrapper organisation-{org_id}-users"
    );
}

#[test]
fn demo_markdown_is_a_deliberate_option() {
    let text = stdout(&orgs(&["demo", "--requests", "1", "--markdown"], &[]));
    assert!(
        text.contains("| | no cache | cache organisation name | + services | + users |\n|---|---|---|---|---|\n"),
        "{text}"
    );
    assert!(text.contains("| get_organisation_name | orgs-client | organisation-{org_id}-name |"));
    let clash = orgs(&["demo", "--markdown", "--json"], &[]);
    exits(&clash, 2);
}

#[test]
fn demo_plots_an_svg_with_one_bar_per_column() {
    let dir = std::env::temp_dir().join(format!("orgs-demo-plot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("chart.svg");
    let report = json(&orgs(
        &[
            "demo",
            "--requests",
            "2",
            "--json",
            "--plot",
            path.to_str().unwrap(),
        ],
        &[],
    ));
    let svg = std::fs::read_to_string(&path).expect("the chart was written");
    std::fs::remove_dir_all(&dir).unwrap();

    let document = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    let bars: Vec<roxmltree::Node> = root
        .descendants()
        .filter(|node| node.has_tag_name("rect") && node.attribute("class") == Some("bar"))
        .collect();
    assert_eq!(bars.len(), 4, "{svg}");
    let texts: Vec<&str> = root
        .descendants()
        .filter(|node| node.has_tag_name("text"))
        .filter_map(|node| node.text())
        .collect();
    let columns = report["columns"].as_array().unwrap();
    let mut widths = Vec::new();
    for ((bar, column), name) in bars.iter().zip(columns).zip(COLUMNS) {
        let median = column["median_ms"].as_f64().unwrap();
        let value: f64 = bar.attribute("data-value").unwrap().parse().unwrap();
        assert!((value - median).abs() < 1e-9, "{value} for {median}");
        let width: f64 = bar.attribute("width").unwrap().parse().unwrap();
        assert!(width > 0.0);
        widths.push((width, median));
        // The column's name and its figure are written beside the bar.
        assert!(texts.contains(&name), "{name} in {texts:?}");
        let figure = if median >= 1.0 {
            format!("{median:.2} ms")
        } else {
            format!("{:.1} µs", median * 1000.0)
        };
        assert!(texts.contains(&figure.as_str()), "{figure} in {texts:?}");
    }
    for a in &widths {
        for b in &widths {
            if a.1 < b.1 {
                assert!(a.0 <= b.0, "widths {widths:?} not ordered like the medians");
            }
        }
    }
}

#[test]
fn demo_plot_needs_an_svg_file_it_can_write() {
    let stderr = exits(&orgs(&["demo", "--plot", "chart.png"], &[]), 2);
    assert!(stderr.contains(".svg"), "{stderr}");
    // A file that cannot be written fails at once, before any page is rendered.
    let nowhere = std::env::temp_dir()
        .join(format!("orgs-demo-missing-{}", std::process::id()))
        .join("chart.svg");
    let output = orgs(
        &[
            "demo",
            "--requests",
            "1",
            "--plot",
            nowhere.to_str().unwrap(),
        ],
        &[],
    );
    let stderr = exits(&output, 1);
    assert!(stderr.contains("cannot write the chart"), "{stderr}");
    assert!(!stderr.contains("stand-in API at"), "{stderr}");
}
