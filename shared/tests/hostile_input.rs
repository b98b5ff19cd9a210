//! Hostile input through the six real endpoint functions (in-memory token store, fixed lab
//! rows), generated with proptest: requests built by hand and API Gateway events of `events/`
//! mutated. Whatever arrives, the answer is the contract's envelope with a 200 or 4xx status
//! and one of the contract's messages: never a 5xx, never a panic.
//!
//! Every property runs a bounded number of cases (`CASES`) with shrinking bounded in time,
//! and writes no regression files.

use lambda_http::{
    Body, Request, RequestExt, Response,
    http::{self, HeaderValue},
};
use proptest::{
    collection::vec,
    prelude::*,
    sample::{Index, select},
    test_runner::{Config, TestCaseError, TestRunner},
};
use serde_json::{Map, Value, json};
use std::{collections::HashMap, fmt::Debug};
use wynacom::{
    endpoints::Endpoint,
    http::params::MAX_BODY_BYTES,
    testing::{FixedLab, event_text, events_dir},
    token::{Tokens, memory::MemoryStore},
};

const CASES: u32 = 256;
/// The endpoint names, in the order of the contract.
const ENDPOINTS: [&str; 6] = {
    let mut names = [""; 6];
    let mut i = 0;
    while i < 6 {
        names[i] = Endpoint::ALL[i].name();
        i += 1;
    }
    names
};
/// An order the fixed lab knows (`wynacom::testing::fixed_lab`).
const FOUND: &str = "R2606110001";
const ORDER_KEYS: [&str; 3] = ["T_OrderHeaderLabNumber", "orderNumber", "nolab"];
const PARAM_NAMES: [&str; 5] = [
    "T_OrderHeaderLabNumber",
    "orderNumber",
    "nolab",
    "token_expired_days",
    "x",
];

// The messages of the contract's table a client may get from these endpoints, with their status.
// 5xx are left out on purpose: nothing a client sends may cause one.
const TOKEN_MISSING: &str = "Token wajib diisi";
const TOKEN_INVALID: &str = "Token tidak valid atau sudah expired";
const BAD_FORMAT: &str = "Format request tidak valid";
const TOO_LARGE: &str = "Request terlalu besar";
const ORDER_MISSING: &str = "Parameter T_OrderHeaderLabNumber wajib diisi";
const ORDER_INVALID: &str = "Parameter T_OrderHeaderLabNumber tidak valid";
const NOT_FOUND_PREFIX: &str = "Order tidak ditemukan: ";
const DAYS_MISSING: &str = "Parameter token_expired_days wajib diisi";
const DAYS_NOT_WHOLE: &str = "token_expired_days harus berupa angka bulat";
const DAYS_RANGE: &str = "token_expired_days minimal 1 dan maksimal 365 hari";
const METHOD: &str = "Method tidak diizinkan";

fn status_of(message: &str) -> Option<u16> {
    Some(match message {
        TOKEN_MISSING | TOKEN_INVALID => 401,
        BAD_FORMAT | ORDER_MISSING | ORDER_INVALID | DAYS_MISSING | DAYS_NOT_WHOLE | DAYS_RANGE => {
            400
        }
        TOO_LARGE => 413,
        METHOD => 405,
        m if m.starts_with(NOT_FOUND_PREFIX) => 404,
        _ => return None,
    })
}

