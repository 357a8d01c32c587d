//! The file an HTTP object is written to: named from the last segment of the request's path,
//! as Wireshark names it, made safe to create in a directory, with an extension from the
//! response's media type when the name has none.
//!
//! The invariant: [`file_name`] returns a name that is never empty, `.` or `..`, holds no `/`,
//! `\`, NUL or other control character, does not start with `.` (no hidden file, no `..`),
//! and is at most [`MAX_NAME`] bytes; [`Names::unique`] never returns a name twice.

use std::collections::HashSet;

/// The longest name made, in bytes (room is left below the 255 of most file systems for a
/// `-N` suffix).
pub const MAX_NAME: usize = 120;
/// The name of an object whose path ends in `/` (or is unknown), as `wget` names it.
const INDEX: &str = "index";

/// The file name for an object of `path` (a request's path or full URI) and `content_type`.
pub fn file_name(path: &str, content_type: Option<&str>) -> String {
    // A full URI's path starts after its authority.
    let path = match path.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |at| &rest[at..]),
        None => path,
    };
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let segment = path.rsplit('/').next().unwrap_or_default();
    let mut name: String = segment
        .chars()
        .map(
            |character| {
                if character.is_control() || matches!(character, '/' | '\\') { '_' } else { character }
            },
        )
        .collect();
    // No hidden file, and so no `.` or `..` either.
    if name.starts_with('.') {
        name.replace_range(..1, "_");
    }
    if name.trim_matches('_').is_empty() {
        name = INDEX.to_owned();
    }
    let mut name = shortened(&name, MAX_NAME - 6);
    if !name.contains('.')
        && let Some(extension) = content_type.and_then(extension)
    {
        name.push('.');
        name.push_str(extension);
    }
    name
}

/// `name` cut to at most `limit` bytes, on a character's boundary.
fn shortened(name: &str, limit: usize) -> String {
    let mut end = name.len().min(limit);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name[..end].to_owned()
}

/// The extension for a media type (`text/html; charset=utf-8` → `html`), for the common ones.
pub fn extension(content_type: &str) -> Option<&'static str> {
    let media = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    Some(match media.as_str() {
        "text/html" => "html",
        "text/plain" => "txt",
        "text/css" => "css",
        "text/csv" => "csv",
        "text/javascript" | "application/javascript" | "application/x-javascript" => "js",
        "application/json" | "application/problem+json" => "json",
        "text/xml" | "application/xml" => "xml",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "image/avif" => "avif",
        "image/svg+xml" => "svg",
        "image/x-icon" | "image/vnd.microsoft.icon" => "ico",
        "application/pdf" => "pdf",
        "application/zip" => "zip",
        "application/gzip" => "gz",
        "application/wasm" => "wasm",
        "application/octet-stream" => "bin",
        "font/woff" => "woff",
        "font/woff2" => "woff2",
        "video/mp4" => "mp4",
        "audio/mpeg" => "mp3",
        _ => return None,
    })
}

/// The names given so far in one directory.
#[derive(Debug, Default)]
pub struct Names {
    taken: HashSet<String>,
}

impl Names {
    /// `name`, or `stem-2.ext`, `stem-3.ext`, … when it was given already.
    pub fn unique(&mut self, name: &str) -> String {
        let (stem, extension) = match name.rsplit_once('.') {
            Some((stem, extension)) if !stem.is_empty() => (stem, format!(".{extension}")),
            _ => (name, String::new()),
        };
        let mut attempt = 1usize;
        loop {
            let candidate =
                if attempt == 1 { name.to_owned() } else { format!("{stem}-{attempt}{extension}") };
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
            attempt += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What every name made must be, whatever the path.
    fn assert_safe(name: &str) {
        assert!(!name.is_empty() && name != "." && name != "..", "{name:?}");
        assert!(!name.starts_with('.'), "{name:?} is hidden");
        assert!(!name.contains(['/', '\\', '\0']), "{name:?}");
        assert!(!name.chars().any(char::is_control), "{name:?}");
        assert!(name.len() <= MAX_NAME, "{name:?}");
    }

    #[test]
    fn the_last_segment_of_the_path_names_the_file() {
        assert_eq!(file_name("/tls12/1", Some("text/plain")), "1.txt");
        assert_eq!(file_name("/hello.txt", Some("text/plain")), "hello.txt");
        assert_eq!(file_name("https://server.test/a/b/logo.png?size=2#top", None), "logo.png");
        assert_eq!(file_name("/", Some("text/html; charset=utf-8")), "index.html");
        assert_eq!(file_name("", None), "index");
        assert_eq!(file_name("http://host", Some("application/json")), "index.json");
        assert_eq!(file_name("/api/items", Some("application/x-unknown")), "items");
    }

    #[test]
    fn hostile_paths_make_safe_names() {
        let hostile = [
            "/..",
            "/.",
            "/a/..",
            "/../../etc/passwd",
            "/.bashrc",
            "/..\\..\\windows\\system32",
            "/evil\u{0}name",
            "/bell\u{7}\u{1b}[2J",
            "/new\nline",
            "//////",
            "/%2e%2e",
            "/\u{85}next-line",
            &format!("/{}", "é".repeat(200)),
            &format!("/{}.txt", "a".repeat(300)),
        ];
        for path in hostile {
            for content_type in [None, Some("text/html")] {
                let name = file_name(path, content_type);
                assert_safe(&name);
            }
        }
        assert_eq!(file_name("/../../etc/passwd", None), "passwd");
        assert_eq!(file_name("/..", None), "_.");
        assert_eq!(file_name("/.bashrc", None), "_bashrc");
        assert_eq!(file_name("/..\\..\\x", None), "_._.._x");
        assert_eq!(file_name("/a\u{1b}[2J", Some("text/plain")), "a_[2J.txt");
        // Cut on a character's boundary.
        let long = file_name(&format!("/{}", "é".repeat(200)), None);
        assert!(long.chars().all(|character| character == 'é'), "{long}");
    }

    #[test]
    fn a_name_given_twice_takes_a_suffix_before_its_extension() {
        let mut names = Names::default();
        assert_eq!(names.unique("1.txt"), "1.txt");
        assert_eq!(names.unique("1.txt"), "1-2.txt");
        assert_eq!(names.unique("1.txt"), "1-3.txt");
        assert_eq!(names.unique("1-2.txt"), "1-2-2.txt");
        assert_eq!(names.unique("index"), "index");
        assert_eq!(names.unique("index"), "index-2");
        assert_eq!(names.unique("_bashrc"), "_bashrc");
    }
}
