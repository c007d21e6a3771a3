//! The message Python's `json` module gives for a body it cannot decode, which Notify's API
//! passes on ("Failed to decode JSON object: Expecting value: line 1 column 1 (char 0)"): a
//! small scanner that stops where CPython's decoder stops, with its words and its position
//! (line, column and character offset, counted in characters as Python counts them).

/// Python's `json.JSONDecodeError` text for `text`, or `None` when Python would decode it.
pub(crate) fn decode_error(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let scanner = Scanner { chars: &chars };
    let start = scanner.skip_ws(0);
    let outcome = scanner
        .value(start)
        .and_then(|end| match scanner.skip_ws(end) {
            end if end == chars.len() => Ok(end),
            end => Err(("Extra data", end)),
        });
    outcome.err().map(|(message, at)| {
        let line = chars[..at].iter().filter(|&&c| c == '\n').count() + 1;
        let column = at
            - chars[..at]
                .iter()
                .rposition(|&c| c == '\n')
                .map_or(0, |i| i + 1)
            + 1;
        format!("{message}: line {line} column {column} (char {at})")
    })
}

type Scan = Result<usize, (&'static str, usize)>;

struct Scanner<'a> {
    chars: &'a [char],
}

impl Scanner<'_> {
    fn at(&self, index: usize) -> Option<char> {
        self.chars.get(index).copied()
    }

    /// Python's `WHITESPACE`: space, tab, newline, carriage return.
    fn skip_ws(&self, mut index: usize) -> usize {
        while matches!(self.at(index), Some(' ' | '\t' | '\n' | '\r')) {
            index += 1;
        }
        index
    }

    fn starts_with(&self, index: usize, word: &str) -> bool {
        word.chars()
            .enumerate()
            .all(|(offset, c)| self.at(index + offset) == Some(c))
    }

    /// One value starting exactly at `index` (`scan_once`); its end.
    fn value(&self, index: usize) -> Scan {
        match self.at(index) {
            Some('"') => self.string(index),
            Some('{') => self.object(index + 1),
            Some('[') => self.array(index + 1),
            _ => {
                for word in ["null", "true", "false", "NaN", "Infinity", "-Infinity"] {
                    if self.starts_with(index, word) {
                        return Ok(index + word.chars().count());
                    }
                }
                self.number(index).ok_or(("Expecting value", index))
            }
        }
    }

    /// Python's `NUMBER_RE`: `-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?`.
    fn number(&self, index: usize) -> Option<usize> {
        let digits = |from: usize| {
            let mut end = from;
            while self.at(end).is_some_and(|c| c.is_ascii_digit()) {
                end += 1;
            }
            end
        };
        let mut end = index + usize::from(self.at(index) == Some('-'));
        match self.at(end) {
            Some('0') => end += 1,
            Some('1'..='9') => end = digits(end),
            _ => return None,
        }
        if self.at(end) == Some('.') && digits(end + 1) > end + 1 {
            end = digits(end + 1);
        }
        if matches!(self.at(end), Some('e' | 'E')) {
            let sign = end + 1 + usize::from(matches!(self.at(end + 1), Some('+' | '-')));
            if digits(sign) > sign {
                end = digits(sign);
            }
        }
        Some(end)
    }

    /// A string whose opening quote is at `quote`; its end (after the closing quote).
    fn string(&self, quote: usize) -> Scan {
        let mut index = quote + 1;
        loop {
            match self.at(index) {
                None => return Err(("Unterminated string starting at", quote)),
                Some('"') => return Ok(index + 1),
                Some('\\') => match self.at(index + 1) {
                    None => return Err(("Unterminated string starting at", quote)),
                    Some('"' | '\\' | '/' | 'b' | 'f' | 'n' | 'r' | 't') => index += 2,
                    Some('u') => {
                        let hex = (index + 2..index + 6)
                            .all(|i| self.at(i).is_some_and(|c| c.is_ascii_hexdigit()));
                        if !hex {
                            return Err(("Invalid \\uXXXX escape", index + 1));
                        }
                        index += 6;
                    }
                    Some(_) => return Err(("Invalid \\escape", index)),
                },
                Some(c) if (c as u32) < 0x20 => {
                    return Err(("Invalid control character at", index));
                }
                Some(_) => index += 1,
            }
        }
    }

    /// An object's members, from just after `{`.
    fn object(&self, index: usize) -> Scan {
        let mut index = self.skip_ws(index);
        if self.at(index) == Some('}') {
            return Ok(index + 1);
        }
        loop {
            if self.at(index) != Some('"') {
                return Err(("Expecting property name enclosed in double quotes", index));
            }
            index = self.skip_ws(self.string(index)?);
            if self.at(index) != Some(':') {
                return Err(("Expecting ':' delimiter", index));
            }
            index = self.skip_ws(index + 1);
            index = self.skip_ws(self.value(index)?);
            match self.at(index) {
                Some('}') => return Ok(index + 1),
                Some(',') => {
                    let comma = index;
                    index = self.skip_ws(index + 1);
                    if self.at(index) == Some('}') {
                        return Err(("Illegal trailing comma before end of object", comma));
                    }
                }
                _ => return Err(("Expecting ',' delimiter", index)),
            }
        }
    }

    /// An array's items, from just after `[`.
    fn array(&self, index: usize) -> Scan {
        let mut index = self.skip_ws(index);
        if self.at(index) == Some(']') {
            return Ok(index + 1);
        }
        loop {
            index = self.skip_ws(self.value(index)?);
            match self.at(index) {
                Some(']') => return Ok(index + 1),
                Some(',') => {
                    let comma = index;
                    index = self.skip_ws(index + 1);
                    if self.at(index) == Some(']') {
                        return Err(("Illegal trailing comma before end of array", comma));
                    }
                }
                _ => return Err(("Expecting ',' delimiter", index)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::decode_error;

    /// Each message as CPython 3.13's `json.loads` words it.
    #[test]
    fn messages_match_pythons() {
        let cases = [
            ("", "Expecting value: line 1 column 1 (char 0)"),
            ("not json", "Expecting value: line 1 column 1 (char 0)"),
            ("  \n x", "Expecting value: line 2 column 2 (char 4)"),
            (
                "{",
                "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
            ),
            (
                "{\"a\" 1}",
                "Expecting ':' delimiter: line 1 column 6 (char 5)",
            ),
            (
                "{\"a\": 1 \"b\": 2}",
                "Expecting ',' delimiter: line 1 column 9 (char 8)",
            ),
            ("{\"a\": }", "Expecting value: line 1 column 7 (char 6)"),
            ("[1, 2", "Expecting ',' delimiter: line 1 column 6 (char 5)"),
            (
                "[1,]",
                "Illegal trailing comma before end of array: line 1 column 3 (char 2)",
            ),
            (
                "{\"a\": 1,}",
                "Illegal trailing comma before end of object: line 1 column 8 (char 7)",
            ),
            ("{} x", "Extra data: line 1 column 4 (char 3)"),
            (
                "\"abc",
                "Unterminated string starting at: line 1 column 1 (char 0)",
            ),
            (
                "\"a\u{1}\"",
                "Invalid control character at: line 1 column 3 (char 2)",
            ),
            ("\"é\" x", "Extra data: line 1 column 5 (char 4)"),
            ("-", "Expecting value: line 1 column 1 (char 0)"),
        ];
        for (text, message) in cases {
            assert_eq!(decode_error(text).as_deref(), Some(message), "{text:?}");
        }
        for valid in [
            "{}",
            " [1, -2.5e3, \"x\\u00e9\", null, true, false] ",
            "NaN",
            "0",
        ] {
            assert_eq!(decode_error(valid), None, "{valid:?}");
        }
    }
}
