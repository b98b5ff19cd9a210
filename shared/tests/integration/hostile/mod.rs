//! Hostile input through the six real endpoint functions (in-memory token store, fixed lab
//! rows), generated with proptest: requests built by hand and API Gateway events of `events/`
//! mutated. Whatever arrives, the answer is the contract's envelope with a 200 or 4xx status
//! and one of the errors of `wynacom::ApiError`, with its status and headers: never a 5xx,
//! never a panic. Generators are in [`generators`], what an answer may be in [`oracles`] (from
//! the library's one definition of the answers, never a copy of a rule).
//!
//! Every property runs a bounded number of cases (`CASES`) with shrinking bounded in time,
//! and writes no regression files.

mod generators;
mod oracles;

use generators::*;
use lambda_http::{Body, Request, RequestExt, Response, http};
use oracles::{Tally, check_envelope, expected_days, message};
use proptest::{
    collection::vec,
    prelude::*,
    sample::select,
    test_runner::{Config, TestCaseError, TestRunner},
};
use serde_json::{Value, json};
use std::{collections::HashMap, fmt::Debug};
use wynacom::{
    ApiError,
    endpoints::Endpoint,
    http::params::MAX_BODY_BYTES,
    testing::{FixedLab, event_text},
    token::{Tokens, memory::MemoryStore},
};

const CASES: u32 = 256;
/// An order the fixed lab knows (`wynacom::testing::fixed_lab`).
const FOUND: &str = "R2606110001";
const ORDER_KEYS: [&str; 3] = wynacom::lab::order_number::ORDER_NUMBER_KEYS;
const PARAM_NAMES: [&str; 5] = [
    "T_OrderHeaderLabNumber",
    "orderNumber",
    "nolab",
    "token_expired_days",
    "x",
];

// ---------------------------------------------------------------------------------------------
// The functions under test

struct Fixture {
    rt: tokio::runtime::Runtime,
    tokens: Tokens<MemoryStore>,
    lab: FixedLab,
    token: String,
}

impl Fixture {
    fn new() -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let tokens = wynacom::testing::memory_tokens(1_782_010_800);
        let token = rt.block_on(tokens.generate()).unwrap().access_token;
        Self {
            rt,
            tokens,
            lab: wynacom::testing::fixed_lab(),
            token,
        }
    }

    fn call(&self, endpoint: Endpoint, req: Request) -> Response<Body> {
        self.rt.block_on(wynacom::testing::call(
            endpoint,
            &self.tokens,
            &self.lab,
            req,
        ))
    }
}