/// The messages each endpoint may answer with (its path through the contract's table).
fn allowed(endpoint: &str, message: &str) -> bool {
    let common = [METHOD, TOO_LARGE, BAD_FORMAT].contains(&message);
    let token = [TOKEN_MISSING, TOKEN_INVALID].contains(&message);
    match endpoint {
        "generate_token" | "token_setting" => common,
        "check_token" => common || token,
        "save_token_setting" => {
            common || [DAYS_MISSING, DAYS_NOT_WHOLE, DAYS_RANGE].contains(&message)
        }
        _ => {
            common
                || token
                || [ORDER_MISSING, ORDER_INVALID].contains(&message)
                || message.starts_with(NOT_FOUND_PREFIX)
        }
    }
}

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

    fn call(&self, endpoint: &str, req: Request) -> Response<Body> {
        let endpoint = Endpoint::from_name(endpoint).expect("an endpoint name");
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
/// this endpoint can give, with its status and headers. Returns the body.
fn check_envelope(endpoint: &str, resp: &Response<Body>) -> Result<Value, TestCaseError> {
    let status = resp.status().as_u16();
    let body: Value = serde_json::from_slice(resp.body().as_ref())
        .map_err(|e| TestCaseError::fail(format!("{endpoint}: body is not JSON: {e}")))?;
    prop_assert!(
        status == 200 || (400..500).contains(&status),
        "{endpoint}: status {status}, body {body}"
    );
    let headers = resp.headers();
    prop_assert_eq!(
        headers.get("content-type").map(HeaderValue::as_bytes),
        Some(&b"application/json; charset=utf-8"[..])
    );
    prop_assert_eq!(
        headers.get("cache-control").map(HeaderValue::as_bytes),
        Some(&b"no-store"[..])
    );
    let object = body
        .as_object()
        .ok_or_else(|| TestCaseError::fail(format!("{endpoint}: not an object: {body}")))?;
    prop_assert_eq!(object.len(), 2, "{}: keys of {}", endpoint, body);
    match object.get("status").and_then(Value::as_str) {
        Some("OK") => {
            prop_assert_eq!(status, 200, "{}: {}", endpoint, body);
            let data = &object["data"];
            if endpoint.starts_with("sampling") || endpoint == "glucose" {
                prop_assert!(data.is_array(), "{endpoint}: {body}");
            } else {
                prop_assert!(data.is_object(), "{endpoint}: {body}");
            }
        }
        Some("ERR") => {
            let message = object
                .get("message")
                .and_then(Value::as_str)
                .ok_or_else(|| TestCaseError::fail(format!("{endpoint}: {body}")))?;
            let want = status_of(message);
            prop_assert_eq!(want, Some(status), "{}: {}", endpoint, message);
            prop_assert!(
                allowed(endpoint, message),
                "{endpoint} answered {message:?}"
            );
            if let Some(number) = message.strip_prefix(NOT_FOUND_PREFIX) {
                prop_assert!(
                    !number.is_empty()
                        && number == number.trim()
                        && number.chars().count() <= 64
                        && !number.chars().any(char::is_control)
                        && number != FOUND,
                    "not found: {number:?}"
                );
            }
            let header = |name: &str| headers.get(name).map(HeaderValue::as_bytes);
            match message {
                TOKEN_MISSING => prop_assert_eq!(header("www-authenticate"), Some(&b"Bearer"[..])),
                TOKEN_INVALID => prop_assert_eq!(
                    header("www-authenticate"),
                    Some(&b"Bearer error=\"invalid_token\""[..])
                ),
                METHOD => prop_assert_eq!(header("allow"), Some(&b"POST"[..])),
                _ => {}
            }
        }
        _ => return Err(TestCaseError::fail(format!("{endpoint}: {body}"))),
    }
    Ok(body)
}

fn message(body: &Value) -> &str {
    body["message"].as_str().unwrap_or("")
}

/// How often each answer came up (status and message, order numbers collapsed), to show with
/// `--nocapture` what a property exercised.
#[derive(Default)]
struct Tally(std::cell::RefCell<std::collections::BTreeMap<String, u32>>);

impl Tally {
    fn add(&self, endpoint: &str, status: u16, body: &Value) {
        let mut answer = message(body);
        if answer.starts_with(NOT_FOUND_PREFIX) {
            answer = NOT_FOUND_PREFIX;
        }
        let key = format!("{endpoint} {status} {answer}");
        *self.0.borrow_mut().entry(key).or_default() += 1;
    }

    fn show(&self, what: &str) {
        eprintln!("{what}:");
        for (answer, n) in self.0.borrow().iter() {
            eprintln!("  {n:4}  {answer}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Generators of hostile pieces

const ODD_STRINGS: [&str; 32] = [
    "R2606110001",
    " R2606110001 ",
    "\tR2606110001\n",
    "\u{3000}R2606110001\u{a0}",
    "r2606110001",
    "R2606110001\u{0}",
    "R2606110001\u{7f}",
    "R2606110001\u{85}",
    "\u{202e}R2606110001",
    "\u{feff}R2606110001",
    "R2606110001\u{2028}",
    "",
    " ",
    "\u{3000}",
    "10",
    " 10 ",
    "+3",
    "-0",
    "365",
    "366",
    "1e2",
    "0x10",
    "inf",
    "NaN",
    "١٠",
    "10.0",
    "10.5",
    "null",
    "'; DROP TABLE t_orderheader; --",
    "%00",
    "😀",
    "\\u0000",
];

/// A Rust string: odd fixed ones, any characters (controls included), lengths around 64.
fn odd_string() -> BoxedStrategy<String> {
    prop_oneof![
        4 => select(&ODD_STRINGS[..]).prop_map(str::to_string),
        4 => vec(any::<char>(), 0..80).prop_map(String::from_iter),
        2 => any::<String>(),
        2 => (60usize..70, select(vec!['R', 'é', '漢', '😀', ' ', '\u{3000}', '\u{1}']))
            .prop_map(|(n, c)| c.to_string().repeat(n)),
        1 => (1_000usize..20_000).prop_map(|n| "R".repeat(n)),
    ]
    .boxed()
}

fn json_string_literal() -> BoxedStrategy<String> {
    prop_oneof![
        8 => odd_string().prop_map(|s| serde_json::to_string(&s).unwrap()),
        // Escapes a strict parser must refuse or decode: lone surrogates, NUL, bad escapes.
        1 => select(vec![
            r#""\ud800""#,
            r#""\udc00\ud800""#,
            r#""\ud83d\ude00""#,
            r#""\u0000""#,
            r#""R2606110001\u0000""#,
            r#""\x41""#,
            r#""unterminated"#,
            "\"raw\ncontrol\"",
        ])
        .prop_map(str::to_string),
    ]
    .boxed()
}

fn json_number_literal() -> BoxedStrategy<String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(|f| serde_json::to_string(&f).unwrap()),
        (-5i64..=400).prop_map(|n| n.to_string()),
        "-?(0|[1-9][0-9]{0,400})(\\.[0-9]{1,40})?([eE][-+]?[0-9]{1,4})?",
        select(vec![
            "1e400",
            "-1e400",
            "1e-400",
            "1.7976931348623157e308",
            "18446744073709551616",
            "-9223372036854775809",
            "365.0",
            "365.0000000000001",
            "1e2",
            "-0",
            "-0.0",
            "00",
            "1.",
            ".5",
            "+1",
        ])
        .prop_map(str::to_string),
    ]
    .boxed()
}

fn json_key() -> BoxedStrategy<String> {
    prop_oneof![
        3 => select(&PARAM_NAMES[..]).prop_map(str::to_string),
        1 => odd_string(),
    ]
    .prop_map(|k| serde_json::to_string(&k).unwrap())
    .boxed()
}

fn object_text(members: Vec<(String, String)>) -> String {
    let members: Vec<String> = members
        .into_iter()
        .map(|(k, v)| format!("{k}:{v}"))
        .collect();
    format!("{{{}}}", members.join(","))
}

/// The text of any JSON value (valid or nearly), nested a few levels.
fn json_value() -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        select(vec!["null", "true", "false"]).prop_map(str::to_string),
        json_number_literal(),
        json_string_literal(),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(|v| format!("[{}]", v.join(","))),
            vec((json_key(), inner), 0..6).prop_map(object_text),
        ]
    })
    .boxed()
}

