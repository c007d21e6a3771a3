// A placeholder must name an argument; the error lists them and suggests the closest.

#[cache::set("service-{servce_id}-templates")]
async fn templates(service_id: u32, organisation_id: u32) -> Vec<u32> {
    vec![service_id, organisation_id]
}

struct Client {
    cache: cache::Cache,
}

impl Client {
    #[cache::delete("organisation-{org}-name", cache = self.cache)]
    async fn rename(&self, org_id: u32, name: String) {
        let _ = (org_id, name);
    }

    // Nothing close enough to suggest.
    #[cache::set("region-{zone}", cache = self.cache)]
    async fn region(&self, organisation_id: u32) -> String {
        organisation_id.to_string()
    }
}

fn main() {}