/// Runs `test` on `CASES` inputs of `strategy`; a failure (or a panic) is shrunk for at most
/// 20 s and reported with its minimal input.
fn check<S>(strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S: Strategy,
    S::Value: Debug,
{
    let mut config = Config::with_cases(CASES);
    config.failure_persistence = None;
    config.max_shrink_time = 20_000;
    let mut runner = TestRunner::new(config);
    if let Err(e) = runner.run(&strategy, test) {
        panic!("{e}");
    }
}

/// The envelope property: status 200 or 4xx; `{"status":"OK","data":…}` or
/// `{"status":"ERR","message":…}` with exactly those two keys; an ERR message of the contract that

#[test]
fn built_hostile_requests_always_get_a_contract_envelope() {
    let f = Fixture::new();
    let tally = Tally::default();
    check(hostile(f.token.clone()), |h| {
        let resp = f.call(h.endpoint, h.request());
        let body = check_envelope(h.endpoint, &resp)?;
        tally.add(h.endpoint, resp.status().as_u16(), &body);
        if h.method != "POST" {
            prop_assert_eq!(message(&body), ApiError::MethodNotAllowed.to_string());
        }
        Ok(())
    });
    tally.show("built requests");
}

#[test]
fn mutated_api_gateway_events_always_get_a_contract_envelope() {
    let f = Fixture::new();
    let names = event_names();
    assert!(names.len() > 20, "{names:?}");
    let parsed = std::cell::Cell::new(0u32);
    let refused = std::cell::Cell::new(0u32);
    let tally = Tally::default();
    let strategy = (
        select(names),
        select(&Endpoint::ALL[..]),
        vec(mutation(f.token.clone()), 0..5),
    );
    check(strategy, |(name, endpoint, mutations)| {
        let mut event: Value = serde_json::from_str(&event_text(&name, &f.token)).unwrap();
        for m in &mutations {
            apply(&mut event, m);
        }
        // lambda_http refuses some shapes (e.g. a null httpMethod) before any function runs:
        // those never reach the endpoints.
        let Ok(req) = lambda_http::request::from_str(&event.to_string()) else {
            refused.set(refused.get() + 1);
            return Ok(());
        };
        parsed.set(parsed.get() + 1);
        let resp = f.call(endpoint, req);
        let body = check_envelope(endpoint, &resp)?;
        tally.add(endpoint, resp.status().as_u16(), &body);
        Ok(())
    });
    tally.show("mutated events");
    eprintln!(
        "mutated events: {} reached an endpoint, {} refused by lambda_http",
        parsed.get(),
        refused.get()
    );
    assert!(parsed.get() >= refused.get(), "most events should parse");
}

// ---------------------------------------------------------------------------------------------
// The order number: relations between answers rather than a second copy of the rule (the rule's
// own cases are the unit tests of wynacom::lab::order_number).

/// How a lab number travels: a JSON string, a form field, a multipart field or the query string,
/// under one of its names.
#[derive(Debug, Clone, Copy)]
enum Carrier {
    Json,
    Form,
    Multipart,
    Query,
}

fn send_order(f: &Fixture, endpoint: Endpoint, carrier: Carrier, key: &str, value: &str) -> Value {
    let mut builder = http::Request::builder()
        .method("POST")
        .uri("/x")
        .header("authorization", format!("Bearer {}", f.token));
    let body = match carrier {
        Carrier::Json => {
            builder = builder.header("content-type", "application/json");
            json!({ key: value }).to_string().into_bytes()
        }
        Carrier::Form => {
            builder = builder.header("content-type", "application/x-www-form-urlencoded");
            serde_urlencoded::to_string([(key, value)])
                .unwrap()
                .into_bytes()
        }
        Carrier::Multipart => {
            let boundary = format!("{}fedcba9876543210", "-".repeat(24));
            builder = builder.header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            );
            multipart_body(
                &boundary,
                &[(key.to_string(), None, value.as_bytes().to_vec())],
            )
        }
        Carrier::Query => vec![],
    };
    let mut req = builder.body(Body::Binary(body)).unwrap();
    if let Carrier::Query = carrier {
        req =
            req.with_query_string_parameters(HashMap::from([(key.to_string(), value.to_string())]));
    }
    let resp = f.call(endpoint, req);
    let body = check_envelope(endpoint, &resp).unwrap();
    json!({"status": resp.status().as_u16(), "message": message(&body)})
}

/// Whatever the value: the same answer under each of the three names, through each carrier,
/// with or without whitespace around it; and that answer is 200 exactly for the known order,
/// a 404 that echoes the trimmed value, "wajib diisi" exactly for a blank value, or
/// "tidak valid".
#[test]
fn the_order_number_gets_one_answer_however_it_travels() {
    let f = Fixture::new();
    let strategy = (
        prop_oneof![3 => odd_string(), 1 => Just(FOUND.to_string())],
        padding(),
        select(&ORDER_KEYS[..]),
        select(vec![
            Carrier::Json,
            Carrier::Form,
            Carrier::Multipart,
            Carrier::Query,
        ]),
        prop_oneof![Just(Endpoint::SamplingTimestamp), Just(Endpoint::Glucose)],
    );
    check(strategy, |(value, pad, key, carrier, endpoint)| {
        // Query strings and forms carry no NUL reliably through every layer: JSON is the baseline.
        let baseline = send_order(&f, endpoint, Carrier::Json, ORDER_KEYS[0], &value);
        let padded = format!("{pad}{value}{pad}");
        let other = send_order(&f, endpoint, carrier, key, &padded);
        prop_assert_eq!(
            &other,
            &baseline,
            "{:?} via {:?} as {}",
            value,
            carrier,
            key
        );

        let trimmed = value.trim();
        let text = baseline["message"].as_str().unwrap();
        match oracles::error_of(text) {
            None => prop_assert_eq!(trimmed, FOUND, "200 for {:?}", value),
            Some(ApiError::OrderNotFound(echo)) => prop_assert_eq!(echo.as_str(), trimmed),
            Some(ApiError::OrderNumberMissing) => prop_assert!(trimmed.is_empty()),
            Some(ApiError::OrderNumberInvalid) => {
                prop_assert!(!trimmed.is_empty() && trimmed != FOUND)
            }
            Some(other) => prop_assert!(false, "{value:?}: {other:?}"),
        }
        if trimmed.is_empty() {
            prop_assert_eq!(text, ApiError::OrderNumberMissing.to_string());
        }
        Ok(())
    });
}

