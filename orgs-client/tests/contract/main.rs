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

mod auth;
mod invites;
mod organisations;
mod reads;
mod scratch;
mod target;
mod team;
