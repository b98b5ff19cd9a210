//! POST /generate_token — the whole path: `wynacom::endpoints::generate_token`.

use lambda_http::{run, service_fn};
use wynacom::{endpoints, startup};

#[tokio::main]
async fn main() -> Result<(), startup::Error> {
    startup::init_logging();
    let aws = startup::aws().await;
    let tokens = startup::tokens(&aws)?;
    run(service_fn(|req| endpoints::generate_token(&tokens, req))).await
}
