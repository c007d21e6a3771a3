// `cache = ...` naming an argument that is a reference to something other than a handle.

#[cache::set("client-{id}", cache = name)]
async fn client(name: &String, id: u32) -> String {
    format!("{name}{id}")
}

fn main() {}
