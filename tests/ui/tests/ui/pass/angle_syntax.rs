#![deny(warnings)]
// `<name>` placeholders, and the doubled delimiters `{{`, `}}`, `<<`, `>>` as literal text.

pub struct Org {
    pub id: u32,
}

#[cache::set("service-<service_id>-templates")]
pub async fn angle(service_id: u32) -> u32 {
    service_id
}

#[cache::set("org-<org.id>-{org.id}")]
pub async fn mixed(org: &Org) -> u32 {
    org.id
}

#[cache::set("{{literal}}-<<also literal>>-{id}")]
pub async fn escapes(id: u32) -> u32 {
    id
}

#[cache::set("json:{{\"id\":{id}}}")]
pub async fn braces_around_a_placeholder(id: u32) -> u32 {
    id
}

#[cache::delete("<<{id}>>", "a}}b{{c")]
pub async fn delete_escapes(id: u32) {
    let _ = id;
}

#[cache::delete_by_pattern("<<service-<service_id>>>-*")]
pub async fn pattern_escapes(service_id: u32) {
    let _ = service_id;
}

#[cache::set(r"raw-{id}-\d")]
pub async fn raw_string(id: u32) -> u32 {
    id
}

pub async fn usage() {
    angle(1).await;
    mixed(&Org { id: 1 }).await;
    escapes(1).await;
    braces_around_a_placeholder(1).await;
    delete_escapes(1).await;
    pattern_escapes(1).await;
    raw_string(1).await;
}

fn main() {}
