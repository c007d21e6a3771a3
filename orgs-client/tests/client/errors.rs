//! API errors, missing responses and malformed answers, each mapped to the right `Error`.

use crate::common;

use std::net::TcpListener;
use std::time::Duration;

use cache_tests::Kind;
use common::raw_server::RawServer;
use common::{ADMIN_SECRET, ROUTE_SECRET, World};
use notify_stub::{StubConfig, StubServer};
use orgs_client::{
    ApiClient, Error, NewOrganisation, OrganisationType, OrganisationUpdate, OrganisationsClient,
};
use uuid::Uuid;

fn uncached(api: ApiClient) -> OrganisationsClient {
    OrganisationsClient::new(api, cache::Cache::disabled())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_errors_carry_status_and_message() {
    let world = World::new(Kind::Memory).await;
    let e = world.stub.seed().examples.clone();
    let orgs = &world.orgs;

    // Validation errors: Notify's `errors` list, rendered readably.
    let error = orgs
        .update_organisation(
            e.organisation_id,
            &OrganisationUpdate::new()
                .field("crown", "yes")
                .field("active", "no"),
        )
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(400), "{error}");
    assert_eq!(
        error.api_message(),
        Some("active no is not of type boolean; crown yes is not of type boolean, null"),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("Notify API error 400: active no"),
        "{error}"
    );

    // A field the API does not know is its server error, with the generic message.
    let error = orgs
        .update_organisation(
            e.organisation_id,
            &OrganisationUpdate::new().field("nmae", "x"),
        )
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(500), "{error}");
    assert_eq!(error.api_message(), Some("Internal server error"));

    // A duplicate name.
    let duplicate =
        NewOrganisation::new(e.organisation_name.clone(), OrganisationType::Central, true);
    let error = orgs.create_organisation(&duplicate).await.unwrap_err();
    assert_eq!(error.status(), Some(400));
    assert_eq!(
        error.api_message(),
        Some("Organisation name already exists")
    );
    assert!(matches!(error, Error::Api { status: 400, .. }));

    // Not found.
    let error = orgs.get_organisation(Uuid::new_v4()).await.unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
    assert_eq!(error.api_message(), Some("No result found"));
    let error = orgs
        .get_organisation_name(Uuid::new_v4())
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error:?}");

    // By domain: 404 is a normal answer; a bad domain is still an error.
    assert_eq!(
        orgs.get_organisation_by_domain("unknown.example")
            .await
            .unwrap(),
        None
    );
    let error = orgs
        .get_organisation_by_domain("someone@cabinet-office.gov.uk")
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(400), "{error}");
    let error = orgs.get_organisation_by_domain("").await.unwrap_err();
    assert_eq!(error.status(), Some(400), "{error}");

    // An error is never cached: the next call reaches the API again.
    let missing = Uuid::new_v4();
    let path = format!("/organisations/{missing}");
    orgs.get_organisation_name(missing).await.unwrap_err();
    orgs.get_organisation_name(missing).await.unwrap_err();
    assert_eq!(world.calls("GET", &path), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_response_is_status_503() {
    // A port nothing listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let api = ApiClient::builder(format!("http://127.0.0.1:{port}"))
        .secret(ADMIN_SECRET)
        .build()
        .unwrap();
    let orgs = uncached(api);
    let error = orgs.get_organisations().await.unwrap_err();
    assert_eq!(error.status(), Some(503), "{error:?}");
    assert!(matches!(error, Error::NoResponse { .. }), "{error:?}");
    assert!(error.to_string().contains("GET /organisations"), "{error}");
    // By-domain's "not found" handling does not swallow it.
    let error = orgs
        .get_organisation_by_domain("x.gov.uk")
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(503));
    let error = orgs
        .update_organisation(Uuid::new_v4(), &OrganisationUpdate::new().notes(None))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(503));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_is_status_503() {
    // The stand-in answers after a minute; the client gives up after 200 ms. Only the client's
    // timeout can end the call first, and the error says that it did.
    let stub = StubServer::start(
        StubConfig::new(ADMIN_SECRET)
            .route_secret(ROUTE_SECRET)
            .latency(Duration::from_secs(60)),
    )
    .await
    .unwrap();
    let api = ApiClient::builder(stub.url())
        .secret(ADMIN_SECRET)
        .route_secret(ROUTE_SECRET)
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let error = uncached(api).get_organisations().await.unwrap_err();
    assert_eq!(error.status(), Some(503), "{error:?}");
    assert!(matches!(error, Error::NoResponse { .. }), "{error:?}");
    assert!(
        error.to_string().contains("timed out after 200ms"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_2xx_that_is_not_the_expected_json_is_an_invalid_response() {
    let html = RawServer::start(200, "text/html", "<html>maintenance</html>").await;
    let api = ApiClient::builder(&html.url).secret("s").build().unwrap();
    let error = uncached(api).get_organisations().await.unwrap_err();
    assert!(
        matches!(error, Error::InvalidResponse { status: 200, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("not JSON"), "{error}");

    let wrong_shape = RawServer::start(200, "application/json", r#"{"data": []}"#).await;
    let api = ApiClient::builder(&wrong_shape.url)
        .secret("s")
        .build()
        .unwrap();
    let error = uncached(api).get_organisations().await.unwrap_err();
    assert!(matches!(error, Error::InvalidResponse { .. }), "{error:?}");

    let empty = RawServer::start(204, "application/json", "").await;
    let api = ApiClient::builder(&empty.url).secret("s").build().unwrap();
    let orgs = uncached(api);
    let error = orgs.get_organisation(Uuid::new_v4()).await.unwrap_err();
    assert!(error.to_string().contains("empty body"), "{error}");
    // Where no content is expected, none is fine.
    orgs.archive_organisation(Uuid::new_v4()).await.unwrap();

    // A non-JSON error body still gives the status, with the generic message.
    let gateway = RawServer::start(502, "text/html", "<html>Bad gateway</html>").await;
    let api = ApiClient::builder(&gateway.url)
        .secret("s")
        .build()
        .unwrap();
    let error = uncached(api).get_organisations().await.unwrap_err();
    assert_eq!(error.status(), Some(502));
    assert_eq!(error.api_message(), Some("Request failed"));
}
