//! The contract suite: what `orgs-client` relies on the API to do, checked against any API.
//!
//! By default every test starts the stand-in (`notify-stub`) on a free loopback port, playing
//! the proxy too (route secret required). Set `ORGS_CONTRACT_API_URL` to run the same tests
//! against a real Notify API instead, with the admin app's credentials variables:
//!
//! ```sh
//! ORGS_CONTRACT_API_URL=https://api.example.notify \
//! ADMIN_CLIENT_SECRET=… ROUTE_SECRET_KEY_1=… \
//! cargo test -p orgs-client --test contract
//! ```
//!
//! `ADMIN_CLIENT_USER_NAME` (default `notify-admin`) and `ROUTE_SECRET_KEY_1` are optional;
//! `ORGS_CONTRACT_USER_ID` names the user the team and invite tests act with (found among the
//! first organisations' users when unset). `API_HOST_NAME` is never read here, so a shell set
//! up for the admin app cannot point the suite at a real API by accident.
//!
//! Safe against a real API: reads only read, and every write is made on an organisation the
//! test creates with a unique name (`orgs-client contract … <uuid>`), archived when the test
//! ends, also when it fails. Invites go to Notify's simulated address, so no email is sent.

//!
//! A check that cannot be made against the API under test is reported as `ignored`, with its
//! reason, and counted in the summary line (`test result: ok. 9 passed; 0 failed; 2 ignored`):
//! the team and invite checks when there is no user to act with, and the invite check when
//! the API saved an invite but then failed (500) for want of its email queue, an environment
//! problem rather than the client's. A 500 with nothing saved still fails. The suite has its
//! own runner for this (`harness = false`; see `harness.rs`); it takes libtest's filters and
//! options.

mod auth;
mod harness;
mod invites;
mod organisations;
mod reads;
mod scratch;
mod target;
mod team;

fn main() -> std::process::ExitCode {
    harness::main(checks![
        auth::a_fresh_token_is_accepted,
        auth::a_wrong_secret_is_403_api_key_not_found,
        auth::an_iat_more_than_30_seconds_off_is_403_system_clock,
        auth::a_token_without_iat_is_403_api_key_not_found,
        invites::invites_are_created_with_permissions_and_come_back_with_them,
        invites::an_invite_saved_then_500_is_the_environment_and_one_not_saved_a_failure,
        organisations::create_rename_and_archive_twice,
        organisations::nhs_notify_is_an_organisation_type,
        organisations::nhs_organisations_get_the_nhs_brandings_and_pools,
        organisations::an_unknown_branding_added_to_a_pool_is_404_and_adds_nothing,
        organisations::an_unknown_type_lists_notifys_types_in_order,
        organisations::a_null_crown_and_an_actor_are_refused,
        reads::every_read_decodes,
        reads::unknown_things_are_404_none_or_empty,
        team::removing_a_member_needs_no_body_and_ignores_one,
    ])
}
