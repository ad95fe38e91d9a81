//! `dslogs`'s engine: renders the lab's debug output, coloured by topic, filtered by topic,
//! optionally with a column per peer; other lines pass through unchanged.

pub mod color;
pub mod columns;
pub mod parse;

use parse::DebugLine;

/// Which topics to show.
#[derive(Debug, Clone, Default)]
pub struct TopicFilter {
    keep: Vec<String>,
    ignore: Vec<String>,
}

impl TopicFilter {
    /// Shows only `keep` (all if empty), minus `ignore`; topics are compared in upper case.
    pub fn new(keep: &[String], ignore: &[String]) -> Self {
        let upper = |v: &[String]| v.iter().map(|t| t.trim().to_ascii_uppercase()).collect();
        TopicFilter { keep: upper(keep), ignore: upper(ignore) }
    }

    /// Whether lines of `topic` are shown.
    pub fn allows(&self, topic: &str) -> bool {
        (self.keep.is_empty() || self.keep.iter().any(|t| t == topic))
            && !self.ignore.iter().any(|t| t == topic)
    }
}

/// How debug lines are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One line each, full width.
    Plain,
    /// Peer `i`'s lines in column `i` of `count`, in `width` characters.
    Columns {
        /// Number of columns (peers `0..count`; others are shown full width).
        count: usize,
        /// Total width in characters.
        width: usize,
    },
}

/// Renders a debug log line by line.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// Which topics to show.
    pub filter: TopicFilter,
    /// Whether to colour by topic.
    pub color: bool,
    /// How to lay lines out.
    pub layout: Layout,
}

/// Columns narrower than this cannot show a line's time and topic.
pub const MIN_COLUMN_WIDTH: usize = 12;

impl Viewer {
    /// Checks that the layout fits: each column at least [`MIN_COLUMN_WIDTH`] wide.
    pub fn check(&self) -> Result<(), String> {
        match self.layout {
            Layout::Columns { count: 0, .. } => Err("--columns must be at least 1".to_string()),
            Layout::Columns { count, width } if columns::column_width(count, width) < MIN_COLUMN_WIDTH => {
                Err(format!(
                    "{count} columns do not fit in {width} characters; use --width or fewer --columns"
                ))
            }
            _ => Ok(()),
        }
    }

    /// The column titles, in column layout.
    pub fn header(&self) -> Option<String> {
        match self.layout {
            Layout::Plain => None,
            Layout::Columns { count, width } => {
                Some(columns::header(count, columns::column_width(count, width)))
            }
        }
    }

    /// What to print for `line` (possibly several lines), or `None` if it is filtered out.
    pub fn render(&self, line: &str) -> Option<String> {
        let Some(d) = parse::parse(line) else {
            return Some(line.to_string());
        };
        if !self.filter.allows(d.topic) {
            return None;
        }
        let paint = |s: &str| if self.color { color::paint(s, d.topic) } else { s.to_string() };
        Some(match (self.layout, d.peer) {
            (Layout::Columns { count, width }, Some(peer)) if peer < count => {
                let col_width = columns::column_width(count, width);
                let text = format!("{} {} {}", d.time, d.topic, d.text);
                columns::row(peer, col_width, &columns::wrap(text.trim_end(), col_width), paint)
            }
            _ => plain(&d, paint),
        })
    }
}

/// A debug line on one line: the time, then the rest in the topic's colour.
fn plain(d: &DebugLine<'_>, paint: impl Fn(&str) -> String) -> String {
    let peer = d.peer.map_or_else(|| "*".to_string(), |p| p.to_string());
    let rest = format!("{} S{peer} {}", d.topic, d.text);
    format!("{} {}", d.time, paint(rest.trim_end()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(layout: Layout, color: bool) -> Viewer {
        Viewer { filter: TopicFilter::default(), color, layout }
    }

    #[test]
    fn tester_lines_span_the_columns() {
        let v = viewer(Layout::Columns { count: 3, width: 90 }, false);
        assert_eq!(
            v.render("001250 TEST S* partition [0, 1] | [2]").unwrap(),
            "001250 TEST S* partition [0, 1] | [2]"
        );
    }

    #[test]
    fn plain_lines_are_coloured_after_the_time() {
        let v = viewer(Layout::Plain, true);
        assert_eq!(
            v.render("001234 LEAD S2 T5 leader").unwrap(),
            "001234 \x1b[38;5;179mLEAD S2 T5 leader\x1b[0m"
        );
        assert_eq!(
            viewer(Layout::Plain, false).render("001234 LEAD S2 T5 leader").unwrap(),
            "001234 LEAD S2 T5 leader"
        );
    }

    #[test]
    fn other_lines_pass_through_unchanged() {
        let v = viewer(Layout::Columns { count: 3, width: 60 }, true);
        let line = "Test (3A): initial election (reliable network)...";
        assert_eq!(v.render(line).unwrap(), line);
        assert_eq!(v.render("").unwrap(), "");
    }

    #[test]
    fn topics_are_filtered() {
        let mut v = viewer(Layout::Plain, false);
        v.filter = TopicFilter::new(&["lead".into(), "VOTE".into()], &["VOTE".into()]);
        assert!(v.render("000001 LEAD S0 x").is_some());
        assert!(v.render("000001 VOTE S0 x").is_none());
        assert!(v.render("000001 TIMR S0 x").is_none());
        assert!(v.render("not a debug line").is_some());
    }

    #[test]
    fn columns_put_each_peer_in_its_own() {
        let v = viewer(Layout::Columns { count: 2, width: 43 }, false);
        assert_eq!(
            v.render("000100 VOTE S1 granted vote to S0 in term 2").unwrap(),
            "                     │ 000100 VOTE granted\n                     │ vote to S0 in term 2"
        );
        assert_eq!(v.render("000100 VOTE S0 hi").unwrap(), "000100 VOTE hi");
        assert_eq!(
            v.render("000100 VOTE S5 beyond the columns").unwrap(),
            "000100 VOTE S5 beyond the columns"
        );
        assert_eq!(
            v.header().unwrap(),
            format!("S0{}│ S1\n{}┼{}", " ".repeat(19), "─".repeat(21), "─".repeat(21))
        );
    }

    #[test]
    fn layout_must_fit() {
        assert!(viewer(Layout::Columns { count: 5, width: 40 }, false).check().is_err());
        assert!(viewer(Layout::Columns { count: 0, width: 40 }, false).check().is_err());
        assert!(viewer(Layout::Columns { count: 3, width: 80 }, false).check().is_ok());
    }
}
