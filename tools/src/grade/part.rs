//! The parts `check` grades, as it names them: `lab3A` … `lab3D` (or `3A`), `lab3` for all
//! four; `kvsrv` and `lock`, or `lab2` for both; `lab4A` … `lab4C`, `lab4`.

use crate::labs::{PARTS, PartDef};
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// One graded part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part(pub PartDef);

impl Part {
    /// Every part, in lab order.
    pub fn all() -> Vec<Part> {
        PARTS.iter().copied().map(Part).collect()
    }

    /// Its place in lab order.
    fn rank(self) -> usize {
        PARTS.iter().position(|p| p.name == self.0.name).unwrap_or(usize::MAX)
    }
}

impl PartialOrd for Part {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Part {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank().cmp(&other.rank())
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name)
    }
}

impl Serialize for Part {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A `check` argument: one part (`lab3A`, `3A`, `kvsrv`) or a whole lab (`lab3`, `lab2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartSpec(pub Vec<Part>);

impl FromStr for PartSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bare = s.strip_prefix("lab").unwrap_or(s);
        if let Some(p) = PARTS.iter().find(|p| p.name.eq_ignore_ascii_case(bare)) {
            return Ok(PartSpec(vec![Part(*p)]));
        }
        let lab: Vec<Part> = PARTS.iter().filter(|p| p.lab == bare).copied().map(Part).collect();
        if s.starts_with("lab") && !lab.is_empty() {
            return Ok(PartSpec(lab));
        }
        Err(format!(
            "unknown part {s:?}: expected lab2 (or kvsrv, lock), lab3A … lab3D, lab3, lab4A … lab4C, or lab4"
        ))
    }
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

    fn names(spec: &str) -> Vec<&'static str> {
        spec.parse::<PartSpec>().unwrap().0.iter().map(|p| p.0.name).collect()
    }

    #[test]
    fn parses_part_names() {
        assert_eq!(names("lab3A"), ["3A"]);
        assert_eq!(names("3d"), ["3D"]);
        assert_eq!(names("lab3"), ["3A", "3B", "3C", "3D"]);
        assert_eq!(names("lab2"), ["kvsrv", "lock"]);
        assert_eq!(names("kvsrv"), ["kvsrv"]);
        assert_eq!(names("lablock"), ["lock"]);
        assert_eq!(names("lab4"), ["4A", "4B", "4C"]);
        assert_eq!(names("lab4C"), ["4C"]);
        assert!("lab3E".parse::<PartSpec>().unwrap_err().starts_with("unknown part \"lab3E\""));
        assert!("lab9".parse::<PartSpec>().is_err());
        assert!("3".parse::<PartSpec>().is_err(), "a lab needs its `lab` prefix");
        assert!("".parse::<PartSpec>().is_err());
    }

    #[test]
    fn parts_are_deduplicated_in_order() {
        let specs: Vec<PartSpec> =
            ["lab3C", "lab3A", "3C", "lock"].iter().map(|s| s.parse().unwrap()).collect();
        let got: Vec<String> = parts(&specs).iter().map(|p| p.to_string()).collect();
        assert_eq!(got, ["lock", "3A", "3C"]);
        assert_eq!(serde_json::to_string(&Part::all()[3]).unwrap(), "\"3B\"");
    }
}
