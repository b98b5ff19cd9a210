//! The production credentials path: the lab database's credentials from Secrets Manager
//! (`DATABASE_SECRET_ARN`, RDS format) on a local Secrets Manager (moto's server mode, started
//! by scripts/test), and a password rotation under a warm instance, in process. The same
//! rotation through the release binaries is an end-to-end test (tests/e2e/rotation.rs).

use crate::app::{Data, RotatedUser, TestApp};
use std::time::Duration;
use wynacom::{
    backend::BackendError,
    config::{DatabaseSource, LabConfig, TlsMode},
    lab::{LabSource, database::Database, secret::SecretSource},
};

#[tokio::test]
async fn the_lab_reads_its_credentials_from_the_secret() {
    let app = TestApp::with_database(Data::Demo).await;
    let user = RotatedUser::create(app.db(), "first-Passw0rd").await;
    let config = LabConfig {
        source: DatabaseSource::SecretArn(user.arn.clone()),
        tls: TlsMode::Off,
    };
    let lab = Database::from_config(&config, Some(user.secrets()))
        .await
        .unwrap();
    assert!(lab.sampling("R2606110001").await.unwrap().is_some());
    assert!(lab.glucose("R2606110001").await.unwrap().is_some());
    // Its Debug form never shows the password.
    assert!(format!("{lab:?}").find("first-Passw0rd").is_none());
}

#[tokio::test]
async fn a_rotated_password_is_read_again_and_the_next_request_succeeds() {
    let app = TestApp::with_database(Data::Demo).await;
    let user = RotatedUser::create(app.db(), "first-Passw0rd").await;
    let lab = Database::from_secret(SecretSource::new(user.secrets(), &user.arn), TlsMode::Off)
        .await
        .unwrap();
    let before = lab.sampling("R2606110001").await.unwrap();
    assert!(before.is_some());

    // A rotation as Secrets Manager's RDS rotation does it: the database's password, then the
    // secret; the warm instance's sessions are gone.
    user.change_password("second-Passw0rd").await;
    user.put_secret("second-Passw0rd").await;
    assert_eq!(lab.sampling("R2606110001").await.unwrap(), before);
    assert!(lab.glucose("R2606110001").await.unwrap().is_some());
}

#[tokio::test]
async fn a_refused_login_rereads_the_secret_at_most_once_per_interval() {
    let app = TestApp::with_database(Data::Demo).await;
    let user = RotatedUser::create(app.db(), "first-Passw0rd").await;
    let interval = Duration::from_secs(2);
    let source = SecretSource::new(user.secrets(), &user.arn).with_min_interval(interval);
    let lab = Database::from_secret(source, TlsMode::Off).await.unwrap();
    lab.sampling("R2606110001").await.unwrap();

    // The database changed first; the secret still holds the old password: the re-read finds
    // nothing new, and the answer is 503 (try again), never 500.
    user.change_password("second-Passw0rd").await;
    let err = lab.sampling("R2606110001").await.unwrap_err();
    assert!(matches!(err, BackendError::Unavailable(_)), "{err:?}");
    // The secret is updated now, but the last re-read was just now: not read again yet.
    user.put_secret("second-Passw0rd").await;
    let err = lab.glucose("R2606110001").await.unwrap_err();
    assert!(matches!(err, BackendError::Unavailable(_)), "{err:?}");
    // After the interval, the next refused login reads it and the request succeeds.
    tokio::time::sleep(interval).await;
    assert!(lab.glucose("R2606110001").await.unwrap().is_some());
}

#[tokio::test]
async fn a_missing_or_malformed_secret_stops_the_cold_start_without_echoing_it() {
    let app = TestApp::with_database(Data::Demo).await;
    let user = RotatedUser::create(app.db(), "first-Passw0rd").await;
    let secrets = user.secrets();
    let missing = format!("{}x", user.arn);
    let err = Database::from_secret(SecretSource::new(secrets.clone(), missing), TlsMode::Off)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("could not be read"), "{err}");

    let arn = user
        .make_secret("-bad", r#"{"username":"u","password":"hunter2"}"#)
        .await;
    let err = Database::from_secret(SecretSource::new(secrets, arn), TlsMode::Off)
        .await
        .unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
}