/// A JSON object whose members are mostly the API's parameter names.
fn json_object() -> BoxedStrategy<String> {
    vec((json_key(), json_value()), 0..6)
        .prop_map(object_text)
        .boxed()
}

fn form_part() -> BoxedStrategy<String> {
    prop_oneof![
        3 => select(&PARAM_NAMES[..]).prop_map(str::to_string),
        2 => "[a-zA-Z0-9%+=&._~ -]{0,20}",
        2 => odd_string().prop_map(|s| {
            serde_urlencoded::to_string([("k", s)]).unwrap()[2..].to_string()
        }),
        1 => select(vec!["%", "%zz", "%ff%fe", "%00", "+", "%2B", "R2606110001%00", "%E2%80%AE"])
            .prop_map(str::to_string),
    ]
    .boxed()
}

fn form_body() -> BoxedStrategy<String> {
    vec((form_part(), form_part()), 0..5)
        .prop_map(|pairs| {
            pairs
                .into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&")
        })
        .boxed()
}

/// Nesting up to 70 000 levels (the body cap allows 64 KiB of `[`).
fn deep_nesting() -> BoxedStrategy<String> {
    let shapes = vec![
        ("[", "", "]"),
        ("{\"a\":", "1", "}"),
        ("{\"nolab\":[", "\"R2606110001\"", "]}"),
        ("[{\"token_expired_days\":", "7", "}]"),
    ];
    (
        prop_oneof![0usize..=200, 0usize..=70_000],
        select(shapes),
        any::<bool>(),
    )
        .prop_map(|(depth, (open, inner, close), closed)| {
            let mut text = open.repeat(depth);
            text.push_str(inner);
            if closed {
                text.push_str(&close.repeat(depth));
            }
            text.truncate(70_000);
            text
        })
        .boxed()
}

