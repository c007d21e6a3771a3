// `crate = ...` must name the runtime crate (or a re-export of it): a path that names nothing is
// one error, at the path.

#[cache::set("service-{service_id}-templates", crate = my_cache)]
async fn templates(service_id: u32) -> Vec<u32> {
    vec![service_id]
}

fn main() {}
