//! The declared `rust-version` is true of the dependencies: none of the crates the publishable
//! packages build with (normal and build dependencies, as locked) declares a newer one. The
//! workspace's own code is held to it by clippy's `incompatible_msrv` lint, which reads the
//! same `rust-version`; only one toolchain is installed where this runs, so the build itself is
//! not repeated with the declared version.

use std::collections::{BTreeSet, HashMap};
use std::process::Command;

use serde_json::Value;

/// The crates published to crates.io.
const PUBLISHED: [&str; 3] = ["cache-macros", "cache-runtime", "orgs-client"];

/// `1.88` and `1.88.0` alike, as (major, minor, patch).
fn version(text: &str) -> [u64; 3] {
    let mut parts = text
        .split('.')
        .map(|part| part.parse().expect("a numeric version"));
    [(); 3].map(|()| parts.next().unwrap_or(0))
}

#[test]
fn no_dependency_needs_a_newer_rust_than_the_packages_declare() {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo metadata");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("cargo metadata's JSON");
    let packages: HashMap<&str, &Value> = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|package| (package["id"].as_str().expect("an id"), package))
        .collect();
    let nodes: HashMap<&str, &Value> = metadata["resolve"]["nodes"]
        .as_array()
        .expect("the resolve graph")
        .iter()
        .map(|node| (node["id"].as_str().expect("an id"), node))
        .collect();

    for name in PUBLISHED {
        let (root, package) = packages
            .iter()
            .find(|(_, package)| package["name"] == name)
            .unwrap_or_else(|| panic!("{name} is in the workspace"));
        let declared = package["rust_version"]
            .as_str()
            .unwrap_or_else(|| panic!("{name} declares a rust-version"));

        // Everything the package builds with: dev-dependencies left out.
        let mut seen = BTreeSet::new();
        let mut next = vec![*root];
        while let Some(id) = next.pop() {
            if !seen.insert(id) {
                continue;
            }
            for dep in nodes[id]["deps"].as_array().expect("deps") {
                let builds_with = dep["dep_kinds"]
                    .as_array()
                    .expect("dep_kinds")
                    .iter()
                    .any(|kind| kind["kind"].is_null() || kind["kind"] == "build");
                if builds_with {
                    next.push(dep["pkg"].as_str().expect("a package id"));
                }
            }
        }
        assert!(seen.len() > 3, "{name}: only {} crates found", seen.len());
        let too_new: Vec<String> = seen
            .iter()
            .filter_map(|id| {
                let needs = packages[id]["rust_version"].as_str()?;
                (version(needs) > version(declared)).then(|| {
                    let field = |key: &str| packages[id][key].as_str().unwrap_or("?");
                    format!("{} {} needs {needs}", field("name"), field("version"))
                })
            })
            .collect();
        assert!(
            too_new.is_empty(),
            "{name} declares rust-version {declared}, but:\n{}",
            too_new.join("\n")
        );
    }
}
