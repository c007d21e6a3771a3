// A body whose first line is an inner attribute: it stays inside the body.

#[cache::set("service-{service_id}-templates")]
async fn templates(service_id: u32) -> Vec<u32> {
    #![allow(unused_variables)]
    let unused = 1;
    vec![service_id]
}

#[cache::delete("service-{service_id}-templates")]
fn update(service_id: u32) {
    #![allow(unused_variables)]
    let unused = service_id;
}

fn main() {}
