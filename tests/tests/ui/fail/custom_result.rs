// A return type named `Result` that is not `std::result::Result`.

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
enum Result<T> {
    Found(T),
    Missing,
}

#[cache::set("service-{service_id}-templates")]
async fn templates(service_id: u32) -> Result<Vec<u32>> {
    if service_id == 0 {
        Result::Missing
    } else {
        Result::Found(vec![service_id])
    }
}

fn main() {}
