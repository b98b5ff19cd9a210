//! The production credentials path through the release binaries
//! (`rotation::the_lab_functions_read_the_secret_and_survive_its_rotation`), run when
//! `WYNACOM_RELEASE_API=1`: it starts a local API of its own (scripts/local-api, the one way
//! the local API starts) and needs the release binaries built, cargo-lambda on PATH, the local
//! Secrets Manager (`AWS_ENDPOINT_URL_SECRETS_MANAGER`), DynamoDB Local
//! (`AWS_ENDPOINT_URL_DYNAMODB`) and MariaDB.

use crate::{
    api::Answer,
    app::{Data, RotatedUser, TestApp},
    local_api::LocalApi,
};
use libtest_mimic::Trial;

/// The variable that asks for this trial; unset, it is ignored.
pub const RELEASE_API: &str = "WYNACOM_RELEASE_API";

pub fn trials() -> Vec<Trial> {
    let ignored = crate::variable(RELEASE_API).is_none_or(|v| v != "1");
    vec![
        Trial::test(
            "rotation::the_lab_functions_read_the_secret_and_survive_its_rotation",
            || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap()
                    .block_on(the_lab_functions_read_the_secret_and_survive_its_rotation())
            },
        )
        .with_ignored_flag(ignored),
    ]
}

/// The lab functions read `DATABASE_SECRET_ARN` from the local Secrets Manager at their cold
/// start; then the password is rotated (database and secret) and the warm instances' sessions
/// end. The next requests succeed: no 500, no 503.
async fn the_lab_functions_read_the_secret_and_survive_its_rotation()
-> Result<(), libtest_mimic::Failed> {
    let app = TestApp::with_database(Data::Demo).await;
    let user = RotatedUser::create(app.db(), "first-Passw0rd").await;
    let secrets = crate::app::secrets_endpoint();
    let local = LocalApi::start_release(&[
        ("DATABASE_SECRET_ARN", &user.arn),
        ("AWS_ENDPOINT_URL_SECRETS_MANAGER", &secrets),
        // With the secret, TLS is the default; the local MariaDB speaks none.
        ("DATABASE_TLS", "off"),
    ])
    .await;
    let api = local.api();
    let token = api.token();
    let ask = |endpoint: &str| {
        api.post_json(
            endpoint,
            Some(&token),
            r#"{"T_OrderHeaderLabNumber":"R2606110001"}"#,
        )
    };
    let mut failures = vec![];
    let warm: Vec<Answer> = ["sampling_timestamp", "glucose"].map(ask).into();
    for (endpoint, answer) in ["sampling_timestamp", "glucose"].iter().zip(&warm) {
        if answer.status != 200 {
            failures.push(format!(
                "{endpoint} before rotation: {} {}",
                answer.status, answer.body
            ));
        }
    }
    user.change_password("second-Passw0rd").await;
    user.put_secret("second-Passw0rd").await;
    for (endpoint, before) in ["sampling_timestamp", "glucose"].iter().zip(&warm) {
        let answer = ask(endpoint);
        if answer.status != 200 || answer.body != before.body {
            failures.push(format!(
                "{endpoint} after rotation: {} {}",
                answer.status, answer.body
            ));
        }
    }
    match failures.is_empty() {
        true => Ok(()),
        false => Err(format!("{failures:#?}").into()),
    }
}
