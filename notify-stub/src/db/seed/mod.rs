//! The seed data set: generated from a fixed-seed PRNG, so every stub holds the same rows and
//! tests can rely on counts and on the examples in [`SeedSummary`].

use std::collections::HashSet;

use uuid::Uuid;

mod insert;
mod names;

use super::brandings::{NHS_EMAIL_BRANDING_ID, NHS_LETTER_BRANDING_ID};
use crate::time;
pub(crate) use insert::{insert, is_seeded};
use names::slug;

/// What every freshly seeded stub holds. Computed from the generated rows, so it stays right
/// when the generator changes; identical for every call (the data set is deterministic).
#[derive(Debug, Clone, PartialEq)]
pub struct SeedSummary {
    /// Organisations, active and not.
    pub organisations: usize,
    /// Active organisations (listed first by `GET /organisations`).
    pub active_organisations: usize,
    /// Services, including those in no organisation.
    pub services: usize,
    /// Services that count as live (active and not restricted).
    pub live_services: usize,
    /// Services belonging to no organisation.
    pub unassigned_services: usize,
    /// Organisations with no services at all.
    pub organisations_without_services: usize,
    /// Users.
    pub users: usize,
    /// Domains across all organisations.
    pub domains: usize,
    /// Email brandings.
    pub email_brandings: usize,
    /// Letter brandings.
    pub letter_brandings: usize,
    /// Organisation invites.
    pub invites: usize,
    /// Rows picked out for tests.
    pub examples: SeedExamples,
}

/// Seeded rows with known properties, for tests to start from.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedExamples {
    /// "Government Digital Service": active, with services, users, a domain, and email and
    /// letter branding pools.
    pub organisation_id: Uuid,
    /// Its name.
    pub organisation_name: String,
    /// One of its services.
    pub service_id: Uuid,
    /// One of its (active) users.
    pub user_id: Uuid,
    /// An email branding in its pool (and its default email branding).
    pub email_branding_in_pool: Uuid,
    /// A letter branding in its pool that is not its default letter branding.
    pub letter_branding_in_pool: Uuid,
    /// An email branding not in its pool.
    pub email_branding_not_in_pool: Uuid,
    /// Its domain, `digital.cabinet-office.gov.uk`: longer than the parent's.
    pub nested_domain: String,
    /// "Cabinet Office", which owns the parent domain.
    pub parent_organisation_id: Uuid,
    /// `cabinet-office.gov.uk`.
    pub parent_domain: String,
    /// An active organisation with no services, users or invites (so it can be archived).
    pub organisation_without_services_id: Uuid,
    /// An inactive organisation.
    pub inactive_organisation_id: Uuid,
    /// A service in no organisation (to link with `POST /organisations/{id}/service`).
    pub unassigned_service_id: Uuid,
}

/// The summary of the data set every stub is seeded with.
pub fn seed_summary() -> SeedSummary {
    generate().summary()
}

const SEED: u64 = 0x4e0d_1f7e_5eed_2018;
/// 2018-01-01T00:00:00Z: Notify's organisations go back to about then.
const BASE_TIME: i64 = 1_514_764_800;
const SIX_YEARS: u64 = 6 * 365 * 86_400;

const GENERATED: &[(&str, usize)] = &[
    ("local", 110),
    ("nhs_local", 40),
    ("nhs_gp", 30),
    ("emergency_service", 30),
    ("school_or_college", 30),
    ("other", 26),
];
const UNASSIGNED_SERVICES: usize = 40;
const BRAND_TYPES: &[&str] = &["org", "both", "org_banner"];
/// Weighted by repetition: most seeded invites are still pending.
const INVITE_STATUSES: &[&str] = &[
    "pending",
    "pending",
    "pending",
    "accepted",
    "accepted",
    "cancelled",
];
const SERVICE_PERMISSIONS_FULL: &str = "manage_users,manage_templates,manage_settings,send_texts,\
send_emails,send_letters,manage_api_keys,view_activity";
const SERVICE_PERMISSIONS_SENDER: &str = "send_emails,send_texts,view_activity";

