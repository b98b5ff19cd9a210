//! Generators of hostile pieces: strings, JSON and form bodies, multipart bodies as curl
//! writes them and broken ones, content types, Authorization headers, methods, query strings,
//! whole requests and mutations of API Gateway events.

use base64::Engine;
use lambda_http::{
    Body, Request, RequestExt,
    http::{self, HeaderValue},
};
use proptest::{
    collection::vec,
    prelude::*,
    sample::{Index, select},
};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use wynacom::{endpoints::Endpoint, http::params::MAX_BODY_BYTES, testing::events_dir};

use super::PARAM_NAMES;

// Generators of hostile pieces

pub const ODD_STRINGS: [&str; 32] = [
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
pub fn odd_string() -> BoxedStrategy<String> {
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

pub fn json_string_literal() -> BoxedStrategy<String> {
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

pub fn json_number_literal() -> BoxedStrategy<String> {
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

pub fn json_key() -> BoxedStrategy<String> {
    prop_oneof![
        3 => select(&PARAM_NAMES[..]).prop_map(str::to_string),
        1 => odd_string(),
    ]
    .prop_map(|k| serde_json::to_string(&k).unwrap())
    .boxed()
}

pub fn object_text(members: Vec<(String, String)>) -> String {
    let members: Vec<String> = members
        .into_iter()
        .map(|(k, v)| format!("{k}:{v}"))
        .collect();
    format!("{{{}}}", members.join(","))
}

/// The text of any JSON value (valid or nearly), nested a few levels.
pub fn json_value() -> BoxedStrategy<String> {
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
pub fn json_object() -> BoxedStrategy<String> {
    vec((json_key(), json_value()), 0..6)
        .prop_map(object_text)
        .boxed()
}

pub fn form_part() -> BoxedStrategy<String> {
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

pub fn form_body() -> BoxedStrategy<String> {
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
pub fn deep_nesting() -> BoxedStrategy<String> {
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
pub fn sized_body(size: usize, kind: u8) -> Vec<u8> {
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

pub fn near_limit() -> BoxedStrategy<Vec<u8>> {
    (MAX_BODY_BYTES - 3..=MAX_BODY_BYTES + 3, 0u8..3)
        .prop_map(|(size, kind)| sized_body(size, kind))
        .boxed()
}

pub fn body_bytes() -> BoxedStrategy<Vec<u8>> {
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

pub fn content_type() -> BoxedStrategy<Option<Vec<u8>>> {
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
pub fn authorization(token: String) -> BoxedStrategy<Vec<Vec<u8>>> {
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

pub fn method() -> BoxedStrategy<String> {
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

pub fn query() -> BoxedStrategy<Vec<(String, String)>> {
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
pub struct Hostile {
    pub endpoint: Endpoint,
    pub method: String,
    pub content_type: Option<Vec<u8>>,
    pub authorization: Vec<Vec<u8>>,
    pub body: Vec<u8>,
    /// 0: Body::Empty when empty, else Text when UTF-8; 1: always Binary; 2: Text if UTF-8.
    pub body_kind: u8,
    pub query: Vec<(String, String)>,
}

impl Hostile {
    pub fn request(&self) -> Request {
        let mut builder = http::Request::builder()
            .method(self.method.as_str())
            .uri(format!(
                "https://api.example.com/prod/{}",
                self.endpoint.name()
            ));
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

pub fn hostile(token: String) -> impl Strategy<Value = Hostile> {
    (
        select(&Endpoint::ALL[..]),
        method(),
        content_type_and_body(),
        authorization(token),
        0u8..3,
        prop_oneof![3 => Just(vec![]), 1 => query()],
    )
        .prop_map(
            |(endpoint, method, (content_type, body), authorization, body_kind, query)| Hostile {
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

#[derive(Debug, Clone)]
pub enum Mutation {
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
pub const HEADER_NAMES: [&str; 7] = [
    "Content-Type",
    "content-type",
    "Authorization",
    "authorization",
    "AUTHORIZATION",
    "Content-Length",
    "Content-Encoding",
];

pub fn header_value(token: String) -> BoxedStrategy<String> {
    prop_oneof![
        2 => Just(format!("Bearer {token}")),
        2 => content_type().prop_map(|ct| String::from_utf8_lossy(&ct.unwrap_or_default()).into_owned()),
        2 => odd_string(),
        1 => "[ -~]{0,40}",
    ]
    .boxed()
}

pub fn mutation(token: String) -> BoxedStrategy<Mutation> {
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

pub fn apply(event: &mut Value, m: &Mutation) {
    match m {
        Mutation::Body(body) => {
            event["body"] = json!(body);
            event["isBase64Encoded"] = json!(false);
        }
        Mutation::Base64Body(bytes) => {
            event["body"] = json!(base64::engine::general_purpose::STANDARD.encode(bytes));
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

pub fn event_names() -> Vec<String> {
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

#[derive(Debug, Clone)]
pub enum Channel {
    JsonNumber,
    JsonString,
    Form,
    Multipart,
    Query,
}

/// `token_expired_days` as a decimal of any size: (sign, integer digits, fraction digits,
/// padding, channel).
pub fn days_input() -> impl Strategy<Value = (&'static str, String, String, String, Channel)> {
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
            Just(Channel::Multipart),
            Just(Channel::Query),
        ],
    )
}

/// A multipart/form-data body as PHP's curl writes it (shared/src/http/fixtures/multipart.http):
/// `--<boundary>` CRLF, a Content-Disposition with the field name (and a file name for an
/// upload), an empty line, the value, CRLF; the closing `--<boundary>--` CRLF.
pub fn multipart_body(boundary: &str, parts: &[(String, Option<String>, Vec<u8>)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, file, value) in parts {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"").bytes(),
        );
        if let Some(file) = file {
            body.extend(
                format!("; filename=\"{file}\"\r\nContent-Type: application/octet-stream").bytes(),
            );
        }
        body.extend(b"\r\n\r\n");
        body.extend_from_slice(value);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").bytes());
    body
}

/// curl's boundary: 24 dashes and 16 hex digits; and some odd ones.
fn boundary() -> BoxedStrategy<String> {
    prop_oneof![
        4 => "[0-9a-f]{16}".prop_map(|hex| format!("{}{hex}", "-".repeat(24))),
        1 => "[A-Za-z0-9'()+_,./:=?-]{1,70}",
    ]
    .boxed()
}

fn multipart_part() -> BoxedStrategy<(String, Option<String>, Vec<u8>)> {
    (
        prop_oneof![
            3 => select(&PARAM_NAMES[..]).prop_map(str::to_string),
            1 => "[a-zA-Z0-9_\\[\\]]{1,12}",
        ],
        prop_oneof![4 => Just(None), 1 => Just(Some("scan.png".to_string()))],
        prop_oneof![
            4 => odd_string().prop_map(String::into_bytes),
            1 => vec(any::<u8>(), 0..64),
        ],
    )
        .boxed()
}

/// A multipart body with its Content-Type: well formed as curl writes it, or broken (cut,
/// another boundary, a missing boundary parameter, noise).
fn multipart() -> BoxedStrategy<(Option<Vec<u8>>, Vec<u8>)> {
    (
        boundary(),
        vec(multipart_part(), 0..5),
        0u8..6,
        any::<Index>(),
    )
        .prop_map(|(boundary, parts, damage, at)| {
            let mut body = multipart_body(&boundary, &parts);
            let mut ct = format!("multipart/form-data; boundary={boundary}");
            match damage {
                0 => {
                    let cut = at.index(body.len() + 1);
                    body.truncate(cut);
                }
                1 => ct = "multipart/form-data; boundary=other".into(),
                2 => ct = "multipart/form-data".into(),
                3 => body.splice(0..0, b"garbage".iter().copied()).for_each(drop),
                _ => {}
            }
            (Some(ct.into_bytes()), body)
        })
        .boxed()
}

/// A body and the Content-Type it comes with: any body under any type, or a multipart one.
pub fn content_type_and_body() -> BoxedStrategy<(Option<Vec<u8>>, Vec<u8>)> {
    prop_oneof![
        4 => (content_type(), body_bytes()),
        1 => multipart(),
    ]
    .boxed()
}

/// Whitespace a client may pad a value with (ASCII and Unicode).
pub fn padding() -> BoxedStrategy<String> {
    select(vec![
        "",
        " ",
        "\t",
        "\n ",
        "\u{3000}",
        "\u{a0}",
        " \u{2003}\t",
    ])
    .prop_map(str::to_string)
    .boxed()
}
