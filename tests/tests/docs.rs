//! The repository's Markdown: every fact that appears in two places is checked against its one
//! source, every relative link resolves, every Rust example is compiled, and user docs hold no
//! commit hashes or issue numbers.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The workspace's root directory.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_owned()
}

fn read(path: &str) -> String {
    fs::read_to_string(root().join(path)).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// Every Markdown file of the repository, relative to its root (build output and hidden
/// directories left out).
fn markdown_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, root: &Path, found: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).expect("read a directory").flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !name.starts_with('.') && name != "target" {
                    walk(&path, root, found);
                }
            } else if name.ends_with(".md") {
                found.push(path.strip_prefix(root).expect("under the root").to_owned());
            }
        }
    }
    let mut found = Vec::new();
    walk(&root(), &root(), &mut found);
    found.sort();
    found
}

/// The user docs: the README and the pages in `docs/`.
fn user_docs() -> Vec<PathBuf> {
    markdown_files()
        .into_iter()
        .filter(|path| path == Path::new("README.md") || path.starts_with("docs"))
        .collect()
}

/// A fenced code block: its info string (`rust`, `toml,ignore`, …) and its text.
struct Fence {
    info: String,
    text: String,
}

/// The text of `markdown` outside fenced code blocks (a blank line for each line inside one),
/// and the fenced blocks.
fn split_fences(markdown: &str) -> (String, Vec<Fence>) {
    let mut prose = String::new();
    let mut fences = Vec::new();
    let mut open: Option<(String, Fence)> = None;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        let marker: String = trimmed
            .chars()
            .take_while(|&c| c == '`' || c == '~')
            .collect();
        let is_fence =
            marker.len() >= 3 && marker.chars().all(|c| c == marker.as_bytes()[0] as char);
        match &mut open {
            Some((opened, fence)) => {
                if is_fence
                    && marker.starts_with(opened.as_str())
                    && trimmed[marker.len()..].trim().is_empty()
                {
                    fences.push(open.take().expect("a fence is open").1);
                } else {
                    fence.text.push_str(line);
                    fence.text.push('\n');
                }
                prose.push('\n');
            }
            None if is_fence => {
                let info = trimmed[marker.len()..].trim().to_owned();
                open = Some((
                    marker,
                    Fence {
                        info,
                        text: String::new(),
                    },
                ));
                prose.push('\n');
            }
            None => {
                prose.push_str(line);
                prose.push('\n');
            }
        }
    }
    assert!(open.is_none(), "a code fence is never closed");
    (prose, fences)
}

/// `text` without its inline code spans (`` `…` ``), so that code is not read as a link.
fn without_code_spans(text: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for c in text.chars() {
        if c == '`' {
            in_code = !in_code;
        } else if !in_code {
            out.push(c);
        }
    }
    out
}

/// The targets of the inline links and images (`[text](target)`) in `prose`.
fn link_targets(prose: &str) -> Vec<String> {
    let text = without_code_spans(prose);
    let mut targets = Vec::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        let end = rest.find(')').unwrap_or(rest.len());
        let target = rest[..end].split_whitespace().next().unwrap_or("");
        targets.push(target.trim_matches(|c| c == '<' || c == '>').to_owned());
        rest = &rest[end..];
    }
    targets
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces made hyphens.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|&c| c.is_alphanumeric() || c == ' ' || c == '-' || c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a Markdown file's headings, with GitHub's `-1`, `-2` for repeated ones.
fn anchors(markdown: &str) -> BTreeSet<String> {
    let (prose, _) = split_fences(markdown);
    let mut found = BTreeSet::new();
    for line in prose.lines() {
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if (1..=6).contains(&hashes) && line[hashes..].starts_with(' ') {
            let base = slug(&line[hashes..]);
            let mut anchor = base.clone();
            let mut n = 0;
            while !found.insert(anchor.clone()) {
                n += 1;
                anchor = format!("{base}-{n}");
            }
        }
    }
    found
}

/// The README is read in minutes: what it is, the two commands, install, the quick start, the
/// attributes, key templates, configuration and links. Longer material goes to `docs/`.
#[test]
fn the_readme_stays_short() {
    let lines = read("README.md").lines().count();
    assert!(
        lines <= 300,
        "README.md has {lines} lines: move the detail to docs/"
    );
    for heading in [
        "## The two commands",
        "## Quick start",
        "## The attributes",
        "## Key templates",
    ] {
        assert!(
            read("README.md").contains(&format!("\n{heading}\n")),
            "{heading}"
        );
    }
}

/// The crate docs include `cache-runtime/docs/reference.md`, the one source of the key-template
/// rules; the README shows its table of template forms, word for word.
#[test]
fn the_readme_s_key_template_table_is_the_reference_s() {
    let reference = read("cache-runtime/docs/reference.md");
    let section = reference
        .split("## Key templates")
        .nth(1)
        .expect("the reference has a `## Key templates` section");
    let table: String = section
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .map(|line| format!("{line}\n"))
        .collect();
    assert!(table.lines().count() > 3, "the reference's table is gone");
    assert!(
        read("README.md").contains(&table),
        "README.md's key-template table differs from cache-runtime/docs/reference.md's: copy it"
    );
}

