//! Colours for topics (ANSI 256-colour codes, after dslogs.py's palette).

/// The 256-colour code for `topic`; unknown topics get a fixed colour picked by their name.
pub fn topic_color(topic: &str) -> u8 {
    match topic {
        "TIMR" => 247,
        "VOTE" => 73,
        "LEAD" => 179,
        "TERM" => 113,
        "LOG1" => 68,
        "LOG2" => 30,
        "CMIT" => 139,
        "PERS" => 173,
        "SNAP" => 208,
        "DROP" => 203,
        "CLNT" => 29,
        "TEST" => 198,
        "INFO" => 255,
        "WARN" => 173,
        "ERRO" | "TRCE" => 196,
        _ => {
            const SPARE: [u8; 8] = [39, 82, 141, 170, 214, 45, 118, 219];
            let hash = topic.bytes().fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize));
            SPARE[hash % SPARE.len()]
        }
    }
}

/// `text` in `topic`'s colour.
pub fn paint(text: &str, topic: &str) -> String {
    format!("\x1b[38;5;{}m{text}\x1b[0m", topic_color(topic))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_topics() {
        assert_eq!(paint("x", "LEAD"), "\x1b[38;5;179mx\x1b[0m");
        assert_eq!(topic_color("ZZZZ"), topic_color("ZZZZ"));
        assert_ne!(topic_color("VOTE"), topic_color("LEAD"));
    }
}