/// SplitMix64: tiny, fast and good enough for plausible test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.index(items.len())]
    }
    fn uuid(&mut self) -> Uuid {
        let bytes = (u128::from(self.next()) << 64 | u128::from(self.next())).to_be_bytes();
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
    fn time_after(&mut self, start: i64) -> i64 {
        start + self.below(SIX_YEARS) as i64
    }
}

pub(crate) struct Org {
    id: Uuid,
    name: String,
    active: bool,
    crown: Option<bool>,
    organisation_type: &'static str,
    domains: Vec<String>,
    letter_branding_id: Option<Uuid>,
    email_branding_id: Option<Uuid>,
    agreement_signed: Option<bool>,
    agreement_signed_at: Option<String>,
    agreement_signed_by_id: Option<Uuid>,
    on_behalf_of: Option<(String, String)>,
    agreement_signed_version: Option<f64>,
    request_to_go_live_notes: Option<String>,
    notes: Option<String>,
    purchase_order_number: Option<String>,
    billing: Option<(String, String, String)>,
    can_approve_own_go_live_requests: bool,
    permissions: Vec<&'static str>,
    created_at: i64,
}

pub(crate) struct Service {
    id: Uuid,
    name: String,
    active: bool,
    restricted: bool,
    count_as_live: bool,
    organisation_id: Option<Uuid>,
    created_at: i64,
}

pub(crate) struct User {
    id: Uuid,
    name: String,
    email_address: String,
    mobile_number: Option<String>,
    auth_type: &'static str,
    state: &'static str,
    platform_admin: bool,
    failed_login_count: u32,
    take_part_in_research: bool,
    created_at: i64,
    logged_in_at: Option<i64>,
}

pub(crate) struct EmailBranding {
    id: Uuid,
    name: String,
    colour: Option<String>,
    logo: Option<String>,
    text: Option<String>,
    alt_text: Option<String>,
    brand_type: &'static str,
    created_at: i64,
}

pub(crate) struct LetterBranding {
    id: Uuid,
    name: String,
    filename: String,
    created_at: i64,
}

pub(crate) struct Invite {
    id: Uuid,
    email_address: String,
    invited_by_id: Uuid,
    organisation_id: Uuid,
    status: &'static str,
    created_at: i64,
}