/// A body of exactly `size` bytes carrying valid parameters.
fn sized_body(size: usize, kind: u8) -> Vec<u8> {
    let base: &[u8] = match kind {
        0 => br#"{"nolab":"R2606110001","token_expired_days":7,"pad":""#,
        1 => br#"{"nolab":"R2606110001","token_expired_days":7}"#,
        _ => b"nolab=R2606110001&token_expired_days=7&pad=",
    };
    let tail: &[u8] = if kind == 0 { b"\"}" } else { b"" };
    let fill = size.saturating_sub(base.len() + tail.len());
    let mut body = base.to_vec();
    body.extend(std::iter::repeat_n(
        if kind == 1 { b' ' } else { b'x' },
        fill,
    ));
    body.extend_from_slice(tail);
    body
}

fn near_limit() -> BoxedStrategy<Vec<u8>> {
    (MAX_BODY_BYTES - 3..=MAX_BODY_BYTES + 3, 0u8..3)
        .prop_map(|(size, kind)| sized_body(size, kind))
        .boxed()
}

fn body_bytes() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        4 => json_object().prop_map(String::into_bytes),
        1 => json_value().prop_map(String::into_bytes),
        // Broken JSON: a valid object cut anywhere (maybe inside a UTF-8 sequence).
        1 => (json_object(), any::<Index>()).prop_map(|(text, at)| {
            let mut b = text.into_bytes();
            b.truncate(at.index(b.len() + 1));
            b
        }),
        // Noise around valid JSON.
        1 => (json_object(), select(vec!["", " \n\t", "\u{feff}", "\u{0}", "}", "{}", "garbage", "\u{3000}"]), any::<bool>())
            .prop_map(|(text, noise, before)| if before { format!("{noise}{text}") } else { format!("{text}{noise}") }.into_bytes()),
        2 => vec(any::<u8>(), 0..300),
        1 => vec(any::<char>(), 0..100).prop_map(|c| String::from_iter(c).into_bytes()),
        2 => form_body().prop_map(String::into_bytes),
        1 => deep_nesting().prop_map(String::into_bytes),
        1 => near_limit(),
        1 => Just(vec![]),
    ]
    .boxed()
}

fn content_type() -> BoxedStrategy<Option<Vec<u8>>> {
    prop_oneof![
        2 => Just(None),
        6 => select(vec![
            "application/json",
            "application/json; charset=utf-8",
            "application/json;charset=ISO-8859-1",
            "application/json; charset=\"utf-16\"",
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded; charset=UTF-8",
            "APPLICATION/X-WWW-FORM-URLENCODED",
            " application/x-www-form-urlencoded ;;; x=y",
            "application/x-www-form-urlencoded, application/json",
            "text/plain",
            "text/html; charset=windows-1252",
            "multipart/form-data; boundary=----x",
            "application/octet-stream",
            "",
            ";",
            "*/*",
        ])
        .prop_map(|s| Some(s.as_bytes().to_vec())),
        1 => "[ -~]{0,60}".prop_map(|s| Some(s.into_bytes())),
        1 => vec(any::<u8>(), 0..60).prop_map(Some),
    ]
    .boxed()
}

/// Zero to three Authorization values (duplicates), valid or not, UTF-8 or not.
fn authorization(token: String) -> BoxedStrategy<Vec<Vec<u8>>> {
    let t = token.clone();
    let one = prop_oneof![
        4 => select(vec!["Bearer ", "bearer ", "BEARER\t", "Bearer   ", " Bearer ", "Bearer\t\t"])
            .prop_map(move |p| format!("{p}{t} ").into_bytes()),
        2 => select(vec![
            format!("Bearer {token}x"),
            format!("Bearer {}", &token[..63]),
            format!("Bearer {}", token.to_uppercase()),
            format!("Bearer  {token} {token}"),
            format!("Basic {token}"),
            format!("Bearer{token}"),
            token.clone(),
            String::new(),
            "Bearer".into(),
            "Bearer ".into(),
            "Basic dXNlcjpwYXNz".into(),
            "Bearer null".into(),
        ])
        .prop_map(String::into_bytes),
        2 => "[ -~]{0,80}".prop_map(String::into_bytes),
        1 => vec(any::<u8>(), 0..80),
        1 => (1_000usize..9_000).prop_map(|n| format!("Bearer {}", "a".repeat(n)).into_bytes()),
    ];
    vec(one, 0..3).boxed()
}

fn method() -> BoxedStrategy<String> {
    prop_oneof![
        8 => Just("POST".to_string()),
        2 => select(vec![
            "GET", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "CONNECT", "post",
            "Post", "PROPFIND", "X-CUSTOM",
        ])
        .prop_map(str::to_string),
        1 => "[A-Za-z!#$%&'*+.^_`|~-]{1,12}",
    ]
    .boxed()
}