/// The environment variables' one source is the runtime's list, which renders the rustdoc of
/// `Cache::from_env` and `orgs --help`; the configuration page carries its table word for word.
#[test]
fn the_configuration_page_carries_the_runtime_s_environment_table() {
    let table = cache::environment::MARKDOWN_TABLE;
    for variable in cache::environment::VARIABLES {
        assert!(table.contains(&format!("| `{}` |", variable.name)));
    }
    assert!(
        read("docs/CONFIGURATION.md").contains(table),
        "docs/CONFIGURATION.md's environment table differs from cache::environment::MARKDOWN_TABLE: \
         paste this in its place:\n{table}"
    );
}

/// The metrics module's docs include `cache-runtime/docs/metrics.md`; the metrics page carries
/// it word for word.
#[test]
fn the_metrics_page_carries_the_metrics_module_s_tables() {
    let tables = read("cache-runtime/docs/metrics.md");
    assert!(tables.contains("cache_calls_total"));
    assert!(
        read("docs/METRICS.md").contains(&tables),
        "docs/METRICS.md differs from cache-runtime/docs/metrics.md: copy the file's text"
    );
}

/// Every relative link in the repository's Markdown names a file that exists, and a heading of
/// it when it has an anchor.
#[test]
fn relative_links_resolve() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for file in markdown_files() {
        let markdown = read(file.to_str().expect("a UTF-8 path"));
        let (prose, _) = split_fences(&markdown);
        for target in link_targets(&prose) {
            if target.contains("://") || target.starts_with("mailto:") || target.is_empty() {
                continue;
            }
            checked += 1;
            let (path, anchor) = match target.split_once('#') {
                Some((path, anchor)) => (path, Some(anchor)),
                None => (target.as_str(), None),
            };
            let linked = if path.is_empty() {
                file.clone()
            } else {
                file.parent().expect("a file has a directory").join(path)
            };
            let full = root().join(&linked);
            if !full.exists() {
                broken.push(format!("{}: {target} (no such file)", file.display()));
                continue;
            }
            if let Some(anchor) = anchor {
                let text = fs::read_to_string(&full).unwrap_or_default();
                if !anchors(&text).contains(anchor) {
                    broken.push(format!("{}: {target} (no such heading)", file.display()));
                }
            }
        }
    }
    assert!(
        checked > 20,
        "only {checked} links found: is the parser broken?"
    );
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// Every fenced Rust block of the user docs is compiled (and run) as a doc test: each fence
/// names its language (rustdoc takes a bare fence for Rust), no Rust block is `ignore`d, and
/// every page with one is included in `tests/src/doc_examples.rs`.
#[test]
fn every_rust_example_in_the_docs_is_compiled() {
    let included = read("tests/src/doc_examples.rs");
    let mut rust_blocks = 0;
    for file in user_docs() {
        let name = file.to_str().expect("a UTF-8 path");
        let (_, fences) = split_fences(&read(name));
        let mut has_rust = false;
        for fence in fences {
            let mut words = fence.info.split(',').map(str::trim);
            let language = words.next().unwrap_or("");
            assert!(
                !language.is_empty(),
                "{name}: a code block without a language (rustdoc would compile it as Rust):\n{}",
                fence.text
            );
            if language == "rust" {
                has_rust = true;
                rust_blocks += 1;
                assert!(
                    !words.any(|word| word == "ignore"),
                    "{name}: an ignored Rust block:\n{}",
                    fence.text
                );
            }
        }
        if has_rust {
            assert!(
                included.contains(&format!("include_str!(\"../../{name}\")")),
                "{name} has Rust examples: include it in tests/src/doc_examples.rs"
            );
        }
    }
    assert!(rust_blocks >= 5, "only {rust_blocks} Rust blocks found");
}

/// User docs hold current facts: no commit hashes, no issue numbers.
#[test]
fn user_docs_name_no_commits_or_issues() {
    let mut found = Vec::new();
    let mut files = user_docs();
    files.extend(
        [
            "orgs-cli/README.md",
            "orgs-client/README.md",
            "cache-macros/README.md",
        ]
        .map(PathBuf::from),
    );
    for file in files {
        let name = file.to_str().expect("a UTF-8 path");
        let text = read(name);
        // Hyphens join a word, so that a UUID's groups are not taken for hashes.
        for word in text.split(|c: char| !c.is_ascii_alphanumeric() && c != '-') {
            let hex = word
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
            let digits = word.chars().any(|c| c.is_ascii_digit());
            let letters = word.chars().any(|c| c.is_ascii_alphabetic());
            if (7..=40).contains(&word.len()) && hex && digits && letters {
                found.push(format!("{name}: {word} (a commit hash?)"));
            }
        }
        let lower = text.to_lowercase();
        for (at, _) in lower.match_indices("issue") {
            let after = lower[at + "issue".len()..].trim_start_matches([' ', '#']);
            if after.starts_with(|c: char| c.is_ascii_digit()) {
                found.push(format!("{name}: {}", &text[at..(at + 12).min(text.len())]));
            }
        }
    }
    assert!(
        found.is_empty(),
        "history in user docs:\n{}",
        found.join("\n")
    );
}

#[test]
fn slugs_follow_github() {
    assert_eq!(slug(" `orgs demo`"), "orgs-demo");
    assert_eq!(
        slug(" 10. A keyspace shared with Notify's Python app"),
        "10-a-keyspace-shared-with-notifys-python-app"
    );
    assert_eq!(
        slug(" Managed Redis: TLS, users, failover"),
        "managed-redis-tls-users-failover"
    );
    let links = link_targets("see [a](b.md#c) and `[x](y)` and ![i](d.svg \"t\")");
    assert_eq!(links, ["b.md#c", "d.svg"]);
}
