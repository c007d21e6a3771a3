// Names bound inside a destructuring pattern are not arguments.

#[cache::set("point-{a}-{b}")]
async fn point((a, b): (u32, u32)) -> u32 {
    a + b
}

struct Org {
    id: u32,
}

#[cache::delete("org-{id}")]
async fn org(Org { id }: Org) {
    let _ = id;
}

fn main() {}