fn query() -> BoxedStrategy<Vec<(String, String)>> {
    vec(
        (
            prop_oneof![
                3 => select(&PARAM_NAMES[..]).prop_map(str::to_string),
                1 => odd_string(),
            ],
            odd_string(),
        ),
        0..4,
    )
    .boxed()
}

// ---------------------------------------------------------------------------------------------
// Built requests

#[derive(Debug, Clone)]
struct Hostile {
    endpoint: &'static str,
    method: String,
    content_type: Option<Vec<u8>>,
    authorization: Vec<Vec<u8>>,
    body: Vec<u8>,
    /// 0: Body::Empty when empty, else Text when UTF-8; 1: always Binary; 2: Text if UTF-8.
    body_kind: u8,
    query: Vec<(String, String)>,
}

impl Hostile {
    fn request(&self) -> Request {
        let mut builder = http::Request::builder()
            .method(self.method.as_str())
            .uri(format!("https://api.example.com/prod/{}", self.endpoint));
        if let Some(ct) = self.content_type.as_ref()
            && let Ok(v) = HeaderValue::from_bytes(ct)
        {
            builder = builder.header("content-type", v);
        }
        for auth in &self.authorization {
            if let Ok(v) = HeaderValue::from_bytes(auth) {
                builder = builder.header("authorization", v);
            }
        }
        let body = match (self.body_kind, std::str::from_utf8(&self.body)) {
            (0, _) if self.body.is_empty() => Body::Empty,
            (0 | 2, Ok(text)) => Body::Text(text.to_string()),
            _ => Body::Binary(self.body.clone()),
        };
        let req = builder.body(body).expect("a valid request");
        if self.query.is_empty() {
            req
        } else {
            req.with_query_string_parameters(self.query.iter().cloned().collect::<HashMap<_, _>>())
        }
    }
}

fn hostile(token: String) -> impl Strategy<Value = Hostile> {
    (
        select(&ENDPOINTS[..]),
        method(),
        content_type(),
        authorization(token),
        body_bytes(),
        0u8..3,
        prop_oneof![3 => Just(vec![]), 1 => query()],
    )
        .prop_map(
            |(endpoint, method, content_type, authorization, body, body_kind, query)| Hostile {
                endpoint,
                method,
                content_type,
                authorization,
                body,
                body_kind,
                query,
            },
        )
}

#[test]
fn built_hostile_requests_always_get_a_contract_envelope() {
    let f = Fixture::new();
    let tally = Tally::default();
    check(hostile(f.token.clone()), |h| {
        let resp = f.call(h.endpoint, h.request());
        let body = check_envelope(h.endpoint, &resp)?;
        tally.add(h.endpoint, resp.status().as_u16(), &body);
        if h.method != "POST" {
            prop_assert_eq!(message(&body), METHOD);
        }
        Ok(())
    });
    tally.show("built requests");
}

// ---------------------------------------------------------------------------------------------
// Mutated API Gateway events

