//! Go's way of writing and reading a duration (`time.Duration.String`, `time.ParseDuration`),
//! for the lines Go prints with one (`-timeout`, TestSpeed's message, TestBenchmark).

use std::time::Duration;

/// `d` as Go's `time.Duration.String` writes it: `0s`, `750ns`, `1.5µs`, `37.002908ms`,
/// `2.5s`, `1m30s`, `2h0m0s`.
pub fn go_duration(d: Duration) -> String {
    let ns = d.as_nanos().min(u128::from(u64::MAX)) as u64;
    if ns == 0 {
        return "0s".to_string();
    }
    if ns < 1_000 {
        return format!("{ns}ns");
    }
    if ns < 1_000_000 {
        return format!("{}µs", decimal(ns, 3));
    }
    if ns < 1_000_000_000 {
        return format!("{}ms", decimal(ns, 6));
    }
    let secs = decimal(ns % 60_000_000_000, 9);
    let mins = ns / 60_000_000_000;
    match (mins / 60, mins % 60) {
        (0, 0) => format!("{secs}s"),
        (0, m) => format!("{m}m{secs}s"),
        (h, m) => format!("{h}h{m}m{secs}s"),
    }
}

/// `v / 10^prec` in decimal, without trailing zeros (nor the point, when whole).
fn decimal(v: u64, prec: u32) -> String {
    let pow = 10u64.pow(prec);
    let (whole, frac) = (v / pow, v % pow);
    if frac == 0 {
        return whole.to_string();
    }
    let digits = format!("{frac:0width$}", width = prec as usize);
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// Parses a duration as Go's `time.ParseDuration` does (`1h30m`, `2.5s`, `300ms`, `0`);
/// `None` if it is not one, or negative.
pub(crate) fn parse_go_duration(text: &str) -> Option<Duration> {
    if text == "0" {
        return Some(Duration::ZERO);
    }
    let mut rest = text.strip_prefix('+').unwrap_or(text);
    if rest.is_empty() {
        return None;
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let (num, tail) = rest.split_at(num_len);
        if num.is_empty() || num == "." {
            return None;
        }
        let value: f64 = num.parse().ok()?;
        let unit_len = tail.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let scale = match unit {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += value * scale;
        rest = tail;
    }
    Duration::try_from_secs_f64(total).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_as_in_go() {
        let ns = Duration::from_nanos;
        for (d, want) in [
            (ns(0), "0s"),
            (ns(1), "1ns"),
            (ns(999), "999ns"),
            (ns(1_000), "1µs"),
            (ns(1_500), "1.5µs"),
            (ns(37_002_908), "37.002908ms"),
            (ns(33_333_333), "33.333333ms"),
            (ns(100_000_000), "100ms"),
            (ns(1_000_000_000), "1s"),
            (ns(2_500_000_000), "2.5s"),
            (ns(61_000_000_001), "1m1.000000001s"),
            (ns(90_000_000_000), "1m30s"),
            (ns(7_200_000_000_000), "2h0m0s"),
        ] {
            assert_eq!(go_duration(d), want);
        }
    }

    #[test]
    fn go_durations_parse() {
        let s = Duration::from_secs;
        assert_eq!(parse_go_duration("0"), Some(Duration::ZERO));
        assert_eq!(parse_go_duration("10m"), Some(s(600)));
        assert_eq!(parse_go_duration("90s"), Some(s(90)));
        assert_eq!(parse_go_duration("1h30m"), Some(s(5400)));
        assert_eq!(parse_go_duration("2.5s"), Some(Duration::from_millis(2500)));
        assert_eq!(parse_go_duration("300ms"), Some(Duration::from_millis(300)));
        for bad in ["", "10", "m", "-1s", "1x", "1.2.3s", "s10"] {
            assert_eq!(parse_go_duration(bad), None, "{bad}");
        }
    }
}
