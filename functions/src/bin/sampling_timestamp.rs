//! POST /sampling_timestamp — the whole path: `wynacom::endpoints::sampling_timestamp`.

use lambda_http::{run, service_fn};
use wynacom::{endpoints, startup};

// One event at a time per instance: a single-threaded runtime avoids cross-thread wake-ups.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), startup::Error> {
    startup::init_logging();
    let aws = startup::aws().await;
    let tokens = startup::tokens(&aws)?;
    let lab = startup::lab(&aws).await?;
    run(service_fn(|req| {
        endpoints::sampling_timestamp(&tokens, &lab, req)
    }))
    .await
}