/// Standard base64 (what API Gateway sends with `isBase64Encoded: true`).
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[derive(Debug, Clone)]
enum Mutation {
    Body(Option<String>),
    Base64Body(Vec<u8>),
    Method(String),
    /// Set or remove a header in `headers` and `multiValueHeaders`.
    Header(&'static str, Option<String>),
    /// Several values of one header in `multiValueHeaders`.
    MultiHeader(&'static str, Vec<String>),
    Query(Vec<(String, String)>),
    MultiQuery(Vec<(String, Vec<String>)>),
    Null(&'static str),
}

/// Headers a client controls. Not `Host` or `X-Forwarded-Proto`: API Gateway sets those
/// itself, and lambda_http panics on values that do not make a URL (see the report).
const HEADER_NAMES: [&str; 7] = [
    "Content-Type",
    "content-type",
    "Authorization",
    "authorization",
    "AUTHORIZATION",
    "Content-Length",
    "Content-Encoding",
];

fn header_value(token: String) -> BoxedStrategy<String> {
    prop_oneof![
        2 => Just(format!("Bearer {token}")),
        2 => content_type().prop_map(|ct| String::from_utf8_lossy(&ct.unwrap_or_default()).into_owned()),
        2 => odd_string(),
        1 => "[ -~]{0,40}",
    ]
    .boxed()
}

fn mutation(token: String) -> BoxedStrategy<Mutation> {
    let body = prop_oneof![
        4 => body_bytes().prop_map(|b| Some(String::from_utf8_lossy(&b).into_owned())),
        1 => Just(None),
    ];
    prop_oneof![
        4 => body.prop_map(Mutation::Body),
        2 => body_bytes().prop_map(Mutation::Base64Body),
        1 => method().prop_map(Mutation::Method),
        3 => (select(&HEADER_NAMES[..]), prop::option::of(header_value(token.clone())))
            .prop_map(|(n, v)| Mutation::Header(n, v)),
        1 => (select(&HEADER_NAMES[..]), vec(header_value(token), 0..3))
            .prop_map(|(n, v)| Mutation::MultiHeader(n, v)),
        1 => query().prop_map(Mutation::Query),
        // At least one value per name, as API Gateway sends: lambda_http panics on an empty
        // list (see the report).
        1 => vec((odd_string(), vec(odd_string(), 1..3)), 0..3).prop_map(Mutation::MultiQuery),
        1 => select(vec![
            "headers",
            "multiValueHeaders",
            "queryStringParameters",
            "multiValueQueryStringParameters",
            "body",
            "isBase64Encoded",
            "httpMethod",
        ])
        .prop_map(Mutation::Null),
    ]
    .boxed()
}

fn apply(event: &mut Value, m: &Mutation) {
    match m {
        Mutation::Body(body) => {
            event["body"] = json!(body);
            event["isBase64Encoded"] = json!(false);
        }
        Mutation::Base64Body(bytes) => {
            event["body"] = json!(base64(bytes));
            event["isBase64Encoded"] = json!(true);
        }
        Mutation::Method(method) => event["httpMethod"] = json!(method),
        Mutation::Header(name, value) => {
            for (field, v) in [
                ("headers", json!(value)),
                ("multiValueHeaders", json!([value])),
            ] {
                if !event[field].is_object() {
                    event[field] = json!({});
                }
                let headers = event[field].as_object_mut().unwrap();
                headers.retain(|k, _| !k.eq_ignore_ascii_case(name));
                if value.is_some() {
                    headers.insert(name.to_string(), v);
                }
            }
        }
        Mutation::MultiHeader(name, values) => {
            if !event["multiValueHeaders"].is_object() {
                event["multiValueHeaders"] = json!({});
            }
            event["multiValueHeaders"][*name] = json!(values);
        }
        Mutation::Query(pairs) => {
            let single: Map<String, Value> =
                pairs.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            let multi: Map<String, Value> =
                pairs.iter().map(|(k, v)| (k.clone(), json!([v]))).collect();
            event["queryStringParameters"] = Value::Object(single);
            event["multiValueQueryStringParameters"] = Value::Object(multi);
        }
        Mutation::MultiQuery(pairs) => {
            let multi: Map<String, Value> =
                pairs.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            event["multiValueQueryStringParameters"] = Value::Object(multi);
        }
        Mutation::Null(field) => event[*field] = Value::Null,
    }
}

fn event_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(events_dir())
        .unwrap()
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".json").map(str::to_string)
        })
        .filter(|n| n != "expected")
        .collect();
    names.sort();
    names
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
        select(&ENDPOINTS[..]),
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
// Oracles: the exact answer the contract gives for the order number and for token_expired_days

fn order_value() -> BoxedStrategy<Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        2 => any::<i64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        1 => any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        8 => odd_string().prop_map(Value::String),
        1 => select(vec![json!([]), json!([FOUND]), json!({}), json!({"nolab": FOUND})]),
    ]
    .boxed()
}

/// What the contract answers for these merged parameters: `Ok(lab number)` or the error message.
fn expected_order(params: &Map<String, Value>) -> Result<String, String> {
    let first = ORDER_KEYS
        .iter()
        .filter_map(|k| params.get(*k))
        .find(|v| match v {
            Value::Null => false,
            Value::String(s) => !s.trim().is_empty(),
            _ => true,
        });
    let text = match first {
        None => return Err(ORDER_MISSING.into()),
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => return Err(ORDER_INVALID.into()),
    };
    if text.chars().count() > 64 || text.chars().any(char::is_control) {
        return Err(ORDER_INVALID.into());
    }
    if text == FOUND {
        Ok(text)
    } else {
        Err(format!("{NOT_FOUND_PREFIX}{text}"))
    }
}

