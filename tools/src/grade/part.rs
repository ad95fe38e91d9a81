//! The lab's parts as `check` names them: `lab3A` … `lab3D`, or `lab3` for all four.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// One part of Lab 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Part(char);

impl Part {
    /// Every part, in order.
    pub const ALL: [Part; 4] = [Part('A'), Part('B'), Part('C'), Part('D')];

    /// The tag its tests' names end with, e.g. `3A`.
    pub fn tag(self) -> String {
        format!("3{}", self.0)
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "3{}", self.0)
    }
}

impl Serialize for Part {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A `check` argument: one part (`lab3A`, or just `3A`) or all of them (`lab3`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartSpec(pub Vec<Part>);

impl FromStr for PartSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bare = s.strip_prefix("lab").unwrap_or(s);
        match bare.strip_prefix('3') {
            Some("") => Ok(PartSpec(Part::ALL.to_vec())),
            Some(letter) => match Part::ALL.iter().find(|p| p.0.to_string().eq_ignore_ascii_case(letter)) {
                Some(p) => Ok(PartSpec(vec![*p])),
                None => Err(unknown(s)),
            },
            None => Err(unknown(s)),
        }
    }
}

fn unknown(s: &str) -> String {
    format!("unknown part {s:?}: expected lab3A, lab3B, lab3C, lab3D, or lab3 for all")
}

/// The parts `specs` name, each once, in lab order.
pub fn parts(specs: &[PartSpec]) -> Vec<Part> {
    let mut all: Vec<Part> = specs.iter().flat_map(|s| s.0.iter().copied()).collect();
    all.sort();
    all.dedup();
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_part_names() {
        assert_eq!("lab3A".parse(), Ok(PartSpec(vec![Part('A')])));
        assert_eq!("3d".parse(), Ok(PartSpec(vec![Part('D')])));
        assert_eq!("lab3".parse(), Ok(PartSpec(Part::ALL.to_vec())));
        assert!("lab3E".parse::<PartSpec>().unwrap_err().starts_with("unknown part \"lab3E\""));
        assert!("lab4A".parse::<PartSpec>().is_err());
        assert!("".parse::<PartSpec>().is_err());
    }

    #[test]
    fn parts_are_deduplicated_in_order() {
        let specs: Vec<PartSpec> = ["lab3C", "lab3A", "3C"].iter().map(|s| s.parse().unwrap()).collect();
        assert_eq!(parts(&specs), vec![Part('A'), Part('C')]);
        assert_eq!(Part('B').tag(), "3B");
        assert_eq!(serde_json::to_string(&Part('B')).unwrap(), "\"3B\"");
    }
}
