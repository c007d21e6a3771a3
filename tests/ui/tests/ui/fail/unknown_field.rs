// Field paths are checked by rustc, at the template, with no suggestion that would replace the
// whole template string.

struct Org {
    id: u32,
    name: String,
}

#[cache::set("org-{org.nmae}")]
async fn name(org: Org) -> String {
    org.name
}

fn main() {}
