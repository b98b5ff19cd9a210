//! The end-to-end tests: the API as a client, SAM CLI or an operator meets it, one trial per
//! case, so that a failure names its event or example. Each family runs when its variable is
//! set and is listed as ignored otherwise (docs/TESTING.md says where each runs):
//!
//! - `WYNACOM_API_BASE_URL` (e.g. `http://127.0.0.1:9000/one-api/tools/wynacom`, an API with
//!   the demo data): `http::events::<event>`, every event of events/ as the HTTP request it
//!   stands for, and `http::openapi::<operation>::<example>`, every example of
//!   docs/openapi.yaml (http.rs). `WYNACOM_API_KEY` (optional) is sent as `x-api-key`;
//!   `WYNACOM_TOKEN` (optional) is used instead of a token from /generate_token.
//! - `WYNACOM_SAM_LOCAL_INVOKE` (a `sam local invoke` command prefix, one argument a line):
//!   `sam_invoke::events::<event>`, every event through `sam local invoke` (sam_invoke.rs); run
//!   them with `-- --test-threads 1`.
//! - `WYNACOM_RELEASE_API=1`: `rotation::...`, the secret's rotation through the release
//!   binaries in a local API of its own (rotation.rs); `compare::...`, scripts/compare between
//!   two local APIs of the release binaries on databases that differ as each case says
//!   (compare.rs).
//!
//! ```text
//! WYNACOM_API_BASE_URL=http://127.0.0.1:9000/one-api/tools/wynacom cargo test -p wynacom --test e2e
//! WYNACOM_RELEASE_API=1 cargo test -p wynacom --test e2e rotation
//! WYNACOM_SAM_LOCAL_INVOKE="$(printf '%s\n' sam local invoke --template ...)" \
//!   cargo test -p wynacom --test e2e sam_invoke -- --test-threads 1
//! ```

mod api;
// The integration tests' harness: the rotation trial's table, database and secret.
#[allow(dead_code)]
#[path = "../integration/app.rs"]
mod app;
mod compare;
mod http;
mod local_api;
mod rotation;
mod sam_invoke;

use wynacom::testing::{TOKEN_PLACEHOLDER, event_text};

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    let mut trials = http::trials();
    trials.extend(sam_invoke::trials());
    trials.extend(rotation::trials());
    trials.extend(compare::trials());
    libtest_mimic::run(&args, trials).exit();
}

/// The value of the variable `name`, when it is set and not empty.
fn variable(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Whether `events/<name>.json` carries the token placeholder (a token goes there).
fn needs_token(name: &str) -> bool {
    event_text(name, TOKEN_PLACEHOLDER).contains(TOKEN_PLACEHOLDER)
}
