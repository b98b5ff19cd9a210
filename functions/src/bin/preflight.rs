//! Not an endpoint: the preflight, read-only checks of CPONE's database and the token table
//! (`wynacom::preflight`; docs/DEPLOY.md, "Preflight").

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), wynacom::startup::Error> {
    wynacom::preflight::main().await
}
