//! Compile-time behaviour of the cache attributes: what must compile, and the diagnostics users
//! see when it must not. Regenerate the expected output with
//! `TRYBUILD=overwrite cargo test -p cache-ui-tests --test ui`, then review every changed `.stderr`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
