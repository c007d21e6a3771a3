//! The demo's results: the figures per column (also its `--json`), and their text forms — an
//! aligned table, or Markdown on request — with the bar chart and which calls are cached by whom.

use serde::Serialize;
use uuid::Uuid;

use super::chart::{self, Bar};
use crate::page::{CALLS, CachedBy, Call};
use crate::table::Table;

/// One column of the table: the page rendered with its first `cached_calls` calls cached.
#[derive(Debug, Serialize)]
pub(crate) struct Column {
    pub(crate) name: &'static str,
    pub(crate) cached_calls: usize,
    pub(crate) median_ms: f64,
    pub(crate) improvement_percent: f64,
    pub(crate) api_requests: u64,
    pub(crate) hits: u64,
    pub(crate) misses: u64,
}

/// One of the page's calls, and who caches it.
#[derive(Debug, Serialize)]
pub(crate) struct CallReport {
    method: &'static str,
    request: &'static str,
    cached_by: CachedBy,
    key_template: &'static str,
    /// The key in the store: the cache's prefix, the template filled.
    key: String,
}

impl CallReport {
    fn new(call: &Call, prefix: &str, org_id: Uuid) -> CallReport {
        CallReport {
            method: call.method,
            request: call.request,
            cached_by: call.cached_by,
            key_template: call.key,
            key: format!("{prefix}{}", call.key_for(org_id)),
        }
    }
}

/// Everything the demo measured.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    pub(crate) cache: String,
    pub(crate) requests_per_column: u32,
    pub(crate) api_latency_ms: u64,
    pub(crate) organisation_id: Uuid,
    pub(crate) key_prefix: String,
    pub(crate) calls: Vec<CallReport>,
    pub(crate) columns: Vec<Column>,
}

/// The column names: none cached, then one more call cached in each.
pub(crate) fn column_names() -> impl Iterator<Item = &'static str> {
    std::iter::once("no cache").chain(CALLS.iter().map(|call| call.column))
}

impl Report {
    /// A report of `columns`, whose improvements are worked out here against the first.
    pub(crate) fn new(
        cache: String,
        requests_per_column: u32,
        api_latency_ms: u64,
        organisation_id: Uuid,
        key_prefix: &str,
        mut columns: Vec<Column>,
    ) -> Report {
        let baseline = columns.first().map_or(0.0, |column| column.median_ms);
        for column in &mut columns {
            column.improvement_percent = ((baseline / column.median_ms - 1.0) * 100.0).round();
        }
        Report {
            cache,
            requests_per_column,
            api_latency_ms,
            organisation_id,
            key_prefix: key_prefix.to_owned(),
            calls: CALLS
                .iter()
                .map(|call| CallReport::new(call, key_prefix, organisation_id))
                .collect(),
            columns,
        }
    }

    /// The medians as chart bars, one per column.
    pub(crate) fn bars(&self) -> Vec<Bar> {
        self.columns
            .iter()
            .map(|column| Bar {
                label: column.name.to_owned(),
                value: column.median_ms,
                figure: format_ms(column.median_ms),
            })
            .collect()
    }

    /// The results, the chart and who caches what, for a terminal (aligned columns, styled
    /// when `color`) or, with `markdown`, as Markdown tables.
    pub(crate) fn render(&self, markdown: bool, color: bool) -> String {
        let mut text = String::from("\n");
        if markdown {
            text.push_str(&markdown_table(&self.figures()));
        } else {
            text.push_str(&aligned_table(&self.figures(), color));
            text.push_str("\nrequest time (median):\n");
            text.push_str(&chart::render(&self.bars(), color));
        }
        text.push_str(&format!(
            "\nHow each call is cached (keys prefixed with `{}`, org_id {}):\n",
            self.key_prefix, self.organisation_id
        ));
        if markdown {
            // A table must not run on from a paragraph.
            text.push('\n');
        }
        let calls = self.calls_rows();
        if markdown {
            text.push_str(&markdown_table(&calls));
        } else {
            text.push_str(&aligned_table(&calls, color));
        }
        text.push_str(&self.notes());
        text
    }

    /// The results table: a header row of column names, a row per figure.
    fn figures(&self) -> Vec<Vec<String>> {
        let cells = |cell: &dyn Fn(&Column) -> String| -> Vec<String> {
            self.columns.iter().map(cell).collect()
        };
        let rows: [(&str, Vec<String>); 5] = [
            ("request time (median)", cells(&|c| format_ms(c.median_ms))),
            (
                "improvement",
                cells(&|c| format!("{}%", c.improvement_percent)),
            ),
            ("API requests", cells(&|c| c.api_requests.to_string())),
            ("cache hits", cells(&|c| c.hits.to_string())),
            ("cache misses", cells(&|c| c.misses.to_string())),
        ];
        let header = std::iter::once(String::new())
            .chain(self.columns.iter().map(|c| c.name.to_owned()))
            .collect();
        std::iter::once(header)
            .chain(
                rows.into_iter()
                    .map(|(label, cells)| std::iter::once(label.to_owned()).chain(cells).collect()),
            )
            .collect()
    }

