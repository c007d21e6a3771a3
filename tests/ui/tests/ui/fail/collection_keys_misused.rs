// `{ids[..]}` makes a key per element: for invalidation only, one per template, over a
// collection of `Display` values.

#[cache::set("service-{ids[..]}")]
async fn services(ids: Vec<u32>) -> Vec<u32> {
    ids
}

#[cache::delete("service-{ids[..]}-{names[..]}")]
async fn both(ids: Vec<u32>, names: Vec<String>) {
    let _ = (ids, names);
}

#[cache::delete("service-{pairs[..]}")]
async fn not_display(pairs: Vec<(u32, u32)>) {
    let _ = pairs;
}

#[cache::delete("service-{id[..]}")]
async fn not_a_collection(id: u32) {
    let _ = id;
}

fn main() {}
