//! Tokens: the client's are accepted; the failures the client reports come with the API's
//! status and message.

use crate::harness::Checked;
use orgs_client::ApiClient;
use serde_json::{Value, json};

use crate::target::Target;

/// `{"result": "error", "message": {"token": [message]}}`.
fn assert_token_error(reply: &(u16, Value), message: &str) {
    assert_eq!(reply.0, 403, "{}", reply.1);
    assert_eq!(reply.1["message"]["token"], json!([message]), "{}", reply.1);
}

pub async fn a_fresh_token_is_accepted() -> Checked {
    let target = Target::new().await;
    let token = target.token(target.claims(0));
    let (status, body) = target.get_with_token("/organisations", &token).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.is_array(), "{body}");
    Ok(())
}

pub async fn a_wrong_secret_is_403_api_key_not_found() -> Checked {
    let target = Target::new().await;
    let mut builder = ApiClient::builder(target.api.base_url())
        .client_id(target.api.client_id())
        .secret("not-the-secret");
    if let Some(route_secret) = target.route_secret() {
        builder = builder.route_secret(route_secret);
    }
    let orgs =
        orgs_client::OrganisationsClient::new(builder.build().unwrap(), cache::Cache::disabled());
    let error = orgs.get_organisations().await.unwrap_err();
    assert_eq!(error.status(), Some(403), "{error:?}");
    assert_eq!(
        error.api_message(),
        Some("token: Invalid token: API key not found")
    );
    Ok(())
}

pub async fn an_iat_more_than_30_seconds_off_is_403_system_clock() -> Checked {
    let target = Target::new().await;
    for offset in [-90, 90] {
        let token = target.token(target.claims(offset));
        assert_token_error(
            &target.get_with_token("/organisations", &token).await,
            "Error: Your system clock must be accurate to within 30 seconds",
        );
    }
    Ok(())
}

pub async fn a_token_without_iat_is_403_api_key_not_found() -> Checked {
    let target = Target::new().await;
    let mut claims = target.claims(0);
    claims.as_object_mut().unwrap().remove("iat");
    let token = target.token(claims);
    assert_token_error(
        &target.get_with_token("/organisations", &token).await,
        "Invalid token: API key not found",
    );
    Ok(())
}
