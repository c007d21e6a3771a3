//! Organisations the suite creates for itself, and their clean-up: the only things it writes to.

use orgs_client::{
    ApiClient, InviteStatus, InvitesClient, NewOrganisation, Organisation, OrganisationType,
    OrganisationsClient,
};
use uuid::Uuid;

use crate::target::Target;

/// A unique name for an organisation of this suite's: `orgs-client contract <label> <uuid>`.
pub fn unique_name(label: &str) -> String {
    format!("orgs-client contract {label} {}", Uuid::new_v4())
}

/// An organisation created by a test. [`finish`](Self::finish) takes out the members the test
/// added, cancels its pending invites and archives it; if the test fails first, dropping it
/// does the same (best effort).
pub struct Scratch {
    pub organisation: Organisation,
    api: ApiClient,
    members: Vec<Uuid>,
    finished: bool,
}

impl Scratch {
    /// Creates a uniquely named organisation through the client under test.
    pub async fn create(target: &Target, label: &str, kind: OrganisationType) -> Scratch {
        let new = NewOrganisation::new(unique_name(label), kind, false);
        let organisation = target
            .orgs
            .create_organisation(&new)
            .await
            .unwrap_or_else(|error| panic!("create {}: {error}", new.name));
        Scratch::adopt(target, organisation)
    }

    /// Takes charge of an organisation a test created some other way.
    pub fn adopt(target: &Target, organisation: Organisation) -> Scratch {
        Scratch {
            organisation,
            api: target.api.clone(),
            members: Vec::new(),
            finished: false,
        }
    }

    /// The organisation's id.
    pub fn id(&self) -> Uuid {
        self.organisation.id
    }

    /// Records a user the test added to the team, to take out again.
    pub fn added_member(&mut self, user: Uuid) {
        self.members.push(user);
    }

    /// Cleans up now, failing the test if archiving fails.
    pub async fn finish(mut self) {
        self.finished = true;
        clean_up(&self.api, self.organisation.id, &self.members)
            .await
            .unwrap_or_else(|error| panic!("archive {}: {error}", self.organisation.name));
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        // A failed test: clean up on a thread of its own, with its own runtime (the test's may
        // be unwinding), and report rather than panic again.
        let (api, id, members) = (self.api.clone(), self.organisation.id, self.members.clone());
        let outcome = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|error| error.to_string())?
                .block_on(clean_up(&api, id, &members))
                .map_err(|error| error.to_string())
        })
        .join();
        if !matches!(outcome, Ok(Ok(()))) {
            eprintln!("could not archive the contract test's organisation {id}: {outcome:?}");
        }
    }
}

async fn clean_up(api: &ApiClient, id: Uuid, members: &[Uuid]) -> Result<(), orgs_client::Error> {
    let orgs = OrganisationsClient::new(api.clone(), cache::Cache::disabled());
    for user in members {
        // Already gone is fine.
        let _ = orgs.remove_user_from_organisation(id, *user).await;
    }
    let invites = InvitesClient::new(api.clone());
    for invite in invites.get_invites(id).await? {
        if invite.status == InviteStatus::Pending {
            invites.cancel_invite(id, invite.id).await?;
        }
    }
    orgs.archive_organisation(id).await
}
