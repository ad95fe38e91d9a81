//! The timeline page: one self-contained HTML file (inline CSS and JavaScript, the data as
//! JSON), and writing it where `VIS_FILE` says or to a temporary file.

use super::timeline::Timeline;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::PathBuf;

const TEMPLATE: &str = include_str!("timeline.html");
const STYLE: &str = include_str!("timeline.css");
const SCRIPT: &str = include_str!("timeline.js");

/// The page showing `timeline`.
pub fn render_html(timeline: &Timeline) -> String {
    let title = match (timeline.test.as_str(), timeline.result.as_str()) {
        ("", "") => "failure timeline".to_string(),
        (test, "") => format!("{test}: failure timeline"),
        ("", result) => format!("failure timeline: {result}"),
        (test, result) => format!("{test}: {result}"),
    };
    fill(
        TEMPLATE,
        &[
            ("{{title}}", &escape_html(&title)),
            ("{{style}}", STYLE),
            ("{{data}}", &json_for_script(timeline)),
            ("{{script}}", SCRIPT),
        ],
    )
}

/// Replaces each marker of `template`, in order, by its value. Only the template is
/// searched, so a value that happens to contain a marker stays as it is.
fn fill(template: &str, parts: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + parts.iter().map(|p| p.1.len()).sum::<usize>());
    let mut rest = template;
    for (marker, value) in parts {
        if let Some(at) = rest.find(marker) {
            out.push_str(&rest[..at]);
            out.push_str(value);
            rest = &rest[at + marker.len()..];
        }
    }
    out.push_str(rest);
    out
}

/// The timeline as JSON that is safe inside `<script>`: every `<` is written `\u003c`,
/// which JSON reads back the same, so no `</script>` or `<!--` can end the block early.
fn json_for_script(timeline: &Timeline) -> String {
    // Serializing plain structs of strings and numbers cannot fail; an empty object still
    // gives a page that says so rather than no page.
    let json = serde_json::to_string(timeline).unwrap_or_else(|_| "{}".to_string());
    json.replace('<', "\\u003c")
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Writes the page for `timeline` to `target`, or else to a new `porcupine-*.html` in the
/// temporary directory; returns the line to print, Go's `info: ...`.
pub(crate) fn write(timeline: &Timeline, target: Option<&str>) -> String {
    let opened = match target {
        Some(path) => File::create(path).map(|f| (f, PathBuf::from(path))).map_err(|e| (path.to_string(), e)),
        None => create_temp(),
    };
    let (mut file, path) = match opened {
        Ok(opened) => opened,
        Err((path, e)) => return format!("info: failed to open visualization file {path} ({e})"),
    };
    match file.write_all(render_html(timeline).as_bytes()).and_then(|()| file.flush()) {
        Ok(()) => format!("info: wrote visualization to {}", path.display()),
        Err(e) => format!("info: failed to write visualization file {} ({e})", path.display()),
    }
}

/// Creates a new, uniquely named `porcupine-*.html` in the temporary directory.
fn create_temp() -> Result<(File, PathBuf), (String, io::Error)> {
    let dir = std::env::temp_dir();
    let mut last = None;
    for _ in 0..16 {
        let path = dir.join(format!("porcupine-{}.html", rand::random::<u32>()));
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(f) => return Ok((f, path)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some((path, e)),
            Err(e) => return Err((path.display().to_string(), e)),
        }
    }
    let (path, e) = last.unwrap_or_else(|| (dir.clone(), io::Error::other("no name left to try")));
    Err((path.display().to_string(), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_does_not_search_values() {
        assert_eq!(fill("a{{x}}b{{y}}c", &[("{{x}}", "{{y}}"), ("{{y}}", "Y")]), "a{{y}}bYc");
    }

    #[test]
    fn json_has_no_raw_angle_brackets() {
        let t = Timeline { test: "</script><!--".into(), ..Default::default() };
        let json = json_for_script(&t);
        assert!(!json.contains('<'), "{json}");
        let back: Timeline = serde_json::from_str(&json).unwrap();
        assert_eq!(back.test, "</script><!--");
    }
}