#[test]
fn the_order_number_gets_exactly_the_contract_answer() {
    let f = Fixture::new();
    let strategy = (
        [
            prop::option::of(order_value()),
            prop::option::of(order_value()),
            prop::option::of(order_value()),
        ],
        // The same names in the query string, as strings; the body wins name by name.
        [
            prop::option::of(odd_string()),
            prop::option::of(odd_string()),
            prop::option::of(odd_string()),
        ],
        prop_oneof![Just("sampling_timestamp"), Just("glucose")],
    );
    check(strategy, |(body_values, query_values, endpoint)| {
        let mut body = Map::new();
        let mut query = HashMap::new();
        for (i, key) in ORDER_KEYS.iter().enumerate() {
            if let Some(v) = &body_values[i] {
                body.insert(key.to_string(), v.clone());
            }
            if let Some(v) = &query_values[i] {
                query.insert(key.to_string(), v.clone());
            }
        }
        let text = Value::Object(body).to_string();
        // The numbers as the server reads them back (serde_json's float parsing is not
        // always the exact inverse of its printing: 4.879380406051468e-232 reads back as
        // 4.8793804060514684e-232).
        let read_back: Map<String, Value> = serde_json::from_str(&text).unwrap();
        let mut merged: Map<String, Value> =
            query.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        merged.extend(read_back);
        let want = if text.len() > MAX_BODY_BYTES {
            Err(TOO_LARGE.to_string())
        } else {
            expected_order(&merged)
        };

        let req = http::Request::builder()
            .method("POST")
            .uri(format!("/{endpoint}"))
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {}", f.token))
            .body(Body::Text(text))
            .unwrap()
            .with_query_string_parameters(query);
        let resp = f.call(endpoint, req);
        let got = check_envelope(endpoint, &resp)?;
        match want {
            Ok(_) => prop_assert_eq!(resp.status(), 200, "{}", got),
            Err(m) => prop_assert_eq!(message(&got), m.as_str()),
        }
        Ok(())
    });
}

#[derive(Debug, Clone)]
enum Channel {
    JsonNumber,
    JsonString,
    Form,
    Query,
}

/// `token_expired_days` as a decimal of any size: (sign, integer digits, fraction digits,
/// padding, channel).
fn days_input() -> impl Strategy<Value = (&'static str, String, String, String, Channel)> {
    (
        select(vec!["", "", "+", "-"]),
        prop_oneof![
            4 => (0u32..=400).prop_map(|n| n.to_string()),
            2 => "0{0,3}[0-9]{1,3}",
            2 => "[1-9][0-9]{0,600}",
            1 => "0{1,50}",
        ],
        prop_oneof![
            4 => Just(String::new()),
            1 => "\\.0{1,8}",
            2 => "\\.[0-9]{0,5}[1-9]",
        ],
        select(vec!["", " ", "\t", "  \n"]).prop_map(str::to_string),
        prop_oneof![
            Just(Channel::JsonNumber),
            Just(Channel::JsonString),
            Just(Channel::Form),
            Just(Channel::Query),
        ],
    )
}