/// Every seeded row.
pub(crate) struct SeedData {
    orgs: Vec<Org>,
    services: Vec<Service>,
    users: Vec<User>,
    /// (user, organisation, comma-separated organisation permissions)
    user_orgs: Vec<(Uuid, Uuid, &'static str)>,
    /// (user, service, comma-separated service permissions)
    user_services: Vec<(Uuid, Uuid, &'static str)>,
    email_brandings: Vec<EmailBranding>,
    letter_brandings: Vec<LetterBranding>,
    email_pool: Vec<(Uuid, Uuid)>,
    letter_pool: Vec<(Uuid, Uuid)>,
    invites: Vec<Invite>,
}

/// Builds the data set. Pure and deterministic.
pub(crate) fn generate() -> SeedData {
    let mut rng = Rng(SEED);
    let mut data = SeedData {
        orgs: Vec::new(),
        services: Vec::new(),
        users: Vec::new(),
        user_orgs: Vec::new(),
        user_services: Vec::new(),
        email_brandings: Vec::new(),
        letter_brandings: Vec::new(),
        email_pool: Vec::new(),
        letter_pool: Vec::new(),
        invites: Vec::new(),
    };
    let mut org_names = HashSet::new();
    let mut domains = HashSet::new();

    for (index, (name, organisation_type, crown, org_domains)) in names::NAMED.iter().enumerate() {
        let mut org = new_org(&mut rng, name, organisation_type);
        org.crown = Some(*crown);
        org.active = *name != "Department for Exiting the European Union";
        org.domains = org_domains.iter().map(|d| (*d).to_owned()).collect();
        // GDS (the first) is the main example: give it a settled, fully filled-in record.
        if index == 0 {
            org.agreement_signed = Some(true);
            org.agreement_signed_at = Some(time::http_date(org.created_at + 86_400 * 14));
            org.agreement_signed_version = Some(6.0);
            org.can_approve_own_go_live_requests = true;
            org.permissions = vec!["can_ask_to_join_a_service"];
        }
        org_names.insert(org.name.clone());
        domains.extend(org.domains.iter().cloned());
        data.orgs.push(org);
    }
    for (organisation_type, count) in GENERATED {
        for _ in 0..*count {
            let org = generated_org(&mut rng, organisation_type, &mut org_names, &mut domains);
            data.orgs.push(org);
        }
    }

    add_brandings(&mut rng, &mut data);
    add_services(&mut rng, &mut data);
    add_users(&mut rng, &mut data);
    add_invites(&mut rng, &mut data);
    data
}

fn new_org(rng: &mut Rng, name: &str, organisation_type: &'static str) -> Org {
    let created_at = rng.time_after(BASE_TIME);
    let central = matches!(organisation_type, "central" | "nhs_central");
    let agreement_signed = match rng.below(10) {
        _ if central && rng.chance(85) => Some(true),
        0..=5 => Some(true),
        6 => Some(false),
        _ => None,
    };
    let signed = agreement_signed == Some(true);
    let billed = rng.chance(30);
    let (first, last) = (rng.pick(names::FIRST_NAMES), rng.pick(names::LAST_NAMES));
    Org {
        id: rng.uuid(),
        name: name.to_owned(),
        active: true,
        crown: match organisation_type {
            "central" | "nhs_central" => Some(true),
            "other" if rng.chance(50) => None,
            _ => Some(false),
        },
        organisation_type,
        domains: Vec::new(),
        letter_branding_id: None,
        email_branding_id: None,
        agreement_signed,
        agreement_signed_at: signed.then(|| time::http_date(created_at + 86_400 * 14)),
        agreement_signed_by_id: None,
        on_behalf_of: (signed && rng.chance(20)).then(|| {
            (
                format!("{first} {last}"),
                format!("{}.{}@example.gov.uk", first.to_lowercase(), slug(last)),
            )
        }),
        agreement_signed_version: signed.then(|| rng.pick(&[2.0, 3.0, 5.0, 6.0, 7.0])),
        request_to_go_live_notes: rng
            .chance(15)
            .then(|| "Check the service has a named senior responsible owner".to_owned()),
        notes: rng
            .chance(20)
            .then(|| format!("Contact {first} {last} about renewals")),
        purchase_order_number: billed.then(|| format!("PO-{:06}", rng.below(1_000_000))),
        billing: billed.then(|| {
            (
                format!("{first} {last}"),
                format!("{}.{}@example.gov.uk", first.to_lowercase(), slug(last)),
                format!("BR-{:04}", rng.below(10_000)),
            )
        }),
        can_approve_own_go_live_requests: central && rng.chance(30),
        permissions: if rng.chance(40) {
            vec!["can_ask_to_join_a_service"]
        } else {
            Vec::new()
        },
        created_at,
    }
}

/// One generated organisation of a type: a unique name and unique domains.
fn generated_org(
    rng: &mut Rng,
    organisation_type: &'static str,
    org_names: &mut HashSet<String>,
    domains: &mut HashSet<String>,
) -> Org {
    for attempt in 0.. {
        let (mut name, mut org_domains) = candidate(rng, organisation_type);
        if attempt > 200 {
            // Word lists exhausted for this type: disambiguate rather than loop forever.
            name = format!("{name} ({attempt})");
            org_domains.clear();
        }
        if org_names.contains(&name) || org_domains.iter().any(|d| domains.contains(d)) {
            continue;
        }
        let mut org = new_org(rng, &name, organisation_type);
        // Archived organisations lose their domains in Notify; these never had any left.
        org.active = !rng.chance(8);
        if org.active {
            org.domains = org_domains;
        }
        org_names.insert(name);
        domains.extend(org.domains.iter().cloned());
        return org;
    }
    unreachable!("the loop above only ends by returning")
}

fn candidate(rng: &mut Rng, organisation_type: &str) -> (String, Vec<String>) {
    let place = rng.pick(names::PLACES);
    let p = slug(place);
    let (name, domains): (String, Vec<String>) = match organisation_type {
        "local" => {
            let kind = rng.pick(&[
                "City Council",
                "Borough Council",
                "District Council",
                "Council",
                "Metropolitan Borough Council",
            ]);
            (format!("{place} {kind}"), vec![format!("{p}.gov.uk")])
        }
        "nhs_local" => match rng.below(3) {
            0 => (
                format!("{place} Teaching Hospitals NHS Foundation Trust"),
                vec![format!("{p}hospitals.nhs.uk")],
            ),
            1 => (
                format!("{place} Integrated Care Board"),
                vec![format!("{p}icb.nhs.uk")],
            ),
            _ => (
                format!("{place} Community Health NHS Trust"),
                vec![format!("{p}community.nhs.uk")],
            ),
        },
        "nhs_gp" => {
            let street = rng.pick(names::STREETS);
            let name = match rng.below(3) {
                0 => format!("{street} Surgery, {place}"),
                1 => format!("{street} Medical Practice, {place}"),
                _ => format!("{place} {street} Health Centre"),
            };
            // Many practices only use nhs.net addresses, which belong to no organisation.
            let domains = if rng.chance(50) {
                vec![format!("{}{p}.nhs.uk", slug(street))]
            } else {
                Vec::new()
            };
            (name, domains)
        }
        "emergency_service" => {
            let county = rng.pick(names::COUNTIES);
            let c = slug(county);
            if rng.chance(50) {
                (format!("{county} Police"), vec![format!("{c}.police.uk")])
            } else {
                (
                    format!("{county} Fire and Rescue Service"),
                    vec![format!("{c}fire.gov.uk")],
                )
            }
        }
        "school_or_college" => match rng.below(3) {
            0 => (
                format!("{place} College"),
                vec![format!("{p}college.ac.uk")],
            ),
            1 => (
                format!("{place} Academy"),
                vec![format!("{p}academy.sch.uk")],
            ),
            _ => (format!("University of {place}"), vec![format!("{p}.ac.uk")]),
        },
        _ => match rng.below(3) {
            0 => (
                format!("Citizens Advice {place}"),
                vec![format!("citizensadvice{p}.org.uk")],
            ),
            1 => (
                format!("{place} Housing Association"),
                vec![format!("{p}housing.org.uk")],
            ),
            _ => (
                format!("{place} Community Foundation"),
                vec![format!("{p}foundation.org.uk")],
            ),
        },
    };
    (name, domains)
}

fn add_brandings(rng: &mut Rng, data: &mut SeedData) {
    let hm_government = EmailBranding {
        id: rng.uuid(),
        name: "HM Government".to_owned(),
        colour: Some("#0b0c0c".to_owned()),
        logo: Some("hm-government.png".to_owned()),
        text: Some("HM Government".to_owned()),
        alt_text: None,
        brand_type: "org",
        created_at: BASE_TIME,
    };
    // The NHS brandings carry Notify's fixed ids (what NHS organisations get). The generator's
    // draw for each is still made, so every other row stays as it was.
    let _ = rng.uuid();
    let nhs = EmailBranding {
        id: NHS_EMAIL_BRANDING_ID,
        name: "NHS".to_owned(),
        colour: Some("#005eb8".to_owned()),
        logo: Some("nhs.png".to_owned()),
        text: None,
        alt_text: Some("NHS".to_owned()),
        brand_type: "org",
        created_at: BASE_TIME,
    };
    let hm_government_letter = LetterBranding {
        id: rng.uuid(),
        name: "HM Government".to_owned(),
        filename: "hm-government".to_owned(),
        created_at: BASE_TIME,
    };
    let _ = rng.uuid();
    let nhs_letter = LetterBranding {
        id: NHS_LETTER_BRANDING_ID,
        name: "NHS".to_owned(),
        filename: "nhs".to_owned(),
        created_at: BASE_TIME,
    };
    let shared_email = [hm_government.id, nhs.id];
    let shared_letter = [hm_government_letter.id, nhs_letter.id];
    data.email_brandings.extend([hm_government, nhs]);
    data.letter_brandings
        .extend([hm_government_letter, nhs_letter]);

    let named = names::NAMED.len();
    for (index, org) in data.orgs.iter_mut().enumerate() {
        if !org.active {
            continue;
        }
        let nhs_type = org.organisation_type.starts_with("nhs");
        let shared = usize::from(nhs_type);
        if index < named || rng.chance(35) {
            let text = rng.chance(70);
            let branding = EmailBranding {
                id: rng.uuid(),
                name: org.name.clone(),
                colour: Some((rng.pick(names::COLOURS)).to_owned()),
                logo: Some(format!("{}.png", slug(&org.name))),
                text: text.then(|| org.name.clone()),
                alt_text: (!text).then(|| org.name.clone()),
                brand_type: rng.pick(BRAND_TYPES),
                created_at: rng.time_after(BASE_TIME),
            };
            data.email_pool.push((org.id, branding.id));
            if index == 0 || rng.chance(60) {
                org.email_branding_id = Some(branding.id);
            }
            data.email_brandings.push(branding);
        }
        // GDS (index 0) also has the shared branding for its sector: the example tests use.
        if index == 0 || rng.chance(50) {
            data.email_pool.push((org.id, shared_email[shared]));
            if org.email_branding_id.is_none() && nhs_type {
                org.email_branding_id = Some(shared_email[shared]);
            }
        }
        if index < named || rng.chance(25) {
            let branding = LetterBranding {
                id: rng.uuid(),
                name: org.name.clone(),
                filename: slug(&org.name),
                created_at: rng.time_after(BASE_TIME),
            };
            data.letter_pool.push((org.id, branding.id));
            if index == 0 || rng.chance(60) {
                org.letter_branding_id = Some(branding.id);
            }
            data.letter_brandings.push(branding);
        }
        if index == 0 || rng.chance(40) {
            data.letter_pool.push((org.id, shared_letter[shared]));
        }
    }
}

fn add_services(rng: &mut Rng, data: &mut SeedData) {
    let named = names::NAMED.len();
    let without_anything = "Office of the Small Business Commissioner";
    for (index, org) in data.orgs.iter().enumerate() {
        let nouns = names::services_for(org.organisation_type);
        let count = if org.name == without_anything {
            0
        } else if !org.active {
            rng.index(3)
        } else if index < named {
            6 + rng.index(12)
        } else if rng.chance(15) {
            0
        } else {
            1 + rng.index(7)
        };
        let mut chosen: Vec<usize> = (0..nouns.len()).collect();
        for i in 0..count.min(nouns.len()) {
            // A partial Fisher-Yates shuffle: distinct service names within an organisation.
            let j = i + rng.index(nouns.len() - i);
            chosen.swap(i, j);
            data.services.push(Service {
                id: rng.uuid(),
                name: format!("{} ({})", nouns[chosen[i]], org.name),
                // Archived organisations only keep archived services.
                active: org.active && (index == 0 && i == 0 || rng.chance(92)),
                restricted: !(index == 0 && i == 0) && rng.chance(25),
                count_as_live: rng.chance(95),
                organisation_id: Some(org.id),
                created_at: rng.time_after(org.created_at),
            });
        }
    }
    let mut names_used = HashSet::new();
    while names_used.len() < UNASSIGNED_SERVICES {
        let noun = rng.pick(names::CENTRAL_SERVICES);
        let place = rng.pick(names::PLACES);
        let name = format!("{noun} ({place} pilot)");
        if names_used.insert(name.clone()) {
            data.services.push(Service {
                id: rng.uuid(),
                name,
                active: rng.chance(90),
                restricted: rng.chance(60),
                count_as_live: true,
                organisation_id: None,
                created_at: rng.time_after(BASE_TIME),
            });
        }
    }
}

fn add_users(rng: &mut Rng, data: &mut SeedData) {
    let named = names::NAMED.len();
    let mut emails = HashSet::new();
    for index in 0..data.orgs.len() {
        let org = &data.orgs[index];
        if !org.active || org.name == "Office of the Small Business Commissioner" {
            continue;
        }
        let count = if index < named {
            2 + rng.index(6)
        } else if rng.chance(30) {
            0
        } else {
            1 + rng.index(5)
        };
        let domain = org
            .domains
            .first()
            .cloned()
            .unwrap_or_else(|| "nhs.net".to_owned());
        let org_id = org.id;
        let org_services: Vec<Uuid> = data
            .services
            .iter()
            .filter(|s| s.organisation_id == Some(org_id))
            .map(|s| s.id)
            .collect();
        let mut first_user = None;
        for n in 0..count {
            let first = rng.pick(names::FIRST_NAMES);
            let last = rng.pick(names::LAST_NAMES);
            let mut email = format!("{}.{}@{domain}", first.to_lowercase(), slug(last));
            let mut suffix = 2;
            while emails.contains(&email) {
                email = format!("{}.{}{suffix}@{domain}", first.to_lowercase(), slug(last));
                suffix += 1;
            }
            emails.insert(email.clone());
            let auth_type = rng.pick(&[
                "sms_auth",
                "sms_auth",
                "sms_auth",
                "email_auth",
                "webauthn_auth",
            ]);
            let created_at = rng.time_after(org.created_at);
            let user = User {
                id: rng.uuid(),
                name: format!("{first} {last}"),
                email_address: email,
                mobile_number: (auth_type != "email_auth")
                    .then(|| format!("07700 900{:03}", rng.below(1000))),
                auth_type,
                // GDS's first user is the example: always active.
                state: if (index == 0 && n == 0) || rng.chance(95) {
                    "active"
                } else {
                    "pending"
                },
                platform_admin: index == 0 && n < 3,
                failed_login_count: if rng.chance(90) {
                    0
                } else {
                    1 + rng.below(3) as u32
                },
                take_part_in_research: rng.chance(70),
                created_at,
                logged_in_at: rng
                    .chance(85)
                    .then(|| created_at + rng.below(86_400 * 300) as i64),
            };
            let permissions = if rng.chance(50) {
                "can_make_services_live"
            } else {
                ""
            };
            data.user_orgs.push((user.id, org_id, permissions));
            for _ in 0..rng.index(4).min(org_services.len()) {
                let service = rng.pick(&org_services);
                if !data
                    .user_services
                    .iter()
                    .any(|(u, s, _)| *u == user.id && *s == service)
                {
                    let perms = if rng.chance(50) {
                        SERVICE_PERMISSIONS_FULL
                    } else {
                        SERVICE_PERMISSIONS_SENDER
                    };
                    data.user_services.push((user.id, service, perms));
                }
            }
            first_user.get_or_insert(user.id);
            data.users.push(user);
        }
        // Whoever signed the agreement is one of the team, when there is a team.
        let org = &mut data.orgs[index];
        if org.agreement_signed == Some(true) {
            org.agreement_signed_by_id = first_user;
        }
    }
}

fn add_invites(rng: &mut Rng, data: &mut SeedData) {
    let mut n = 0;
    for org in &data.orgs {
        let Some(&(inviter, _, _)) = data.user_orgs.iter().find(|(_, o, _)| *o == org.id) else {
            continue;
        };
        if !rng.chance(20) {
            continue;
        }
        let domain = org.domains.first().map_or("nhs.net", String::as_str);
        for _ in 0..1 + rng.index(3) {
            n += 1;
            data.invites.push(Invite {
                id: rng.uuid(),
                email_address: format!("new.starter{n}@{domain}"),
                invited_by_id: inviter,
                organisation_id: org.id,
                status: rng.pick(INVITE_STATUSES),
                created_at: rng.time_after(org.created_at),
            });
        }
    }
}

impl SeedData {
    pub(crate) fn summary(&self) -> SeedSummary {
        let org_named = |name: &str| self.orgs.iter().find(|o| o.name == name);
        let gds = &self.orgs[0];
        let cabinet_office = org_named("Cabinet Office").unwrap_or(gds);
        let empty = org_named("Office of the Small Business Commissioner").unwrap_or(gds);
        let inactive = self.orgs.iter().find(|o| !o.active).unwrap_or(gds);
        let nil = Uuid::nil();
        let in_pool = |org: Uuid, branding: Uuid, pool: &[(Uuid, Uuid)]| {
            pool.iter().any(|(o, b)| *o == org && *b == branding)
        };
        SeedSummary {
            organisations: self.orgs.len(),
            active_organisations: self.orgs.iter().filter(|o| o.active).count(),
            services: self.services.len(),
            live_services: self
                .services
                .iter()
                .filter(|s| s.active && !s.restricted)
                .count(),
            unassigned_services: self
                .services
                .iter()
                .filter(|s| s.organisation_id.is_none())
                .count(),
            organisations_without_services: self
                .orgs
                .iter()
                .filter(|o| {
                    !self
                        .services
                        .iter()
                        .any(|s| s.organisation_id == Some(o.id))
                })
                .count(),
            users: self.users.len(),
            domains: self.orgs.iter().map(|o| o.domains.len()).sum(),
            email_brandings: self.email_brandings.len(),
            letter_brandings: self.letter_brandings.len(),
            invites: self.invites.len(),
            examples: SeedExamples {
                organisation_id: gds.id,
                organisation_name: gds.name.clone(),
                service_id: self
                    .services
                    .iter()
                    .find(|s| s.organisation_id == Some(gds.id))
                    .map_or(nil, |s| s.id),
                user_id: self
                    .user_orgs
                    .iter()
                    .find(|(_, o, _)| *o == gds.id)
                    .map_or(nil, |(u, _, _)| *u),
                email_branding_in_pool: gds.email_branding_id.unwrap_or(nil),
                letter_branding_in_pool: self
                    .letter_pool
                    .iter()
                    .find(|(o, b)| *o == gds.id && Some(*b) != gds.letter_branding_id)
                    .map_or(nil, |(_, b)| *b),
                email_branding_not_in_pool: self
                    .email_brandings
                    .iter()
                    .find(|b| !in_pool(gds.id, b.id, &self.email_pool))
                    .map_or(nil, |b| b.id),
                nested_domain: gds.domains.first().cloned().unwrap_or_default(),
                parent_organisation_id: cabinet_office.id,
                parent_domain: cabinet_office.domains.first().cloned().unwrap_or_default(),
                organisation_without_services_id: empty.id,
                inactive_organisation_id: inactive.id,
                unassigned_service_id: self
                    .services
                    .iter()
                    .find(|s| s.organisation_id.is_none())
                    .map_or(nil, |s| s.id),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    #[test]
    fn deterministic_and_large_enough() {
        let a = seed_summary();
        assert_eq!(a, seed_summary());
        assert_eq!(a.organisations, 300);
        assert!(a.services > 1000, "{a:?}");
        assert!(a.active_organisations < a.organisations);
        assert!(a.organisations_without_services > 0);
        assert!(a.users > 300, "{a:?}");
        assert!(a.invites > 0);
        let e = &a.examples;
        assert_eq!(e.organisation_name, "Government Digital Service");
        for id in [
            e.service_id,
            e.user_id,
            e.email_branding_in_pool,
            e.letter_branding_in_pool,
            e.email_branding_not_in_pool,
            e.unassigned_service_id,
        ] {
            assert!(!id.is_nil(), "{e:?}");
        }
        assert_ne!(e.inactive_organisation_id, e.organisation_id);
    }

    #[test]
    fn names_and_domains_are_unique() {
        let data = generate();
        let names: HashSet<_> = data.orgs.iter().map(|o| &o.name).collect();
        assert_eq!(names.len(), data.orgs.len());
        let domains: Vec<_> = data.orgs.iter().flat_map(|o| &o.domains).collect();
        assert_eq!(domains.iter().collect::<HashSet<_>>().len(), domains.len());
        let services: HashSet<_> = data.services.iter().map(|s| &s.name).collect();
        assert_eq!(services.len(), data.services.len());
    }

    #[test]
    fn inserts_into_a_fresh_database() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::db::schema::create(&conn).unwrap();
        assert!(!is_seeded(&conn).unwrap());
        insert(&mut conn, &generate()).unwrap();
        assert!(is_seeded(&conn).unwrap());
        let orgs: i64 = conn
            .query_row("SELECT COUNT(*) FROM organisation", [], |r| r.get(0))
            .unwrap();
        assert_eq!(orgs, 300);
    }
}
