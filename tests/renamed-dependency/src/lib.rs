//! Placeholder; the renamed-dependency tests live here.
