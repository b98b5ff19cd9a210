//! The token rules over the in-memory store, with a hand-set clock.

use super::*;
use crate::backend::BackendError;
use crate::clock::ManualClock;
use crate::token::memory::MemoryStore;

const T0: i64 = 1_782_010_800; // 2026-06-21 10:00:00 Asia/Jakarta
const DAY: i64 = SECONDS_PER_DAY;

fn service() -> (Tokens<MemoryStore>, ManualClock) {
    let clock = ManualClock::at(T0);
    let tz = TimeZone::get("Asia/Jakarta").unwrap();
    (
        Tokens::new(MemoryStore::new(), Arc::new(clock.clone()), tz),
        clock,
    )
}

#[tokio::test]
async fn first_token_uses_the_default_three_days() {
    let (tokens, _) = service();
    let t = tokens.generate().await.unwrap();
    assert_eq!(t.access_token.len(), 64);
    assert!(t.access_token.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(t.token_type, "Bearer");
    assert_eq!(t.expired_days, 3);
    assert_eq!(t.expires_in, 3 * DAY);
    assert_eq!(t.expired_at, "2026-06-24 10:00:00");
}

#[tokio::test]
async fn the_active_token_is_reissued_with_less_time_left() {
    let (tokens, clock) = service();
    let first = tokens.generate().await.unwrap();
    clock.advance(100);
    let again = tokens.generate().await.unwrap();
    assert_eq!(again.access_token, first.access_token);
    assert_eq!(again.expired_at, first.expired_at);
    assert_eq!(again.expires_in, 3 * DAY - 100);
}

#[tokio::test]
async fn a_new_token_comes_at_the_exact_expiry() {
    let (tokens, clock) = service();
    let first = tokens.generate().await.unwrap();
    clock.set(T0 + 3 * DAY - 1);
    assert_eq!(tokens.generate().await.unwrap().expires_in, 1);
    assert_eq!(
        tokens.validate(&first.access_token).await.unwrap().token_id,
        1
    );
    clock.set(T0 + 3 * DAY);
    let second = tokens.generate().await.unwrap();
    assert_ne!(second.access_token, first.access_token);
    assert_eq!(second.expires_in, 3 * DAY);
    assert_eq!(
        tokens
            .validate(&second.access_token)
            .await
            .unwrap()
            .token_id,
        2
    );
}

#[tokio::test]
async fn a_setting_change_leaves_the_active_token_alone() {
    let (tokens, clock) = service();
    let first = tokens.generate().await.unwrap();
    let saved = tokens.save_setting(10).await.unwrap();
    assert_eq!(
        saved,
        TokenSetting {
            token_expired_days: 10,
            expires_in: 10 * DAY
        }
    );
    assert_eq!(tokens.setting().await.unwrap(), saved);
    let again = tokens.generate().await.unwrap();
    assert_eq!(
        (again.access_token.as_str(), again.expired_days),
        (first.access_token.as_str(), 3)
    );
    clock.set(T0 + 3 * DAY);
    let next = tokens.generate().await.unwrap();
    assert_eq!((next.expired_days, next.expires_in), (10, 10 * DAY));
}

#[tokio::test]
async fn default_setting_is_three_days() {
    let (tokens, _) = service();
    assert_eq!(
        tokens.setting().await.unwrap(),
        TokenSetting {
            token_expired_days: 3,
            expires_in: 259_200
        }
    );
}

#[tokio::test]
async fn validation_rejects_wrong_and_expired_tokens() {
    let (tokens, clock) = service();
    let t = tokens.generate().await.unwrap();
    let ok = tokens.validate(&t.access_token).await.unwrap();
    assert_eq!(
        ok,
        ValidToken {
            valid: true,
            token_id: 1,
            expired_at: t.expired_at.clone()
        }
    );
    assert_eq!(tokens.validate("nope").await, Err(ApiError::TokenInvalid));
    // The same token but its last character.
    let last = if t.access_token.ends_with('0') {
        '1'
    } else {
        '0'
    };
    let almost = format!("{}{last}", &t.access_token[..63]);
    assert_eq!(tokens.validate(&almost).await, Err(ApiError::TokenInvalid));
    clock.set(T0 + 3 * DAY);
    // Remembered tokens are never trusted past their expiry either.
    assert_eq!(
        tokens.validate(&t.access_token).await,
        Err(ApiError::TokenInvalid)
    );
}

#[tokio::test]
async fn a_revoked_token_stops_working_within_the_cache_time() {
    let (tokens, clock) = service();
    let t = tokens.generate().await.unwrap();
    tokens.validate(&t.access_token).await.unwrap();
    tokens
        .store()
        .edit_slot(|slot| slot.as_mut().unwrap().active = false);
    clock.advance(VALIDATION_CACHE_SECONDS - 1);
    assert!(tokens.validate(&t.access_token).await.is_ok(), "remembered");
    clock.advance(1);
    assert_eq!(
        tokens.validate(&t.access_token).await,
        Err(ApiError::TokenInvalid)
    );
    // generate_token replaces a revoked token.
    let next = tokens.generate().await.unwrap();
    assert_ne!(next.access_token, t.access_token);
}

#[tokio::test]
async fn without_the_cache_revocation_is_immediate() {
    let (tokens, _) = service();
    let tokens = tokens.with_cache_seconds(0);
    let t = tokens.generate().await.unwrap();
    tokens.validate(&t.access_token).await.unwrap();
    tokens.store().edit_slot(|slot| *slot = None);
    assert_eq!(
        tokens.validate(&t.access_token).await,
        Err(ApiError::TokenInvalid)
    );
}

#[tokio::test]
async fn store_failures_are_503_or_500() {
    let (tokens, _) = service();
    tokens
        .store()
        .fail_with(Some(BackendError::Unavailable("down".into())));
    assert_eq!(
        tokens.generate().await,
        Err(ApiError::Unavailable("down".into()))
    );
    assert_eq!(
        tokens.validate("x").await,
        Err(ApiError::Unavailable("down".into()))
    );
    tokens
        .store()
        .fail_with(Some(BackendError::Failed("no table".into())));
    assert_eq!(
        tokens.setting().await,
        Err(ApiError::Internal("no table".into()))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_generation_yields_one_token() {
    let (tokens, _) = service();
    let tokens = Arc::new(tokens);
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let tokens = tokens.clone();
            tokio::spawn(async move { tokens.generate().await.unwrap().access_token })
        })
        .collect();
    let mut issued = std::collections::HashSet::new();
    for c in calls {
        issued.insert(c.await.unwrap());
    }
    assert_eq!(issued.len(), 1);
}

#[test]
fn token_values_are_random_hex() {
    let a = new_token_value().unwrap();
    let b = new_token_value().unwrap();
    assert_ne!(a, b);
    assert_eq!(a.len(), 64);
    assert!(
        a.bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
    );
}

#[tokio::test]
async fn debug_output_never_shows_a_token() {
    let (tokens, _) = service();
    let issued = tokens.generate().await.unwrap();
    let stored = tokens.store().current().await.unwrap().unwrap();
    let new = NewToken {
        token: issued.access_token.clone(),
        issued_at: 0,
        expires_at: 1,
        expired_days: 3,
    };
    for text in [
        format!("{issued:?}"),
        format!("{stored:?}"),
        format!("{new:?}"),
        format!("{:?}", tokens.store()),
    ] {
        assert!(!text.contains(&issued.access_token), "{text}");
        assert!(text.contains("<redacted>"), "{text}");
    }
}
