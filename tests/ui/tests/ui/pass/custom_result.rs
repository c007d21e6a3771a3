// A type of the user's own called `Result` is not `std::result::Result`: it is cached whole, like
// any other type, generic or not. Only `std::result::Result` (under any name) caches its `Ok`.

use serde::{Deserialize, Serialize};

mod answers {
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize)]
    pub enum Result {
        Yes,
        No,
    }
}

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

#[cache::set("service-{service_id}-live")]
async fn live(service_id: u32) -> answers::Result {
    if service_id == 0 {
        answers::Result::No
    } else {
        answers::Result::Yes
    }
}

fn main() {}