/// The first non-empty of the three names wins, and the body wins over the query string: an
/// empty or null value under a name before it, or the same name in the query string with
/// another value, changes nothing.
#[test]
fn the_first_non_empty_name_and_the_body_win() {
    let f = Fixture::new();
    let strategy = (
        prop_oneof![3 => odd_string(), 1 => Just(FOUND.to_string())],
        1usize..3,
        prop_oneof![Just(json!(null)), Just(json!("")), Just(json!(" \t"))],
        odd_string(),
    );
    check(strategy, |(value, at, empty, query_value)| {
        let send = |body: Value, query: Option<(&str, &str)>| {
            let mut req = http::Request::builder()
                .method("POST")
                .uri("/x")
                .header("content-type", "application/json")
                .header("authorization", format!("Bearer {}", f.token))
                .body(Body::Text(body.to_string()))
                .unwrap();
            if let Some((k, v)) = query {
                req = req
                    .with_query_string_parameters(HashMap::from([(k.to_string(), v.to_string())]));
            }
            let resp = f.call(Endpoint::SamplingTimestamp, req);
            let got = check_envelope(Endpoint::SamplingTimestamp, &resp).unwrap();
            (resp.status().as_u16(), message(&got).to_string())
        };
        let alone = send(json!({ ORDER_KEYS[at]: value }), None);
        let mut with_empty = serde_json::Map::new();
        with_empty.insert(ORDER_KEYS[at - 1].to_string(), empty);
        with_empty.insert(ORDER_KEYS[at].to_string(), json!(value));
        prop_assert_eq!(&send(Value::Object(with_empty), None), &alone);
        if !value.trim().is_empty() {
            let key = ORDER_KEYS[at];
            prop_assert_eq!(
                &send(json!({ key: value }), Some((key, &query_value))),
                &alone
            );
        }
        Ok(())
    });
}

