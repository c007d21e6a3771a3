//! `orgs organisations …`: the cached client from the command line, configured like Notify's
//! admin app (API_HOST_NAME, ADMIN_CLIENT_SECRET, ROUTE_SECRET_KEY_1, REDIS_URL, ...). Tables by
//! default, JSON with `--json`.

mod views;

use clap::Subcommand;
use orgs_client::{ApiClient, NewOrganisation, OrganisationUpdate, OrganisationsClient};
use serde::Serialize;
use uuid::Uuid;

use crate::Failure;
use crate::exit::NotFound;
use crate::output::{Output, note};

/// `orgs organisations [--json] COMMAND`.
#[derive(Debug, clap::Args)]
pub(crate) struct OrganisationsArgs {
    /// Print JSON on standard output (the API's fields, as it sent them) instead of a table.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: OrganisationsCommand,
}

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
    /// The organisation an email domain belongs to (longest matching suffix); exit status 3
    /// when none does.
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

/// Runs `args`, printing tables (styled when `color`) or JSON.
pub(crate) async fn run(args: OrganisationsArgs, color: bool) -> Result<(), Failure> {
    // Built apart, so that a bad cache setting is a cache error (exit 5), not the API's.
    let api = ApiClient::from_env()?;
    let cache = crate::cache_env::builder()?.build()?;
    let client = OrganisationsClient::new(api, cache);
    let out = Output::new(args.json, color);
    let outcome = execute(&client, args.command, &out).await;
    // Invalidations retried in the background must finish before the process exits.
    client.cache().flush_invalidations().await;
    outcome
}

async fn execute(
    client: &OrganisationsClient,
    command: OrganisationsCommand,
    out: &Output,
) -> Result<(), Failure> {
    use OrganisationsCommand::*;
    match command {
        List => {
            let list = client.get_organisations().await?;
            out.print(&list, |color| views::summaries(&list).render(color))
        }
        Domains => {
            let domains = client.get_domains().await?;
            out.print(&domains, |color| views::domains(&domains).render(color))
        }
        Get { org_id } => organisation(out, &client.get_organisation(org_id).await?),
        Name { org_id } => {
            let name = client.get_organisation_name(org_id).await?;
            out.print(
                &Named {
                    id: org_id,
                    name: &name,
                },
                |_| name.clone(),
            )
        }
        ByDomain { domain } => match client.get_organisation_by_domain(&domain).await? {
            Some(found) => organisation(out, &found),
            None => Err(NotFound(format!("no organisation has the domain {domain}")).into()),
        },
        Search { name } => {
            let found = client.search(&name).await?;
            out.print(&found, |color| views::summaries(&found).render(color))
        }
        Services { org_id } => {
            let services = client.get_organisation_services(org_id).await?;
            out.print(&services, |color| views::services(&services).render(color))
        }
        Users { org_id } => {
            let users = client.get_organisation_users(org_id).await?;
            out.print(&users, |color| views::users(&users).render(color))
        }
        Create {
            name,
            organisation_type,
            crown,
        } => {
            let new = NewOrganisation::new(name, organisation_type.as_str(), crown);
            organisation(out, &client.create_organisation(&new).await?)
        }
        Rename { org_id, name } => {
            let update = OrganisationUpdate::new().field("name", name);
            client.update_organisation(org_id, &update).await?;
            organisation(out, &client.get_organisation(org_id).await?)
        }
        Archive { org_id } => {
            client.archive_organisation(org_id).await?;
            if out.json() {
                out.print(
                    &Archived {
                        id: org_id,
                        archived: true,
                    },
                    |_| String::new(),
                )
            } else {
                note(format_args!("archived {org_id}"));
                Ok(())
            }
        }
    }
}

/// One organisation: its fields as a record, or the API's JSON.
fn organisation(out: &Output, organisation: &impl Serialize) -> Result<(), Failure> {
    let record = views::record(organisation)?;
    out.print(organisation, |color| record.render(color))
}

/// What `name --json` prints.
#[derive(Serialize)]
struct Named<'a> {
    id: Uuid,
    name: &'a str,
}

/// What `archive --json` prints.
#[derive(Serialize)]
struct Archived {
    id: Uuid,
    archived: bool,
}
