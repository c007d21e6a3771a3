//! The compile-time suite of the cache attributes lives in `tests/ui.rs`, run by trybuild; this
//! library is empty. The cases (`tests/ui/pass`, `tests/ui/fail`) may use `cache` and `serde`.
