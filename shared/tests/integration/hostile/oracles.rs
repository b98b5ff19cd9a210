//! What an answer may be, from the one definition of the answers (`wynacom::ApiError`: message,
//! status, headers) and of the endpoints (`wynacom::endpoints::Endpoint`). Nothing here writes a
//! message or a status down again.

use lambda_http::{Body, Response, http::HeaderValue};
use proptest::{prelude::*, test_runner::TestCaseError};
use serde_json::Value;
use wynacom::{ApiError, endpoints::Endpoint, lab::order_number::MAX_CHARS};

use super::FOUND;

/// Every error a client's request can cause (the others, 503 and 500, are the server's).
pub fn client_errors() -> Vec<ApiError> {
    use ApiError::*;
    vec![
        TokenMissing,
        TokenInvalid,
        BadRequestFormat,
        TooLarge,
        OrderNumberMissing,
        OrderNumberInvalid,
        OrderNotFound(String::new()),
        DaysMissing,
        DaysNotWhole,
        DaysOutOfRange,
        MethodNotAllowed,
        CrossSite,
    ]
}

/// Whether `endpoint` can answer with `error` (its path through the contract's table). A new
/// variant of ApiError must be placed here: the match has no catch-all.
pub fn may_answer(endpoint: Endpoint, error: &ApiError) -> bool {
    use ApiError::*;
    match error {
        MethodNotAllowed | TooLarge | BadRequestFormat | CrossSite => true,
        TokenMissing | TokenInvalid => endpoint.needs_token(),
        OrderNumberMissing | OrderNumberInvalid | OrderNotFound(_) => endpoint.reads_lab(),
        DaysMissing | DaysNotWhole | DaysOutOfRange => endpoint == Endpoint::SaveTokenSetting,
        Unavailable(_) | Internal(_) => false,
    }
}

/// The client error whose message `message` is (with the lab number of a 404).
pub fn error_of(message: &str) -> Option<ApiError> {
    client_errors().into_iter().find_map(|e| match e {
        ApiError::OrderNotFound(_) => message
            .strip_prefix(&ApiError::OrderNotFound(String::new()).to_string())
            .map(|number| ApiError::OrderNotFound(number.to_string())),
        e => (e.to_string() == message).then_some(e),
    })
}

pub fn message(body: &Value) -> &str {
    body["message"].as_str().unwrap_or("")
}

/// The envelope property: status 200 or 4xx; `{"status":"OK","data":…}` or
/// `{"status":"ERR","message":…}` with exactly those two keys; an ERR message of ApiError that
/// this endpoint can give, with that error's status and headers. Returns the body.
pub fn check_envelope(endpoint: Endpoint, resp: &Response<Body>) -> Result<Value, TestCaseError> {
    let status = resp.status().as_u16();
    let body: Value = serde_json::from_slice(resp.body().as_ref())
        .map_err(|e| TestCaseError::fail(format!("{endpoint:?}: body is not JSON: {e}")))?;
    prop_assert!(
        status == 200 || (400..500).contains(&status),
        "{endpoint:?}: status {status}, body {body}"
    );
    let headers = resp.headers();
    let header = |name: &str| headers.get(name).map(HeaderValue::as_bytes);
    prop_assert_eq!(
        header("content-type"),
        Some(&b"application/json; charset=utf-8"[..])
    );
    prop_assert_eq!(header("cache-control"), Some(&b"no-store"[..]));
    prop_assert_eq!(header("x-content-type-options"), Some(&b"nosniff"[..]));
    let object = body
        .as_object()
        .ok_or_else(|| TestCaseError::fail(format!("{endpoint:?}: not an object: {body}")))?;
    prop_assert_eq!(object.len(), 2, "{:?}: keys of {}", endpoint, body);
    match object.get("status").and_then(Value::as_str) {
        Some("OK") => {
            prop_assert_eq!(status, 200, "{:?}: {}", endpoint, body);
            let data = &object["data"];
            if endpoint.reads_lab() {
                prop_assert!(data.is_array(), "{endpoint:?}: {body}");
            } else {
                prop_assert!(data.is_object(), "{endpoint:?}: {body}");
            }
        }
        Some("ERR") => {
            let text = message(&body);
            let error = error_of(text).ok_or_else(|| {
                TestCaseError::fail(format!("{endpoint:?}: not a message of ApiError: {text:?}"))
            })?;
            prop_assert_eq!(error.status().as_u16(), status, "{:?}: {}", endpoint, text);
            prop_assert!(
                may_answer(endpoint, &error),
                "{endpoint:?} answered {text:?}"
            );
            for (name, value) in error.headers() {
                prop_assert_eq!(header(name), Some(value.as_bytes()), "{}: {}", name, text);
            }
            if let ApiError::OrderNotFound(number) = &error {
                prop_assert!(
                    !number.is_empty()
                        && number == number.trim()
                        && number.chars().count() <= MAX_CHARS
                        && !number.chars().any(char::is_control)
                        && number != FOUND,
                    "not found: {number:?}"
                );
            }
        }
        _ => return Err(TestCaseError::fail(format!("{endpoint:?}: {body}"))),
    }
    Ok(body)
}

/// How often each answer came up (status and message, lab numbers collapsed), to show with
/// `--nocapture` what a property exercised.
#[derive(Default)]
pub struct Tally(std::cell::RefCell<std::collections::BTreeMap<String, u32>>);

impl Tally {
    pub fn add(&self, endpoint: Endpoint, status: u16, body: &Value) {
        let answer = match error_of(message(body)) {
            Some(ApiError::OrderNotFound(_)) => "Order tidak ditemukan: …".to_string(),
            _ => message(body).to_string(),
        };
        let key = format!("{} {status} {answer}", endpoint.name());
        *self.0.borrow_mut().entry(key).or_default() += 1;
    }

    pub fn show(&self, what: &str) {
        eprintln!("{what}:");
        for (answer, n) in self.0.borrow().iter() {
            eprintln!("  {n:4}  {answer}");
        }
    }
}

/// An oracle of its own for `token_expired_days`, by exact decimal arithmetic on the text
/// (the library parses floats): `Ok(days)` for a whole number 1–365, else the acceptable
/// errors. One leeway: a fraction on a number of more than 9 integer digits is beyond what an
/// f64 (the JSON number) carries, and such a number is out of range anyway, so either error is
/// right.
pub fn expected_days(sign: &str, int: &str, frac: &str) -> Result<u16, Vec<ApiError>> {
    let digits = int.trim_start_matches('0');
    if frac.trim_start_matches('.').bytes().any(|b| b != b'0') {
        return Err(if digits.len() > 9 {
            vec![ApiError::DaysNotWhole, ApiError::DaysOutOfRange]
        } else {
            vec![ApiError::DaysNotWhole]
        });
    }
    if sign == "-" && !digits.is_empty() {
        return Err(vec![ApiError::DaysOutOfRange]);
    }
    let (min, max) = (
        wynacom::token::days::MIN_DAYS,
        wynacom::token::days::MAX_DAYS,
    );
    match digits.parse::<i64>() {
        Ok(n) if digits.len() <= 3 && (min..=max).contains(&n) => Ok(n as u16),
        _ => Err(vec![ApiError::DaysOutOfRange]),
    }
}
