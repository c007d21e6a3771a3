//! Aligned columns for people: a header row (bold on a terminal) or a column of field names,
//! two spaces between columns, no trailing spaces. Control characters in cells (which could
//! move the cursor or colour a terminal) are shown as spaces.

use anstyle::Style;

/// Rows of cells, printed aligned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Table {
    header: Option<Vec<String>>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column names.
    pub(crate) fn new<'a>(header: impl IntoIterator<Item = &'a str>) -> Table {
        Table {
            header: Some(header.into_iter().map(str::to_owned).collect()),
            rows: Vec::new(),
        }
    }

    /// Field and value pairs, one a line, the field names in bold on a terminal.
    pub(crate) fn record() -> Table {
        Table {
            header: None,
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    pub(crate) fn row(&mut self, cells: impl IntoIterator<Item = String>) {
        self.rows.push(cells.into_iter().map(clean).collect());
    }

    /// The table as text, ending with a newline; styled when `color`.
    pub(crate) fn render(&self, color: bool) -> String {
        let bold = if color {
            Style::new().bold()
        } else {
            Style::new()
        };
        let lines = self.header.iter().chain(&self.rows);
        let mut widths: Vec<usize> = Vec::new();
        for line in lines.clone() {
            for (column, cell) in line.iter().enumerate() {
                let width = cell.chars().count();
                match widths.get_mut(column) {
                    Some(widest) => *widest = (*widest).max(width),
                    None => widths.push(width),
                }
            }
        }
        let mut text = String::new();
        for (index, line) in lines.enumerate() {
            let header = index == 0 && self.header.is_some();
            let mut rendered = String::new();
            for (column, cell) in line.iter().enumerate() {
                if column > 0 {
                    rendered.push_str("  ");
                }
                let styled = header || (self.header.is_none() && column == 0);
                if styled {
                    rendered.push_str(&format!("{bold}{cell}{bold:#}"));
                } else {
                    rendered.push_str(cell);
                }
                if column + 1 < line.len() {
                    let pad = widths[column] - cell.chars().count();
                    rendered.extend(std::iter::repeat_n(' ', pad));
                }
            }
            text.push_str(rendered.trim_end());
            text.push('\n');
        }
        text
    }
}

/// `cell` with every control character (newline, tab, escape...) replaced by a space.
fn clean(cell: String) -> String {
    if cell.chars().any(char::is_control) {
        cell.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    } else {
        cell
    }
}

#[cfg(test)]
mod tests {
    use super::Table;

    #[test]
    fn columns_align_without_trailing_spaces() {
        let mut table = Table::new(["KEY", "TTL"]);
        table.row(["organisations".into(), "23h 59m".into()]);
        table.row(["é".into(), String::new()]);
        assert_eq!(
            table.render(false),
            "KEY            TTL\norganisations  23h 59m\né\n"
        );
    }

    #[test]
    fn headers_are_bold_only_in_colour_and_cells_cannot_drive_the_terminal() {
        let mut table = Table::new(["NAME"]);
        table.row(["evil\x1b[31m\nname".into()]);
        assert_eq!(table.render(false), "NAME\nevil [31m name\n");
        assert_eq!(table.render(true), "\x1b[1mNAME\x1b[0m\nevil [31m name\n");
    }

    #[test]
    fn records_have_no_header() {
        let mut record = Table::record();
        record.row(["id".into(), "1".into()]);
        record.row(["name".into(), "Cabinet Office".into()]);
        assert_eq!(record.render(false), "id    1\nname  Cabinet Office\n");
    }
}
