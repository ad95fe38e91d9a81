//! Column layout: each peer's lines in its own column, wrapped to the column's width.

/// What separates two columns.
pub const SEPARATOR: &str = " │ ";

/// The width of each of `count` columns in `width` characters.
pub fn column_width(count: usize, width: usize) -> usize {
    let seps = SEPARATOR.chars().count() * count.saturating_sub(1);
    width.saturating_sub(seps) / count.max(1)
}

/// `text` broken into lines of at most `width` characters, at spaces where it can be.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        let used = line.chars().count();
        if used > 0 && used + 1 + word.len() <= width {
            line.push(' ');
        } else if used > 0 {
            lines.push(std::mem::take(&mut line));
        }
        while word.len() > width {
            let rest = word.split_off(width);
            lines.push(word.into_iter().collect());
            word = rest;
        }
        line.extend(word);
    }
    lines.push(line);
    lines
}

/// The lines of one row: `cell_lines` in column `column`, the columns before it blank;
/// `paint` colours a cell's text (padding stays outside the colour).
pub fn row(column: usize, col_width: usize, cell_lines: &[String], paint: impl Fn(&str) -> String) -> String {
    let blank = " ".repeat(col_width);
    let rows: Vec<String> = cell_lines
        .iter()
        .map(|text| {
            let cells: Vec<String> = (0..=column)
                .map(|c| {
                    if c == column {
                        let pad = " ".repeat(col_width.saturating_sub(text.chars().count()));
                        format!("{}{pad}", paint(text))
                    } else {
                        blank.clone()
                    }
                })
                .collect();
            cells.join(SEPARATOR).trim_end().to_string()
        })
        .collect();
    rows.join("\n")
}

/// The column titles (`S0`, `S1`, …) and a rule under them.
pub fn header(count: usize, col_width: usize) -> String {
    let titles: Vec<String> = (0..count).map(|c| format!("{:col_width$}", format!("S{c}"))).collect();
    let rule = vec!["─".repeat(col_width); count].join("─┼─");
    format!("{}\n{rule}", titles.join(SEPARATOR).trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_and_splits_long_words() {
        assert_eq!(wrap("T5 leader of term", 9), vec!["T5 leader", "of term"]);
        assert_eq!(wrap("abcdefghij xy", 4), vec!["abcd", "efgh", "ij", "xy"]);
        assert_eq!(wrap("", 5), vec![""]);
        assert_eq!(wrap("exactly", 7), vec!["exactly"]);
    }

    #[test]
    fn lays_out_a_row_in_its_column() {
        assert_eq!(column_width(3, 30), 8);
        let lines = wrap("001 LEAD T5 leader", 8);
        assert_eq!(
            row(1, 8, &lines, |s| format!("<{s}>")),
            "         │ <001 LEAD>\n         │ <T5>\n         │ <leader>"
        );
        assert_eq!(row(0, 4, &["ab".to_string()], str::to_string), "ab");
    }

    #[test]
    fn header_names_the_peers() {
        assert_eq!(header(2, 4), "S0   │ S1\n─────┼─────");
    }
}
