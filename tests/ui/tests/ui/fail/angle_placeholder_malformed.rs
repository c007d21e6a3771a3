// The `<name>` syntax has the same rules as `{name}`.

#[cache::set("service-<id-templates")]
async fn unclosed(id: u32) -> Vec<u32> {
    vec![id]
}

#[cache::set("service->-<id>")]
async fn unmatched(id: u32) -> Vec<u32> {
    vec![id]
}

#[cache::set("service-<>-<0>")]
async fn empty_and_positional(id: u32) -> Vec<u32> {
    vec![id]
}

fn main() {}