    /// Who caches each call: a header row, a row per call.
    fn calls_rows(&self) -> Vec<Vec<String>> {
        let header = ["CALL", "CACHED BY", "KEY"].map(str::to_owned).to_vec();
        std::iter::once(header)
            .chain(CALLS.iter().map(|call| {
                vec![
                    call.method.to_owned(),
                    call.cached_by.label().to_owned(),
                    call.key.to_owned(),
                ]
            }))
            .collect()
    }

    fn notes(&self) -> String {
        let mut notes = String::from(
            "\norgs-client caches get_organisation_name with its own #[cache::set], under the \
             key Notify's admin app uses. The admin app caches neither an organisation's \
             services nor its users, so orgs-client does not either: the demo caches those two \
             calls through a wrapper of its own.\n",
        );
        notes.push_str(&format!(
            "\nEach page: 3 sequential API calls to the stand-in API over loopback HTTP (a token \
             signed and checked per request, SQLite behind it), plus {} ms of added latency per \
             call; {} renders per column, median shown; cache: {}.\n",
            self.api_latency_ms, self.requests_per_column, self.cache
        ));
        if self.api_latency_ms == 0 {
            notes.push_str(
                "A real deployment adds the network between app and API to every uncached \
                 call: try --api-latency 20.\n",
            );
        }
        notes
    }
}

/// `rows` (the first one the header) aligned, through the CLI's table helper.
fn aligned_table(rows: &[Vec<String>], color: bool) -> String {
    let Some((header, rows)) = rows.split_first() else {
        return String::new();
    };
    let mut table = Table::new(header.iter().map(String::as_str));
    for row in rows {
        table.row(row.iter().cloned());
    }
    table.render(color)
}

/// `rows` (the first one the header) as a Markdown table.
fn markdown_table(rows: &[Vec<String>]) -> String {
    let mut text = String::new();
    for (index, row) in rows.iter().enumerate() {
        text.push('|');
        for cell in row {
            // An empty cell as `| |`, the way the README's tables write it.
            let space = if cell.is_empty() { "" } else { " " };
            text.push_str(&format!(" {cell}{space}|"));
        }
        text.push('\n');
        if index == 0 {
            text.push_str(&format!("|{}\n", "---|".repeat(row.len())));
        }
    }
    text
}

/// A duration in milliseconds, as milliseconds (two decimals) or, below one, microseconds.
pub(crate) fn format_ms(ms: f64) -> String {
    if ms >= 1.0 {
        format!("{ms:.2} ms")
    } else {
        format!("{:.1} µs", ms * 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::{Column, Report, column_names};

    fn report() -> Report {
        let figures = [
            (68.16, 150, 0, 0),
            (45.75, 101, 49, 1),
            (23.67, 52, 98, 2),
            (0.4587, 3, 147, 3),
        ];
        let columns = column_names()
            .zip(figures)
            .enumerate()
            .map(
                |(cached, (name, (median_ms, api_requests, hits, misses)))| Column {
                    name,
                    cached_calls: cached,
                    median_ms,
                    improvement_percent: 0.0,
                    api_requests,
                    hits,
                    misses,
                },
            )
            .collect();
        Report::new(
            "Redis at redis://127.0.0.1:6391".into(),
            50,
            20,
            Uuid::nil(),
            "orgs-demo:",
            columns,
        )
    }

    #[test]
    fn the_results_table_is_aligned() {
        let text = report().render(false, false);
        let table: Vec<&str> = text.lines().skip(1).take(6).collect();
        assert_eq!(
            table,
            [
                "                       no cache  cache organisation name  + services  + users",
                "request time (median)  68.16 ms  45.75 ms                 23.67 ms    458.7 µs",
                "improvement            0%        49%                      188%        14759%",
                "API requests           150       101                      52          3",
                "cache hits             0         49                       98          147",
                "cache misses           0         1                        2           3",
            ]
        );
        assert!(text.contains(
            "get_organisation_services  the demo's wrapper  organisation-{org_id}-services\n"
        ));
    }

    #[test]
    fn markdown_tables_on_request() {
        let text = report().render(true, false);
        assert!(text.contains(
            "| | no cache | cache organisation name | + services | + users |\n\
             |---|---|---|---|---|\n\
             | request time (median) | 68.16 ms | 45.75 ms | 23.67 ms | 458.7 µs |\n"
        ));
        assert!(
            text.contains("| get_organisation_name | orgs-client | organisation-{org_id}-name |\n")
        );
        assert!(!text.contains('█'), "no terminal chart in Markdown");
    }
}
