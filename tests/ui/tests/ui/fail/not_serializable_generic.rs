// A generic cached type needs the serde bounds on the function's own type parameter.

#[cache::set("items-{id}")]
async fn items<T: Default>(id: u32) -> Vec<T> {
    let _ = id;
    vec![T::default()]
}

fn main() {}
