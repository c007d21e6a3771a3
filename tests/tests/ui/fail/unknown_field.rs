// Field paths are checked by rustc, at the template.

struct Org {
    id: u32,
}

#[cache::set("org-{org.name}")]
async fn name(org: Org) -> u32 {
    org.id
}

fn main() {}
