//! `orgs organisations …`: the cached client from the command line, configured like Notify's
//! admin app (API_HOST_NAME, ADMIN_CLIENT_SECRET, ROUTE_SECRET_KEY_1, REDIS_URL, ...).

use clap::Subcommand;
use orgs_client::{NewOrganisation, OrganisationUpdate, OrganisationsClient};
use serde::Serialize;
use uuid::Uuid;

use crate::Failure;

#[derive(Debug, Subcommand)]
pub(crate) enum OrganisationsCommand {
    /// List every organisation (cached as `organisations`).
    List,
    /// Every domain of every organisation (cached as `domains`).
    Domains,
    /// One organisation, in full.
    Get {
        /// The organisation's id.
        org_id: Uuid,
    },
    /// An organisation's name (cached as `organisation-{id}-name`).
    Name {
        /// The organisation's id.
        org_id: Uuid,
    },
    /// The organisation an email domain belongs to (longest matching suffix).
    ByDomain {
        /// A domain such as `cabinetoffice.gov.uk`.
        domain: String,
    },
    /// Organisations whose name contains NAME.
    Search {
        /// Part of a name, any case.
        name: String,
    },
    /// An organisation's services.
    Services {
        /// The organisation's id.
        org_id: Uuid,
    },
    /// An organisation's team members.
    Users {
        /// The organisation's id.
        org_id: Uuid,
    },
    /// Create an organisation (invalidates `organisations`).
    Create {
        /// Its name; must be unique.
        #[arg(long)]
        name: String,
        /// Its type: central, local, nhs_central, nhs_local, nhs_gp, emergency_service,
        /// school_or_college, other or nhs_notify.
        #[arg(long = "type", value_name = "TYPE")]
        organisation_type: String,
        /// Whether it is a crown body: `true` or `false` (the API requires it).
        #[arg(long, required = true, action = clap::ArgAction::Set, value_name = "true|false")]
        crown: bool,
    },
    /// Rename an organisation (invalidates its name, the lists, and its services' keys).
    Rename {
        /// The organisation's id.
        org_id: Uuid,
        /// The new name; must be unique.
        name: String,
    },
    /// Archive an organisation.
    Archive {
        /// The organisation's id.
        org_id: Uuid,
    },
}

pub(crate) async fn run(command: OrganisationsCommand) -> Result<(), Failure> {
    let client = OrganisationsClient::from_env()?;
    let outcome = execute(&client, command).await;
    // Invalidations retried in the background must finish before the process exits.
    client.cache().flush_invalidations().await;
    outcome
}

async fn execute(
    client: &OrganisationsClient,
    command: OrganisationsCommand,
) -> Result<(), Failure> {
    use OrganisationsCommand::*;
    match command {
        List => print(&client.get_organisations().await?),
        Domains => print(&client.get_domains().await?),
        Get { org_id } => print(&client.get_organisation(org_id).await?),
        Name { org_id } => print(&client.get_organisation_name(org_id).await?),
        ByDomain { domain } => match client.get_organisation_by_domain(&domain).await? {
            Some(organisation) => print(&organisation),
            None => Err(format!("no organisation has the domain {domain}").into()),
        },
        Search { name } => print(&client.search(&name).await?),
        Services { org_id } => print(&client.get_organisation_services(org_id).await?),
        Users { org_id } => print(&client.get_organisation_users(org_id).await?),
        Create {
            name,
            organisation_type,
            crown,
        } => {
            let organisation = NewOrganisation::new(name, organisation_type.as_str(), crown);
            print(&client.create_organisation(&organisation).await?)
        }
        Rename { org_id, name } => {
            let update = OrganisationUpdate::new().field("name", name);
            client.update_organisation(org_id, &update).await?;
            print(&client.get_organisation(org_id).await?)
        }
        Archive { org_id } => {
            client.archive_organisation(org_id).await?;
            eprintln!("archived {org_id}");
            Ok(())
        }
    }
}

fn print(value: &impl Serialize) -> Result<(), Failure> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
