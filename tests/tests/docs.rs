//! The docs that live in two places say the same thing.

use std::fs;
use std::path::{Path, PathBuf};

/// The workspace's root directory.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_owned()
}

/// The crate docs include `cache-runtime/docs/reference.md` (docs.rs shows no README): the
/// README must carry the same sections word for word, so that neither goes stale alone.
#[test]
fn the_readme_carries_the_crate_docs_reference_sections() {
    let readme = fs::read_to_string(root().join("README.md")).expect("README.md");
    let reference = fs::read_to_string(root().join("cache-runtime/docs/reference.md"))
        .expect("cache-runtime/docs/reference.md");
    assert!(
        reference.contains("## Key templates") && reference.contains("## Semantics"),
        "the reference lost a section"
    );
    assert!(
        readme.contains(&reference),
        "README.md's `## Key templates` and `## Semantics` differ from \
         cache-runtime/docs/reference.md: copy the file's text into the README"
    );
}
