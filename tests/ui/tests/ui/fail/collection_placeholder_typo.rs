// A misspelt collection placeholder: the suggestion keeps the `[..]`.

#[cache::delete("service-{service_idz[..]}-templates")]
async fn archive(service_ids: &[u32]) {
    let _ = service_ids;
}

fn main() {}
