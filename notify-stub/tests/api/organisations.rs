//! `/organisations`: list, read, by-domain, search, create, update, archive.

use crate::common;

use common::*;
use notify_stub::{NHS_EMAIL_BRANDING_ID, NHS_LETTER_BRANDING_ID};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

const FULL_FIELDS: &[&str] = &[
    "id",
    "name",
    "active",
    "crown",
    "organisation_type",
    "letter_branding_id",
    "email_branding_id",
    "agreement_signed",
    "agreement_signed_at",
    "agreement_signed_by_id",
    "agreement_signed_on_behalf_of_name",
    "agreement_signed_on_behalf_of_email_address",
    "agreement_signed_version",
    "domains",
    "request_to_go_live_notes",
    "count_of_live_services",
    "notes",
    "purchase_order_number",
    "billing_contact_names",
    "billing_contact_email_addresses",
    "billing_reference",
    "can_approve_own_go_live_requests",
    "permissions",
];

fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

fn sorted(fields: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = fields.iter().map(|s| (*s).to_owned()).collect();
    v.sort();
    v
}

#[tokio::test]
async fn list_is_active_first_then_by_name_with_list_fields() {
    let server = start().await;
    let reply = Api::new(&server).get("/organisations").await;
    assert_eq!(reply.status, 200);
    let orgs = reply.body.as_array().unwrap();
    let seed = server.seed();
    assert_eq!(orgs.len(), seed.organisations);
    assert_eq!(
        orgs.iter().filter(|o| o["active"] == true).count(),
        seed.active_organisations
    );
    for org in orgs {
        assert_eq!(
            keys(org),
            sorted(&[
                "id",
                "name",
                "active",
                "count_of_live_services",
                "domains",
                "organisation_type"
            ])
        );
    }
    let order: Vec<(bool, String)> = orgs
        .iter()
        .map(|o| {
            (
                !o["active"].as_bool().unwrap(),
                o["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut expected = order.clone();
    expected.sort();
    assert_eq!(order, expected);
    let live: u64 = orgs
        .iter()
        .map(|o| o["count_of_live_services"].as_u64().unwrap())
        .sum();
    let domains: usize = orgs
        .iter()
        .map(|o| o["domains"].as_array().unwrap().len())
        .sum();
    assert_eq!(domains, seed.domains);
    assert!(live > 0 && live as usize <= seed.live_services);
}

#[tokio::test]
async fn one_organisation_has_every_field() {
    let server = start().await;
    let example = &server.seed().examples;
    let reply = Api::new(&server)
        .get(&format!("/organisations/{}", example.organisation_id))
        .await;
    assert_eq!(reply.status, 200);
    let org = &reply.body;
    assert_eq!(keys(org), sorted(FULL_FIELDS));
    assert_eq!(org["id"], example.organisation_id.to_string());
    assert_eq!(org["name"], "Government Digital Service");
    assert_eq!(org["active"], true);
    assert_eq!(org["crown"], true);
    assert_eq!(org["organisation_type"], "central");
    assert_eq!(org["domains"], json!(["digital.cabinet-office.gov.uk"]));
    assert_eq!(org["permissions"], json!(["can_ask_to_join_a_service"]));
    assert_eq!(
        org["email_branding_id"],
        example.email_branding_in_pool.to_string()
    );
    assert_eq!(org["agreement_signed"], true);
    assert!(
        org["agreement_signed_at"]
            .as_str()
            .unwrap()
            .ends_with(" GMT")
    );
    assert!(org["count_of_live_services"].as_u64().unwrap() >= 1);
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_404() {
    let server = start().await;
    let api = Api::new(&server);
    let reply = api.get(&format!("/organisations/{}", Uuid::new_v4())).await;
    assert_eq!(reply.status, 404);
    assert_eq!(
        reply.body,
        json!({"result": "error", "message": "No result found"})
    );
    // Not a UUID: the route does not match, as with Flask's uuid converter.
    let reply = api.get("/organisations/not-a-uuid").await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.body["result"], "error");
    let reply = api.get("/no-such-thing").await;
    assert_eq!(reply.status, 404);
}

#[tokio::test]
async fn by_domain_picks_the_longest_matching_suffix() {
    let server = start().await;
    let api = Api::new(&server);
    let example = &server.seed().examples;
    let by = |domain: &str| {
        let request = api
            .request(Method::GET, "/organisations/by-domain")
            .query(&[("domain", domain)]);
        send(request)
    };
    let nested = by(&example.nested_domain).await;
    assert_eq!(nested.status, 200);
    assert_eq!(nested.body["id"], example.organisation_id.to_string());
    let deeper = by(&format!("team.{}", example.nested_domain)).await;
    assert_eq!(deeper.body["id"], example.organisation_id.to_string());
    let parent = by(&example.parent_domain).await;
    assert_eq!(
        parent.body["id"],
        example.parent_organisation_id.to_string()
    );
    let sibling = by(&format!("other.{}", example.parent_domain)).await;
    assert_eq!(
        sibling.body["id"],
        example.parent_organisation_id.to_string()
    );
    assert_eq!(keys(&sibling.body), sorted(FULL_FIELDS));
    // Case and the old .gsi.gov.uk addresses are normalised as Notify does.
    let gsi = by("DIGITAL.CABINET-OFFICE.GSI.GOV.UK").await;
    assert_eq!(gsi.body["id"], example.organisation_id.to_string());
    // A suffix that is not on a dot boundary does not match.
    assert_eq!(by(&format!("x{}", example.parent_domain)).await.status, 404);
    assert_eq!(by("example.com").await.status, 404);
    for bad in ["someone@cabinet-office.gov.uk", ""] {
        let reply = by(bad).await;
        assert_eq!(reply.status, 400, "{bad:?}");
        assert_eq!(reply.body["result"], "error");
    }
    let missing = api.get("/organisations/by-domain").await;
    assert_eq!(missing.status, 400);
}

#[tokio::test]
async fn search_is_a_case_insensitive_substring_match() {
    let server = start().await;
    let api = Api::new(&server);
    let reply = send(
        api.request(Method::GET, "/organisations/search")
            .query(&[("name", "DIGITAL serv")]),
    )
    .await;
    assert_eq!(reply.status, 200);
    let found = reply.body["data"].as_array().unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["name"], "Government Digital Service");
    let council = send(
        api.request(Method::GET, "/organisations/search")
            .query(&[("name", "council")]),
    )
    .await;
    let councils = council.body["data"].as_array().unwrap();
    assert!(councils.len() > 50);
    assert!(councils.iter().all(|o| {
        o["name"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("council")
    }));
    let missing = api.get("/organisations/search").await;
    assert_eq!(missing.status, 400);
    assert_eq!(
        missing.body,
        json!({"result": "error", "message": {"name": ["Missing data for required field."]}})
    );
}

#[tokio::test]
async fn create_returns_201_and_the_full_organisation() {
    let server = start().await;
    let api = Api::new(&server);
    let created = api
        .post(
            "/organisations",
            json!({
                "name": "Office for Test Data",
                "crown": false,
                "organisation_type": "other",
                "agreement_signed": false,
            }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(keys(&created.body), sorted(FULL_FIELDS));
    assert_eq!(created.body["name"], "Office for Test Data");
    assert_eq!(created.body["crown"], false);
    assert_eq!(created.body["agreement_signed"], false);
    assert_eq!(created.body["active"], true);
    assert_eq!(created.body["count_of_live_services"], 0);
    assert_eq!(created.body["domains"], json!([]));
    let id = created.body["id"].as_str().unwrap();
    let fetched = api.get(&format!("/organisations/{id}")).await;
    assert_eq!(fetched.body, created.body);
    let list = api.get("/organisations").await;
    assert_eq!(
        list.body.as_array().unwrap().len(),
        server.seed().organisations + 1
    );
}

#[tokio::test]
async fn create_validates_and_refuses_duplicate_names() {
    let server = start().await;
    let api = Api::new(&server);
    let reply = api.post("/organisations", json!({})).await;
    assert_eq!(
        validation_messages(&reply),
        [
            "name is a required property",
            "crown is a required property",
            "organisation_type is a required property"
        ]
    );
    // Validation comes first: an unknown field (here `nmae`) only matters once it passes.
    let reply = api
        .post(
            "/organisations",
            json!({"name": 7, "crown": "yes", "organisation_type": "county", "nmae": "x"}),
        )
        .await;
    assert_eq!(
        validation_messages(&reply),
        [
            "name 7 is not of type string",
            "crown yes is not of type boolean",
            // Notify's `ORGANISATION_TYPES`, in its order.
            "organisation_type county is not one of [central, local, nhs_central, nhs_local, \
             nhs_gp, nhs_notify, emergency_service, school_or_college, other]",
        ]
    );
    let duplicate = api
        .post(
            "/organisations",
            json!({"name": "Cabinet Office", "crown": true, "organisation_type": "central"}),
        )
        .await;
    assert_eq!(duplicate.status, 400);
    assert_eq!(
        duplicate.body,
        json!({"result": "error", "message": "Organisation name already exists"})
    );
    // Not JSON, or JSON without saying so.
    let not_json = send(
        api.request(Method::POST, "/organisations")
            .header("Content-Type", "application/json")
            .body("{"),
    )
    .await;
    // Werkzeug's words around Python's `json` message, as Notify answers.
    assert_eq!(not_json.status, 400);
    assert_eq!(
        not_json.body,
        json!({"result": "error", "message": "Failed to decode JSON object: Expecting property \
               name enclosed in double quotes: line 1 column 2 (char 1)"})
    );
    let not_json = send(
        api.request(Method::POST, "/organisations")
            .header("Content-Type", "application/json")
            .body("not json"),
    )
    .await;
    assert_eq!(
        not_json.body["message"],
        "Failed to decode JSON object: Expecting value: line 1 column 1 (char 0)"
    );
    let plain = send(api.request(Method::POST, "/organisations").body("{}")).await;
    assert_eq!(plain.status, 415);
}

#[tokio::test]
async fn update_changes_fields_name_and_domains() {
    let server = start().await;
    let api = Api::new(&server);
    let id = server.seed().examples.organisation_without_services_id;
    let path = format!("/organisations/{id}");
    let reply = api
        .post(
            &path,
            json!({
                "name": "Office of the Small Business Commissioner (renamed)",
                "domains": ["SBC.gov.uk", "sbc-test.gov.uk"],
                "notes": "Renamed in a test",
                "agreement_signed_version": 7.0,
                "can_approve_own_go_live_requests": true,
                "permissions": [],
            }),
        )
        .await;
    assert_eq!(reply.status, 204, "{}", reply.body);
    assert_eq!(reply.body, Value::Null);
    let org = api.get(&path).await.body;
    assert_eq!(
        org["name"],
        "Office of the Small Business Commissioner (renamed)"
    );
    assert_eq!(org["domains"], json!(["sbc.gov.uk", "sbc-test.gov.uk"]));
    assert_eq!(org["notes"], "Renamed in a test");
    assert_eq!(org["agreement_signed_version"], 7.0);
    assert_eq!(org["can_approve_own_go_live_requests"], true);
    let found = send(
        api.request(Method::GET, "/organisations/by-domain")
            .query(&[("domain", "sbc.gov.uk")]),
    )
    .await;
    assert_eq!(found.body["id"], id.to_string());

    let duplicate = api.post(&path, json!({"name": "Cabinet Office"})).await;
    assert_eq!(duplicate.status, 400);
    assert_eq!(
        duplicate.body["message"],
        "Organisation name already exists"
    );
    let taken = api
        .post(&path, json!({"domains": ["cabinet-office.gov.uk"]}))
        .await;
    assert_eq!(taken.status, 400);
    assert_eq!(taken.body["message"], "Domain already exists");
    // A failed update changes nothing.
    assert_eq!(
        api.get(&path).await.body["domains"],
        json!(["sbc.gov.uk", "sbc-test.gov.uk"])
    );
    let invalid = api.post(&path, json!({"active": "no"})).await;
    assert_eq!(
        validation_messages(&invalid),
        ["active no is not of type boolean"]
    );
    let unknown = api
        .post(
            &format!("/organisations/{}", Uuid::new_v4()),
            json!({"notes": "x"}),
        )
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.body["message"], "No result found");
}

/// Observed on the real API.
#[tokio::test]
async fn archiving_an_organisation_with_active_services_is_400() {
    let server = start().await;
    let api = Api::new(&server);
    let example = &server.seed().examples;
    let path = format!("/organisations/{}", example.organisation_id);
    let before = api.get(&path).await.body;
    let busy = api.post(&format!("{path}/archive"), json!({})).await;
    assert_eq!(busy.status, 400);
    assert_eq!(
        busy.body,
        json!({"result": "error", "message": "Cannot archive an organisation with active services"})
    );
    assert_eq!(api.get(&path).await.body, before);
}

#[tokio::test]
async fn archive_makes_inactive_drops_domains_and_404s_unknown_ids() {
    let server = start().await;
    let api = Api::new(&server);
    let example = &server.seed().examples;

    let id = example.organisation_without_services_id;
    let archived = api
        .post(&format!("/organisations/{id}/archive"), json!({}))
        .await;
    assert_eq!(archived.status, 204, "{}", archived.body);
    let org = api.get(&format!("/organisations/{id}")).await.body;
    assert_eq!(org["active"], false);
    assert_eq!(org["domains"], json!([]));
    assert_archived_name(
        org["name"].as_str().unwrap(),
        "Office of the Small Business Commissioner",
    );
    let missing = api
        .post(
            &format!("/organisations/{}/archive", Uuid::new_v4()),
            json!({}),
        )
        .await;
    assert_eq!(missing.status, 404);
}

/// `_archived_<YYYY-MM-DD-HH:MM:SS>_<name>`, as `text` should be.
fn assert_archived_name(text: &str, name: &str) {
    let stamp = text
        .strip_prefix("_archived_")
        .and_then(|rest| rest.strip_suffix(&format!("_{name}")))
        .unwrap_or_else(|| panic!("{text:?} is not _archived_<time>_{name}"));
    let pattern = "dddd-dd-dd-dd:dd:dd";
    assert_eq!(stamp.len(), pattern.len(), "{text:?}");
    for (c, p) in stamp.chars().zip(pattern.chars()) {
        match p {
            'd' => assert!(c.is_ascii_digit(), "{text:?}"),
            _ => assert_eq!(c, p, "{text:?}"),
        }
    }
}

/// Observed on the real API: the archived name carries the date and the time, and a second
/// archive of the same organisation answers 204 again without renaming it twice.
#[tokio::test]
async fn archive_renames_with_date_and_time_and_is_repeatable() {
    let server = start().await;
    let api = Api::new(&server);
    let id = server.seed().examples.organisation_without_services_id;
    let path = format!("/organisations/{id}");
    let name = api.get(&path).await.body["name"]
        .as_str()
        .unwrap()
        .to_owned();
    let first = api.post(&format!("{path}/archive"), json!({})).await;
    assert_eq!(first.status, 204, "{}", first.body);
    let archived = api.get(&path).await.body;
    assert_eq!(archived["active"], false);
    let archived_name = archived["name"].as_str().unwrap().to_owned();
    assert_archived_name(&archived_name, &name);

    let second = api.post(&format!("{path}/archive"), json!({})).await;
    assert_eq!(second.status, 204, "{}", second.body);
    assert_eq!(second.body, Value::Null);
    assert_eq!(api.get(&path).await.body["name"], archived_name);
}

/// Observed on the real API: `crown` is a required boolean on create; `null` is refused.
#[tokio::test]
async fn create_with_crown_null_is_400_crown_none_is_not_of_type_boolean() {
    let server = start().await;
    let api = Api::new(&server);
    let reply = api
        .post(
            "/organisations",
            json!({"name": "Crown Unknown", "crown": null, "organisation_type": "local",
                   "agreement_signed": null}),
        )
        .await;
    assert_eq!(
        validation_messages(&reply),
        ["crown None is not of type boolean"]
    );
    let missing = api
        .post(
            "/organisations",
            json!({"name": "Crown Unknown", "organisation_type": "local"}),
        )
        .await;
    assert_eq!(
        validation_messages(&missing),
        ["crown is a required property"]
    );
    let list = api.get("/organisations").await.body;
    assert_eq!(list.as_array().unwrap().len(), server.seed().organisations);
    // An update may still set it to null.
    let id = server.seed().examples.organisation_without_services_id;
    let update = api
        .post(&format!("/organisations/{id}"), json!({"crown": null}))
        .await;
    assert_eq!(update.status, 204, "{}", update.body);
}

fn internal_server_error(reply: &Reply) {
    assert_eq!(reply.status, 500, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"result": "error", "message": "Internal server error"})
    );
}

/// Observed on the real API: the organisation endpoints take no actor, and `created_by` (like
/// any field they do not know) is a server error, not a validation error.
#[tokio::test]
async fn create_with_created_by_is_500_and_creates_nothing() {
    let server = start().await;
    let api = Api::new(&server);
    for extra in ["created_by", "updated_by", "nmae"] {
        let mut body = json!({"name": "Acted Upon", "crown": true, "organisation_type": "central"});
        body[extra] = json!(Uuid::new_v4());
        internal_server_error(&api.post("/organisations", body).await);
    }
    let found = send(
        api.request(Method::GET, "/organisations/search")
            .query(&[("name", "Acted Upon")]),
    )
    .await;
    assert_eq!(found.body["data"], json!([]));
}

/// Observed on the real API: an unknown update field (`created_by` included) is a 500, not a
/// 400; nothing is changed.
#[tokio::test]
async fn update_with_created_by_or_an_unknown_field_is_500_and_changes_nothing() {
    let server = start().await;
    let api = Api::new(&server);
    let id = server.seed().examples.organisation_without_services_id;
    let path = format!("/organisations/{id}");
    let before = api.get(&path).await.body;
    for body in [
        json!({"name": "Renamed With An Actor", "created_by": Uuid::new_v4()}),
        json!({"notes": "x", "nmae": "y"}),
    ] {
        internal_server_error(&api.post(&path, body).await);
    }
    assert_eq!(api.get(&path).await.body, before);
    // A type error is still the validation error, checked first.
    let invalid = api
        .post(&path, json!({"active": "no", "created_by": Uuid::new_v4()}))
        .await;
    assert_eq!(
        validation_messages(&invalid),
        ["active no is not of type boolean"]
    );
}

/// Observed on the real API: `nhs_notify` is an organisation type.
#[tokio::test]
async fn nhs_notify_is_an_organisation_type() {
    let server = start().await;
    let api = Api::new(&server);
    let created = api
        .post(
            "/organisations",
            json!({"name": "NHS Notify Test Trust", "crown": false,
                   "organisation_type": "nhs_notify", "agreement_signed": null}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["organisation_type"], "nhs_notify");
    let id = server.seed().examples.organisation_without_services_id;
    let update = api
        .post(
            &format!("/organisations/{id}"),
            json!({"organisation_type": "nhs_notify"}),
        )
        .await;
    assert_eq!(update.status, 204, "{}", update.body);
    let listed = api.get("/organisations").await.body;
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["id"] == id.to_string() && o["organisation_type"] == "nhs_notify")
    );
}

/// Observed on the real API: a new organisation may be asked to join its services.
#[tokio::test]
async fn a_new_organisation_gets_can_ask_to_join_a_service() {
    let server = start().await;
    let api = Api::new(&server);
    let created = api
        .post(
            "/organisations",
            json!({"name": "Office for Joining", "crown": false, "organisation_type": "other"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(
        created.body["permissions"],
        json!(["can_ask_to_join_a_service"])
    );
    let id = created.body["id"].as_str().unwrap();
    let fetched = api.get(&format!("/organisations/{id}")).await;
    assert_eq!(
        fetched.body["permissions"],
        json!(["can_ask_to_join_a_service"])
    );
}

fn pool_ids(reply: &Reply) -> Vec<String> {
    reply.body["data"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", reply.body))
        .iter()
        .map(|branding| branding["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Fails unless organisation `id` has the NHS brandings, as its defaults when `defaults`, and
/// in both pools.
async fn assert_nhs_branded(api: &Api, id: &str, defaults: bool, label: &str) {
    let org = api.get(&format!("/organisations/{id}")).await.body;
    if defaults {
        assert_eq!(
            org["email_branding_id"],
            json!(NHS_EMAIL_BRANDING_ID),
            "{label}"
        );
        assert_eq!(
            org["letter_branding_id"],
            json!(NHS_LETTER_BRANDING_ID),
            "{label}"
        );
    }
    let email = api
        .get(&format!("/organisations/{id}/email-branding-pool"))
        .await;
    assert!(
        pool_ids(&email).contains(&NHS_EMAIL_BRANDING_ID.to_string()),
        "{label}: {}",
        email.body
    );
    let letter = api
        .get(&format!("/organisations/{id}/letter-branding-pool"))
        .await;
    assert!(
        pool_ids(&letter).contains(&NHS_LETTER_BRANDING_ID.to_string()),
        "{label}: {}",
        letter.body
    );
}

/// Observed on the real API (Notify's `NHS_ORGANISATION_TYPES`): an NHS organisation gets the
/// NHS email and letter branding and both pools, on create and when its type changes to one.
#[tokio::test]
async fn nhs_organisations_get_the_nhs_brandings_and_pools() {
    let server = start().await;
    let api = Api::new(&server);
    for kind in ["nhs_central", "nhs_local", "nhs_gp", "nhs_notify"] {
        let created = api
            .post(
                "/organisations",
                json!({"name": format!("Trust of {kind}"), "crown": false,
                       "organisation_type": kind}),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
        assert_nhs_branded(&api, created.body["id"].as_str().unwrap(), true, kind).await;

        // A change of type: the defaults are filled in, the pools get both.
        let other = api
            .post(
                "/organisations",
                json!({"name": format!("Soon {kind}"), "crown": false,
                       "organisation_type": "other"}),
            )
            .await;
        let id = other.body["id"].as_str().unwrap().to_owned();
        assert_eq!(other.body["email_branding_id"], Value::Null);
        let pool = api
            .get(&format!("/organisations/{id}/email-branding-pool"))
            .await;
        assert!(pool_ids(&pool).is_empty(), "{}", pool.body);
        let changed = api
            .post(
                &format!("/organisations/{id}"),
                json!({"organisation_type": kind}),
            )
            .await;
        assert_eq!(changed.status, 204, "{}", changed.body);
        assert_nhs_branded(&api, &id, true, &format!("other -> {kind}")).await;
    }

    // A branding it has already is kept; the pools still get both NHS brandings.
    let example = &server.seed().examples;
    let id = example.organisation_id.to_string();
    let before = api.get(&format!("/organisations/{id}")).await.body;
    assert!(before["email_branding_id"].is_string(), "{before}");
    let changed = api
        .post(
            &format!("/organisations/{id}"),
            json!({"organisation_type": "nhs_local"}),
        )
        .await;
    assert_eq!(changed.status, 204, "{}", changed.body);
    let after = api.get(&format!("/organisations/{id}")).await.body;
    assert_eq!(after["email_branding_id"], before["email_branding_id"]);
    assert_eq!(after["letter_branding_id"], before["letter_branding_id"]);
    assert_nhs_branded(&api, &id, false, "already branded").await;

    // Other types get none.
    let plain = api
        .post(
            "/organisations",
            json!({"name": "Plain Council", "crown": false, "organisation_type": "local"}),
        )
        .await;
    assert_eq!(plain.body["email_branding_id"], Value::Null);
    assert_eq!(plain.body["letter_branding_id"], Value::Null);
}
