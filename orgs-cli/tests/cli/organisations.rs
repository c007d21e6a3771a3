//! `orgs organisations …` against the stand-in API: tables by default, JSON with `--json`, the
//! cache in between, writes.

use serde_json::Value;

use crate::support::{Api, Env, exits, fresh_redis, json, stdout};

#[test]
fn tables_by_default_json_with_json_and_the_cache_in_between() {
    let api = Api::start();
    let server = fresh_redis();
    let env = Env::new().api(&api).redis(&server);
    let stub = api.stub();
    let seed = stub.seed();
    let examples = &seed.examples;

    let table = stdout(&env.run(&["organisations", "list"]));
    let mut lines = table.lines();
    let header = lines.next().unwrap();
    for column in ["ID", "NAME", "TYPE", "ACTIVE", "LIVE SERVICES", "DOMAINS"] {
        assert!(header.contains(column), "{header}");
    }
    assert_eq!(lines.count(), seed.organisations, "{table}");
    assert!(table.contains(&examples.organisation_name), "{table}");
    assert!(!table.contains('{'), "a table, not JSON: {table}");
    assert_eq!(stub.requests_to("GET", "/organisations"), 1);

    // The second listing is a cache hit: it never reaches the API. `--json` goes after the
    // command or before it.
    for args in [
        &["organisations", "list", "--json"][..],
        &["organisations", "--json", "list"],
    ] {
        let list = json(&env.run(args));
        assert_eq!(list.as_array().unwrap().len(), seed.organisations);
    }
    assert_eq!(stub.requests_to("GET", "/organisations"), 1);

    let id = examples.organisation_id.to_string();
    let record = stdout(&env.run(&["organisations", "get", &id]));
    let first: Vec<&str> = record.lines().take(2).collect();
    assert!(
        first[0].starts_with("id ") && first[0].ends_with(&id),
        "{record}"
    );
    assert!(
        first[1].starts_with("name ") && first[1].ends_with(&examples.organisation_name),
        "{record}"
    );
    let full = json(&env.run(&["organisations", "get", &id, "--json"]));
    assert_eq!(full["id"], Value::from(id.clone()));

    let name = stdout(&env.run(&["organisations", "name", &id]));
    assert_eq!(name.trim_end(), examples.organisation_name);
    let named = json(&env.run(&["organisations", "name", &id, "--json"]));
    assert_eq!(
        named["name"],
        Value::from(examples.organisation_name.clone())
    );

    let by_domain = stdout(&env.run(&["organisations", "by-domain", &examples.nested_domain]));
    assert!(
        by_domain.lines().next().unwrap().ends_with(&id),
        "{by_domain}"
    );

    let domains = stdout(&env.run(&["organisations", "domains"]));
    assert_eq!(domains.lines().next(), Some("DOMAIN"));
    assert!(
        domains.lines().any(|line| line == examples.parent_domain),
        "{domains}"
    );
    let domains = json(&env.run(&["organisations", "domains", "--json"]));
    assert_eq!(domains.as_array().unwrap().len(), seed.domains);

    let services = stdout(&env.run(&["organisations", "services", &id]));
    assert!(services.starts_with("ID  "), "{services}");
    assert!(
        services.contains(&examples.service_id.to_string()),
        "{services}"
    );
    let services = json(&env.run(&["organisations", "services", &id, "--json"]));
    assert!(!services.as_array().unwrap().is_empty());

    let users = stdout(&env.run(&["organisations", "users", &id]));
    assert!(users.lines().next().unwrap().contains("EMAIL"), "{users}");
    assert!(users.contains(&examples.user_id.to_string()), "{users}");

    let search = stdout(&env.run(&["organisations", "search", "digital"]));
    assert!(search.contains(&examples.organisation_name), "{search}");
    let search = json(&env.run(&["organisations", "search", "digital", "--json"]));
    assert!(
        search
            .as_array()
            .unwrap()
            .iter()
            .any(|found| found["id"] == id.as_str()),
        "{search}"
    );
}

#[test]
fn create_requires_crown_and_writes_print_the_organisation() {
    let api = Api::start();
    let env = Env::new().api(&api);
    let stub = api.stub();

    // No --crown: refused before any request.
    let missing = env.run(&["organisations", "create", "--name", "X", "--type", "local"]);
    let stderr = exits(&missing, 2);
    assert!(stderr.contains("--crown"), "{stderr}");
    assert_eq!(stub.requests(), 0);

    let created = json(&env.run(&[
        "organisations",
        "create",
        "--name",
        "Crownless Council",
        "--type",
        "local",
        "--crown",
        "false",
        "--json",
    ]));
    assert_eq!(created["crown"], false, "{created}");
    assert_eq!(created["organisation_type"], "local", "{created}");

    let nhs = stdout(&env.run(&[
        "organisations",
        "create",
        "--name",
        "NHS Notify Trust",
        "--type",
        "nhs_notify",
        "--crown",
        "true",
    ]));
    assert!(
        nhs.lines().nth(1).unwrap().ends_with("NHS Notify Trust"),
        "{nhs}"
    );
    assert!(
        nhs.lines()
            .any(|line| line.starts_with("organisation_type") && line.ends_with("nhs_notify")),
        "{nhs}"
    );

    let id = created["id"].as_str().unwrap().to_owned();
    let renamed = json(&env.run(&[
        "organisations",
        "rename",
        &id,
        "Crownless District Council",
        "--json",
    ]));
    assert_eq!(renamed["name"], "Crownless District Council");

    // There is no actor to give.
    for write in [
        &[
            "organisations",
            "create",
            "--name",
            "Y",
            "--type",
            "local",
            "--crown",
            "true",
            "--created-by",
            &id,
        ][..],
        &["organisations", "rename", &id, "Z", "--created-by", &id],
    ] {
        let stderr = exits(&env.run(write), 2);
        assert!(stderr.contains("--created-by"), "{stderr}");
    }
    assert_eq!(stub.requests_to("POST", "/organisations"), 2);

    let without = api
        .stub()
        .seed()
        .examples
        .organisation_without_services_id
        .to_string();
    let archived = env.run(&["organisations", "archive", &without]);
    assert!(stdout(&archived).is_empty());
    assert!(String::from_utf8_lossy(&archived.stderr).contains("archived"));
    let archived = json(&env.run(&["organisations", "archive", &id, "--json"]));
    assert_eq!(archived["archived"], true, "{archived}");
    assert_eq!(archived["id"], Value::from(id), "{archived}");
}
