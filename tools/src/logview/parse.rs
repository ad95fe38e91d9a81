//! Recognising the lab's debug lines: `<ms> <TOPIC> S<peer> <text>`, e.g.
//! `001234 LEAD S2 T5 leader`, and the tester's own, about no one peer:
//! `001250 TEST S* partition [0, 1, 2] | [3, 4]`.

/// One debug line, split into its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DebugLine<'a> {
    /// Milliseconds since the test started, as printed (zero-padded).
    pub time: &'a str,
    /// The topic: an upper-case word such as `LEAD`.
    pub topic: &'a str,
    /// The peer that printed it; `None` for the tester's lines (`S*`).
    pub peer: Option<usize>,
    /// The rest of the line.
    pub text: &'a str,
}

/// The parts of `line` if it is a debug line.
pub fn parse(line: &str) -> Option<DebugLine<'_>> {
    let (time, rest) = line.split_once(' ')?;
    let (topic, rest) = rest.split_once(' ')?;
    let (peer, text) = rest.split_once(' ').unwrap_or((rest, ""));
    let is_topic = topic.starts_with(|c: char| c.is_ascii_uppercase())
        && topic.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if time.is_empty() || !time.bytes().all(|b| b.is_ascii_digit()) || !is_topic {
        return None;
    }
    let peer = peer.strip_prefix('S')?;
    if peer == "*" {
        return Some(DebugLine { time, topic, peer: None, text });
    }
    if peer.is_empty() || !peer.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(DebugLine { time, topic, peer: Some(peer.parse().ok()?), text })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_debug_lines() {
        assert_eq!(
            parse("001234 LEAD S2 T5 leader"),
            Some(DebugLine { time: "001234", topic: "LEAD", peer: Some(2), text: "T5 leader" })
        );
        assert_eq!(parse("1234567 LOG2 S10").map(|d| (d.peer, d.text)), Some((Some(10), "")));
        assert_eq!(
            parse("001250 TEST S* crash S2"),
            Some(DebugLine { time: "001250", topic: "TEST", peer: None, text: "crash S2" })
        );
    }

    #[test]
    fn other_lines_are_not_debug_lines() {
        for line in [
            "Test (3A): initial election (reliable network)...",
            "  ... Passed --  time  3.0s #peers 3 #RPCs    52 #Ops    0",
            "001234 lead S2 x",
            "001234 LEAD 2 x",
            "12a LEAD S2 x",
            "001234 LEAD Sx x",
            "thread 'main' panicked at src/raft.rs:1:1:",
            "",
        ] {
            assert_eq!(parse(line), None, "{line}");
        }
    }
}
