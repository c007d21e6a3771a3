// Keys are built with `Display` only: no width, alignment or `Debug`.

#[cache::set("service-{id:>8}-templates")]
async fn padded(id: u32) -> Vec<u32> {
    vec![id]
}

#[cache::set("service-{id:?}-templates")]
async fn debug(id: u32) -> Vec<u32> {
    vec![id]
}

fn main() {}
