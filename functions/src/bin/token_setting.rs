//! POST /token_setting — the whole path: `wynacom::endpoints::token_setting`.

use lambda_http::{run, service_fn};
use wynacom::{endpoints, startup};

// One event at a time per instance: a single-threaded runtime avoids cross-thread wake-ups.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), startup::Error> {
    startup::init_logging();
    let aws = startup::aws().await;
    let tokens = startup::tokens(&aws)?;
    run(service_fn(|req| endpoints::token_setting(&tokens, req))).await
}
