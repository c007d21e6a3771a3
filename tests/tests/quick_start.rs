//! The README's quick start, followed as written: a fresh crate made by `cargo new`, the
//! README's dependency lines (the path pointing at this checkout) and its `src/main.rs`, built
//! with `-D warnings` and run with nothing configured, against a Redis, and in process. What
//! it prints must be what the README says it prints.
//!
//! The crate is built in `target/quick-start`, kept between runs, with the workspace's
//! `Cargo.lock` so that it gets the versions the workspace is tested with.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cache_tests::RedisServer;

/// The path the README's dependency line gives, to be replaced by this checkout's.
const README_PATH: &str = "path = \"../cache/cache-runtime\"";
/// What the README tells the reader to change to cache in process.
const FROM_ENV: &str = "cache::Cache::from_env()?";
const IN_MEMORY: &str = "cache::Cache::in_memory()";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_owned()
}

/// The README's quick start: its `toml` block, its `rust` block, and its `text` blocks that
/// show a command (`$ …`) and what it prints.
struct QuickStart {
    dependencies: String,
    main: String,
    outputs: Vec<(String, String)>,
}

fn quick_start() -> QuickStart {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let section = readme
        .split("\n## Quick start\n")
        .nth(1)
        .expect("the README has a `## Quick start` section");
    let section = section.split("\n## ").next().expect("a section");
    let mut blocks = Vec::new();
    let mut lines = section.lines();
    while let Some(line) = lines.next() {
        if let Some(language) = line.strip_prefix("```") {
            let text: Vec<&str> = lines.by_ref().take_while(|line| *line != "```").collect();
            blocks.push((language.to_owned(), text.join("\n") + "\n"));
        }
    }
    let block = |language: &str| {
        let mut found = blocks.iter().filter(|(l, _)| l == language);
        let (_, text) = found
            .next()
            .unwrap_or_else(|| panic!("no {language} block"));
        assert!(found.next().is_none(), "more than one {language} block");
        text.clone()
    };
    let outputs = blocks
        .iter()
        .filter(|(language, text)| language == "text" && text.starts_with("$ "))
        .map(|(_, text)| {
            let (command, printed) = text.split_once('\n').expect("a command and its output");
            (command.to_owned(), printed.to_owned())
        })
        .collect();
    QuickStart {
        dependencies: block("toml"),
        main: block("rust"),
        outputs,
    }
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
}

#[track_caller]
fn succeeded(what: &str, output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Builds the crate in `dir` as a reader would, but with `-D warnings`.
fn build(dir: &Path) {
    let output = cargo()
        .args(["build", "--quiet"])
        .current_dir(dir)
        .env("RUSTFLAGS", "-D warnings")
        .env("CARGO_TARGET_DIR", root().join("target/quick-start"))
        .output()
        .expect("run cargo build");
    succeeded("cargo build of the quick start", &output);
}

/// Runs the built program with the cache's variables (and `RUST_LOG`) cleared, then `vars`.
fn run(vars: &[(&str, &str)]) -> Output {
    let mut command = Command::new(root().join("target/quick-start/debug/quick-start"));
    for variable in cache::environment::VARIABLES {
        command.env_remove(variable.name);
    }
    command.env_remove("RUST_LOG");
    command.envs(vars.iter().copied());
    command.output().expect("run the quick start")
}

#[test]
fn the_quick_start_builds_and_prints_what_the_readme_says() {
    let readme = quick_start();
    let [
        (disabled_command, disabled),
        (redis_command, redis),
        (memory_command, memory),
    ] = <[(String, String); 3]>::try_from(readme.outputs)
        .expect("three outputs: nothing configured, with REDIS_URL, in memory");
    assert_eq!(disabled_command, "$ cargo run");
    assert_eq!(memory_command, "$ cargo run");
    let readme_url = redis_command
        .strip_prefix("$ REDIS_URL=")
        .and_then(|rest| rest.strip_suffix(" cargo run"))
        .expect("`$ REDIS_URL=… cargo run`");

    let dir = std::env::temp_dir().join(format!("cache-quick-start-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("make a temporary directory");
    let krate = dir.join("quick-start");
    let output = cargo()
        .args(["new", "--quiet", "--vcs", "none", "quick-start"])
        .current_dir(&dir)
        .output()
        .expect("run cargo new");
    succeeded("cargo new", &output);

    // The README's dependencies in place of the empty table `cargo new` writes.
    let manifest_path = krate.join("Cargo.toml");
    let manifest = std::fs::read_to_string(&manifest_path).expect("Cargo.toml");
    let manifest = manifest
        .strip_suffix("[dependencies]\n")
        .expect("cargo new ends Cargo.toml with an empty [dependencies]");
    assert!(
        readme.dependencies.contains(README_PATH),
        "the README's dependency line names {README_PATH}"
    );
    let checkout = format!("path = {:?}", root().join("cache-runtime"));
    let dependencies = readme.dependencies.replace(README_PATH, &checkout);
    std::fs::write(&manifest_path, format!("{manifest}{dependencies}")).expect("write Cargo.toml");
    std::fs::copy(root().join("Cargo.lock"), krate.join("Cargo.lock")).expect("copy Cargo.lock");
    std::fs::write(krate.join("src/main.rs"), &readme.main).expect("write main.rs");
    build(&krate);

    // Nothing configured: the cache is off, and its warning is on standard error.
    let output = run(&[]);
    assert_eq!(succeeded("the quick start", &output), disabled);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let warning = "cache disabled: REDIS_URL is not set; every cached call runs its body \
                   (set REDIS_URL, or REDIS_ENABLED=0 to silence this)";
    assert!(stderr.contains(warning), "{stderr}");
    let readme_text = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    assert!(
        readme_text.contains(&format!("`{warning}`")),
        "the README quotes the warning"
    );

    // Against a Redis: the README's URL stands for the test server's.
    let server = RedisServer::start();
    let url = format!("{}/0", server.url());
    // A generous bound per operation: on a busy machine the default 100 ms can pass before the
    // first connection is made, and the call then fails open (its body runs), which is right but
    // not what the README shows.
    let output = run(&[("REDIS_URL", &url), ("CACHE_TIMEOUT", "10s")]);
    let printed = succeeded("the quick start with REDIS_URL", &output).replace(&url, readme_url);
    assert_eq!(printed, redis);

    // In process, after the one change the README describes.
    assert!(
        readme.main.contains(FROM_ENV),
        "the example calls {FROM_ENV}"
    );
    std::fs::write(
        krate.join("src/main.rs"),
        readme.main.replace(FROM_ENV, IN_MEMORY),
    )
    .expect("write main.rs");
    build(&krate);
    assert_eq!(succeeded("the quick start in memory", &run(&[])), memory);

    let _ = std::fs::remove_dir_all(&dir);
}