/// What the contract answers: `Ok(days)` for a whole number 1–365, else the acceptable messages.
/// Exact decimal arithmetic on the text, whatever its length. One leeway: a fraction on a
/// number of more than 9 integer digits is beyond what an f64 (the JSON number) carries, and
/// such a number is out of range anyway, so either message is right.
fn expected_days(sign: &str, int: &str, frac: &str) -> Result<u16, &'static [&'static str]> {
    let digits = int.trim_start_matches('0');
    if frac.trim_start_matches('.').bytes().any(|b| b != b'0') {
        return Err(if digits.len() > 9 {
            &[DAYS_NOT_WHOLE, DAYS_RANGE]
        } else {
            &[DAYS_NOT_WHOLE]
        });
    }
    if sign == "-" && !digits.is_empty() {
        return Err(&[DAYS_RANGE]);
    }
    match digits.parse::<u16>() {
        Ok(n) if digits.len() <= 3 && (1..=365).contains(&n) => Ok(n),
        _ => Err(&[DAYS_RANGE]),
    }
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
            Channel::Query => String::new(),
        };
        let mut req = builder.body(Body::Text(body)).unwrap();
        if let Channel::Query = channel {
            req = req.with_query_string_parameters(HashMap::from([(
                "token_expired_days".to_string(),
                padded.clone(),
            )]));
        }
        let resp = f.call("save_token_setting", req);
        let got = check_envelope("save_token_setting", &resp)?;
        match expected_days(sign, &int, &frac) {
            Ok(days) => prop_assert_eq!(
                got,
                json!({"status": "OK", "data": {
                    "token_expired_days": days,
                    "expires_in": i64::from(days) * 86_400,
                }})
            ),
            Err(m) => prop_assert!(
                m.contains(&message(&got)),
                "{text:?} via {channel:?}: {got}, expected one of {m:?}"
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
    let send = |endpoint: &str, body: String| {
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
            ("null", Err(ORDER_MISSING.to_string())),
            ("true", Err(ORDER_INVALID.into())),
            ("false", Err(ORDER_INVALID.into())),
            ("0", Err(format!("{NOT_FOUND_PREFIX}0"))),
            ("-12", Err(format!("{NOT_FOUND_PREFIX}-12"))),
            (
                "2606110001.5",
                Err(format!("{NOT_FOUND_PREFIX}2606110001.5")),
            ),
            ("1e300", Err(format!("{NOT_FOUND_PREFIX}1e+300"))),
            (
                "18446744073709551615",
                Err(format!("{NOT_FOUND_PREFIX}18446744073709551615")),
            ),
            // Beyond f64: serde_json cannot read the number, so the body is refused.
            ("1e400", Err(BAD_FORMAT.into())),
            (huge_int.as_str(), Err(BAD_FORMAT.into())),
            ("\"\"", Err(ORDER_MISSING.into())),
            ("\" \\t\\n\"", Err(ORDER_MISSING.into())),
            ("\"R2606110001\"", Ok(())),
            ("\" R2606110001\\u3000\"", Ok(())),
            ("\"R2606110001\\u0000\"", Err(ORDER_INVALID.into())),
            ("\"\\ud800\"", Err(BAD_FORMAT.into())),
            ("[]", Err(ORDER_INVALID.into())),
            ("[\"R2606110001\"]", Err(ORDER_INVALID.into())),
            ("{}", Err(ORDER_INVALID.into())),
        ] {
            for endpoint in ["sampling_timestamp", "glucose"] {
                let (status, body) = send(endpoint, format!("{{\"{key}\":{value}}}"));
                match &want {
                    Ok(()) => assert_eq!(status, 200, "{key}={value}: {body}"),
                    Err(m) => assert_eq!(message(&body), m, "{endpoint} {key}={value}"),
                }
            }
        }
    }
    for (value, want) in [
        ("null", Err(DAYS_MISSING)),
        ("true", Err(DAYS_NOT_WHOLE)),
        ("7", Ok(7)),
        ("7.0", Ok(7)),
        ("7.5", Err(DAYS_NOT_WHOLE)),
        ("-7", Err(DAYS_RANGE)),
        ("0", Err(DAYS_RANGE)),
        ("366", Err(DAYS_RANGE)),
        ("1e2", Ok(100)),
        ("1e300", Err(DAYS_RANGE)),
        ("18446744073709551616", Err(DAYS_RANGE)),
        ("1e400", Err(BAD_FORMAT)),
        ("\"\"", Err(DAYS_MISSING)),
        ("\" 7 \"", Ok(7)),
        ("\"7 days\"", Err(DAYS_NOT_WHOLE)),
        ("\"1e400\"", Err(DAYS_RANGE)),
        ("\"-1e400\"", Err(DAYS_RANGE)),
        ("[]", Err(DAYS_NOT_WHOLE)),
        ("[7]", Err(DAYS_NOT_WHOLE)),
        ("{}", Err(DAYS_NOT_WHOLE)),
    ] {
        let (status, body) = send(
            "save_token_setting",
            format!("{{\"token_expired_days\":{value}}}"),
        );
        match want {
            Ok(days) => assert_eq!(
                (status, &body["data"]["token_expired_days"]),
                (200, &json!(days)),
                "{value}: {body}"
            ),
            Err(m) => assert_eq!(message(&body), m, "token_expired_days={value}"),
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
                    for endpoint in ENDPOINTS {
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
                            BAD_FORMAT
                        } else if endpoint.starts_with("sampling") || endpoint == "glucose" {
                            ORDER_INVALID
                        } else if endpoint == "save_token_setting" {
                            DAYS_MISSING
                        } else {
                            ""
                        };
                        assert_eq!(message(&body), want, "{endpoint}, depth {depth} of {open}");
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
            for endpoint in ENDPOINTS {
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
        let resp = f.call("sampling_timestamp", req);
        check_envelope("sampling_timestamp", &resp).unwrap();
        assert_eq!(resp.status(), want, "base64 event of {size} bytes");
    }
}

#[test]
fn the_base64_helper_is_standard_base64() {
    for (raw, encoded) in [
        (&b""[..], ""),
        (b"f", "Zg=="),
        (b"fo", "Zm8="),
        (b"foo", "Zm9v"),
        (b"foob", "Zm9vYg=="),
        (b"\xff\xfe\x00", "//4A"),
    ] {
        assert_eq!(base64(raw), encoded);
    }
}