#[test]
fn a_decimal_number_of_days_of_any_size_gets_exactly_the_contract_answer() {
    let f = Fixture::new();
    check(days_input(), |(sign, int, frac, pad, channel)| {
        // JSON numbers have no '+', no leading zeros, and beyond f64's range are not numbers
        // serde_json can read: those go as strings.
        let channel = match channel {
            Channel::JsonNumber
                if sign == "+"
                    || (int.len() > 1 && int.starts_with('0'))
                    || int.len() > 300
                    || frac == "." =>
            {
                Channel::JsonString
            }
            c => c,
        };
        let text = format!("{sign}{int}{frac}");
        let padded = format!("{pad}{text}{pad}");
        let mut builder = http::Request::builder().method("POST").uri("/x");
        let body = match channel {
            Channel::JsonNumber => format!(r#"{{"token_expired_days":{text}}}"#),
            Channel::JsonString => json!({ "token_expired_days": padded }).to_string(),
            Channel::Form => {
                builder = builder.header("content-type", "application/x-www-form-urlencoded");
                serde_urlencoded::to_string([("token_expired_days", &padded)]).unwrap()
            }
            Channel::Multipart => {
                let boundary = format!("{}0123456789abcdef", "-".repeat(24));
                builder = builder.header(
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                );
                let parts = [(
                    "token_expired_days".to_string(),
                    None,
                    padded.clone().into_bytes(),
                )];
                String::from_utf8(multipart_body(&boundary, &parts)).unwrap()
            }
            Channel::Query => String::new(),
        };
        let mut req = builder.body(Body::Text(body)).unwrap();
        if let Channel::Query = channel {
            req = req.with_query_string_parameters(HashMap::from([(
                "token_expired_days".to_string(),
                padded.clone(),
            )]));
        }
        let resp = f.call(Endpoint::SaveTokenSetting, req);
        let got = check_envelope(Endpoint::SaveTokenSetting, &resp)?;
        match expected_days(sign, &int, &frac) {
            Ok(days) => prop_assert_eq!(
                got,
                json!({"status": "OK", "data": {
                    "token_expired_days": days,
                    "expires_in": i64::from(days) * 86_400,
                }})
            ),
            Err(errors) => prop_assert!(
                errors.iter().any(|e| e.to_string() == message(&got)),
                "{text:?} via {channel:?}: {got}, expected one of {errors:?}"
            ),
        }
        Ok(())
    });
}

// ---------------------------------------------------------------------------------------------
// Fixed cases

/// Every JSON type under each parameter name, with the exact answer.
#[test]
fn every_json_type_of_each_parameter_gets_its_message() {
    let f = Fixture::new();
    let send = |endpoint: Endpoint, body: String| {
        let req = http::Request::builder()
            .method("POST")
            .uri("/x")
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {}", f.token))
            .body(Body::Text(body))
            .unwrap();
        let resp = f.call(endpoint, req);
        let body = check_envelope(endpoint, &resp).unwrap();
        (resp.status().as_u16(), body)
    };
    let huge_int = "9".repeat(400);
    for key in ORDER_KEYS {
        for (value, want) in [
            ("null", Err(ApiError::OrderNumberMissing)),
            ("true", Err(ApiError::OrderNumberInvalid)),
            ("false", Err(ApiError::OrderNumberInvalid)),
            ("0", Err(ApiError::OrderNotFound("0".into()))),
            ("-12", Err(ApiError::OrderNotFound("-12".into()))),
            (
                "2606110001.5",
                Err(ApiError::OrderNotFound("2606110001.5".into())),
            ),
            ("1e300", Err(ApiError::OrderNotFound("1e+300".into()))),
            (
                "18446744073709551615",
                Err(ApiError::OrderNotFound("18446744073709551615".into())),
            ),
            // Beyond f64: serde_json cannot read the number, so the body is refused.
            ("1e400", Err(ApiError::BadRequestFormat)),
            (huge_int.as_str(), Err(ApiError::BadRequestFormat)),
            ("\"\"", Err(ApiError::OrderNumberMissing)),
            ("\" \\t\\n\"", Err(ApiError::OrderNumberMissing)),
            ("\"R2606110001\"", Ok(())),
            ("\" R2606110001\\u3000\"", Ok(())),
            ("\"R2606110001\\u0000\"", Err(ApiError::OrderNumberInvalid)),
            ("\"\\ud800\"", Err(ApiError::BadRequestFormat)),
            ("[]", Err(ApiError::OrderNumberInvalid)),
            ("[\"R2606110001\"]", Err(ApiError::OrderNumberInvalid)),
            ("{}", Err(ApiError::OrderNumberInvalid)),
        ] {
            for endpoint in [Endpoint::SamplingTimestamp, Endpoint::Glucose] {
                let (status, body) = send(endpoint, format!("{{\"{key}\":{value}}}"));
                match &want {
                    Ok(()) => assert_eq!(status, 200, "{key}={value}: {body}"),
                    Err(e) => {
                        assert_eq!(message(&body), e.to_string(), "{endpoint:?} {key}={value}")
                    }
                }
            }
        }
    }
    for (value, want) in [
        ("null", Err(ApiError::DaysMissing)),
        ("true", Err(ApiError::DaysNotWhole)),
        ("7", Ok(7)),
        ("7.0", Ok(7)),
        ("7.5", Err(ApiError::DaysNotWhole)),
        ("-7", Err(ApiError::DaysOutOfRange)),
        ("0", Err(ApiError::DaysOutOfRange)),
        ("366", Err(ApiError::DaysOutOfRange)),
        ("1e2", Ok(100)),
        ("1e300", Err(ApiError::DaysOutOfRange)),
        ("18446744073709551616", Err(ApiError::DaysOutOfRange)),
        ("1e400", Err(ApiError::BadRequestFormat)),
        ("\"\"", Err(ApiError::DaysMissing)),
        ("\" 7 \"", Ok(7)),
        ("\"7 days\"", Err(ApiError::DaysNotWhole)),
        ("\"1e400\"", Err(ApiError::DaysOutOfRange)),
        ("\"-1e400\"", Err(ApiError::DaysOutOfRange)),
        ("[]", Err(ApiError::DaysNotWhole)),
        ("[7]", Err(ApiError::DaysNotWhole)),
        ("{}", Err(ApiError::DaysNotWhole)),
    ] {
        let (status, body) = send(
            Endpoint::SaveTokenSetting,
            format!("{{\"token_expired_days\":{value}}}"),
        );
        match want {
            Ok(days) => assert_eq!(
                (status, &body["data"]["token_expired_days"]),
                (200, &json!(days)),
                "{value}: {body}"
            ),
            Err(e) => assert_eq!(message(&body), e.to_string(), "token_expired_days={value}"),
        }
    }
}

/// serde_json stops at 128 levels (127 nested objects parse, 128 do not), so no depth the
/// body cap allows can exhaust the stack: run on a thread with a 512 KiB stack, a quarter of a
/// test thread's or a tokio worker's. (In a debug build the runtime and endpoint alone need
/// ~300 KiB: 256 KiB overflows even at depth 1, 320 KiB passes every depth here.)
#[test]
fn deep_nesting_is_a_400_on_a_small_stack() {
    let handle = std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(|| {
            let f = Fixture::new();
            for depth in [127, 128, 129, 10_000, MAX_BODY_BYTES] {
                for (open, close) in [("[", "]"), ("{\"nolab\":", "}")] {
                    let mut text = open.repeat(depth);
                    text.push('1');
                    text.push_str(&close.repeat(depth));
                    if text.len() > MAX_BODY_BYTES {
                        text = open.repeat(MAX_BODY_BYTES / open.len());
                    }
                    for endpoint in Endpoint::ALL {
                        let req = http::Request::builder()
                            .method("POST")
                            .uri("/x")
                            .header("authorization", format!("Bearer {}", f.token))
                            .body(Body::Text(text.clone()))
                            .unwrap();
                        let resp = f.call(endpoint, req);
                        let body = check_envelope(endpoint, &resp).unwrap();
                        // A nested object within the limit parses; its order number is then
                        // of the wrong type. Anything deeper is refused as a whole.
                        let want = if open == "[" || depth >= 128 {
                            ApiError::BadRequestFormat.to_string()
                        } else if endpoint.reads_lab() {
                            ApiError::OrderNumberInvalid.to_string()
                        } else if endpoint == Endpoint::SaveTokenSetting {
                            ApiError::DaysMissing.to_string()
                        } else {
                            String::new()
                        };
                        assert_eq!(
                            message(&body),
                            want,
                            "{endpoint:?}, depth {depth} of {open}"
                        );
                    }
                }
            }
        })
        .unwrap();
    handle.join().expect("no stack overflow, no panic");
}

/// 64 KiB exactly is read; one byte more is 413, before any parsing, whatever the form
/// (JSON, whitespace-padded JSON, form) and however delivered (text, binary, base64 event).
#[test]
fn bodies_just_under_and_over_64_kib() {
    let f = Fixture::new();
    for kind in 0u8..3 {
        for size in [MAX_BODY_BYTES - 1, MAX_BODY_BYTES, MAX_BODY_BYTES + 1] {
            let body = sized_body(size, kind);
            assert_eq!(body.len(), size);
            for endpoint in Endpoint::ALL {
                for binary in [false, true] {
                    let mut builder = http::Request::builder()
                        .method("POST")
                        .uri("/x")
                        .header("authorization", format!("Bearer {}", f.token));
                    if kind == 2 {
                        builder =
                            builder.header("content-type", "application/x-www-form-urlencoded");
                    }
                    let body = if binary {
                        Body::Binary(body.clone())
                    } else {
                        Body::Text(String::from_utf8(body.clone()).unwrap())
                    };
                    let resp = f.call(endpoint, builder.body(body).unwrap());
                    let got = check_envelope(endpoint, &resp).unwrap();
                    let want = if size > MAX_BODY_BYTES { 413 } else { 200 };
                    assert_eq!(
                        resp.status(),
                        want,
                        "{endpoint}, {size} bytes of kind {kind}: {got}"
                    );
                }
            }
        }
    }
    // The cap applies to the decoded body of a base64 event.
    for (size, want) in [(MAX_BODY_BYTES, 200), (MAX_BODY_BYTES + 1, 413)] {
        let mut event: Value =
            serde_json::from_str(&event_text("sampling_timestamp", &f.token)).unwrap();
        apply(&mut event, &Mutation::Base64Body(sized_body(size, 0)));
        let req = lambda_http::request::from_str(&event.to_string()).unwrap();
        let resp = f.call(Endpoint::SamplingTimestamp, req);
        check_envelope(Endpoint::SamplingTimestamp, &resp).unwrap();
        assert_eq!(resp.status(), want, "base64 event of {size} bytes");
    }
}
