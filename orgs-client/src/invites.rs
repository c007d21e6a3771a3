//! [`InvitesClient`]: invitations to join an organisation's team.

use serde::Serialize;
use uuid::Uuid;

use crate::envelope::Data;
use crate::models::Invite;
use crate::{ApiClient, Error};

/// Organisation team invitations. Nothing here is cached (the admin app caches none of it).
///
/// Cheap to clone: clones share the connection pool.
#[derive(Debug, Clone)]
pub struct InvitesClient {
    api: ApiClient,
}

#[derive(Serialize)]
struct NewInvite<'a> {
    email_address: &'a str,
    invited_by: Uuid,
    invite_link_host: &'a str,
    /// Always sent, empty or not: the API fails (500) without it.
    permissions: &'a [&'a str],
}

#[derive(Serialize)]
struct StatusChange {
    status: &'static str,
}

impl InvitesClient {
    /// A client over `api`.
    pub fn new(api: ApiClient) -> Self {
        InvitesClient { api }
    }

    /// A client configured from the process environment (see [`ApiClient::from_vars`]).
    pub fn from_env() -> Result<Self, Error> {
        Ok(InvitesClient::new(ApiClient::from_env()?))
    }

    /// A client configured through `lookup` (see [`ApiClient::from_vars`]).
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        Ok(InvitesClient::new(ApiClient::from_vars(lookup)?))
    }

    /// The API connection.
    pub fn api(&self) -> &ApiClient {
        &self.api
    }

    /// Invites `email_address` to an organisation's team on behalf of the user `invited_by`
    /// (`POST /organisation/{org_id}/invite`), with the organisation `permissions` they will get
    /// (e.g. `can_make_services_live`; may be empty, and is always sent). The email's link points
    /// at `invite_link_host`, e.g. `https://www.notifications.service.gov.uk`.
    pub async fn create_invite(
        &self,
        org_id: Uuid,
        email_address: &str,
        invited_by: Uuid,
        invite_link_host: &str,
        permissions: &[&str],
    ) -> Result<Invite, Error> {
        let body = NewInvite {
            email_address,
            invited_by,
            invite_link_host,
            permissions,
        };
        let invite: Data<Invite> = self
            .api
            .post(&format!("/organisation/{org_id}/invite"), &body)
            .await?;
        Ok(invite.data)
    }

    /// An organisation's invites (`GET /organisation/{org_id}/invite`).
    pub async fn get_invites(&self, org_id: Uuid) -> Result<Vec<Invite>, Error> {
        let invites: Data<Vec<Invite>> = self
            .api
            .get(&format!("/organisation/{org_id}/invite"))
            .await?;
        Ok(invites.data)
    }

    /// One invite (`GET /organisation/{org_id}/invite/{invite_id}`).
    pub async fn get_invite(&self, org_id: Uuid, invite_id: Uuid) -> Result<Invite, Error> {
        let invite: Data<Invite> = self
            .api
            .get(&format!("/organisation/{org_id}/invite/{invite_id}"))
            .await?;
        Ok(invite.data)
    }

    /// Cancels an invite (`POST /organisation/{org_id}/invite/{invite_id}`, status `cancelled`).
    pub async fn cancel_invite(&self, org_id: Uuid, invite_id: Uuid) -> Result<Invite, Error> {
        self.set_status(org_id, invite_id, "cancelled").await
    }

    /// Accepts an invite (`POST /organisation/{org_id}/invite/{invite_id}`, status `accepted`).
    pub async fn accept_invite(&self, org_id: Uuid, invite_id: Uuid) -> Result<Invite, Error> {
        self.set_status(org_id, invite_id, "accepted").await
    }

    async fn set_status(
        &self,
        org_id: Uuid,
        invite_id: Uuid,
        status: &'static str,
    ) -> Result<Invite, Error> {
        let invite: Data<Invite> = self
            .api
            .post(
                &format!("/organisation/{org_id}/invite/{invite_id}"),
                &StatusChange { status },
            )
            .await?;
        Ok(invite.data)
    }
}
