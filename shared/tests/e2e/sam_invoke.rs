//! The `sam build` artifacts through SAM CLI's own local Lambda: every event of `events/` given
//! to `sam local invoke` (`sam_invoke::events::<event>`), its answer checked as the HTTP trials
//! check theirs (events/expected.json, `Cache-Control: no-store`).
//!
//! `WYNACOM_SAM_LOCAL_INVOKE` holds the command prefix, one argument a line (the program,
//! `local`, `invoke` and the options every invoke gets: template, env-vars file, image, ...);
//! each trial runs `<prefix> <LogicalId> --event <file>`, LogicalId being the endpoint's function
//! in the template (`wynacom::testing::function_logical_id`). SAM prints the function's answer
//! on stdout, and its own messages and the container's output on stderr. The events that carry
//! the token placeholder get a token issued the same way (events/generate_token.json). One
//! invoke at a time: run with `--test-threads 1`. `sam_invoke::preflight` invokes the preflight
//! function (no route) the same way: ready on the demo data.

use libtest_mimic::{Failed, Trial};
use serde_json::Value;
use std::{
    process::Stdio,
    sync::{
        OnceLock,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};
use wynacom::{
    endpoints::Endpoint,
    testing::{check_expectation, event_text, expectations, function_logical_id},
};

/// The variable that holds the command prefix; unset, the trials are ignored.
pub const PREFIX: &str = "WYNACOM_SAM_LOCAL_INVOKE";

/// How long one `sam local invoke` may take (a cold, emulated container is slow).
const INVOKE_LIMIT: Duration = Duration::from_secs(300);
/// What SAM says when it sent the invoke before the container's emulator listened.
const NO_RESPONSE: &str = "No response from invoke container";
/// How many lines of SAM's stderr a failure shows.
const STDERR_LINES: usize = 25;

/// Every trial of this module, ignored unless [`PREFIX`] is set.
pub fn trials() -> Vec<Trial> {
    let ignored = crate::variable(PREFIX).is_none();
    let mut trials: Vec<Trial> = expectations()
        .into_iter()
        .map(|(name, expect)| {
            Trial::test(format!("sam_invoke::events::{name}"), move || {
                event_answers(&name, &expect)
            })
            .with_ignored_flag(ignored)
        })
        .collect();
    trials
        .push(Trial::test("sam_invoke::preflight", preflight_is_ready).with_ignored_flag(ignored));
    trials
}

/// `events/<name>.json` through `sam local invoke`: the answer `expect` says.
fn event_answers(name: &str, expect: &Value) -> Result<(), Failed> {
    let endpoint = expect["endpoint"]
        .as_str()
        .and_then(Endpoint::from_name)
        .expect("an endpoint");
    let token = match crate::needs_token(name) {
        true => token()?,
        false => "",
    };
    let event = event_text(name, token);
    let answer = match invoke(endpoint, &event) {
        // SAM got no answer from the container (it can send the invoke before the emulator in a
        // slow emulated container listens): one more try, reported.
        Err(e) if e.contains(NO_RESPONSE) => {
            eprintln!(
                "\n{name}: no response from the container, trying again; it said:\n{}",
                indent(&e)
            );
            invoke(endpoint, &event)?
        }
        other => other?,
    };
    answer.check(expect).map_err(Failed::from)
}

/// The token of the events that carry the placeholder, issued once by
/// `sam local invoke GenerateTokenFunction`.
fn token() -> Result<&'static str, String> {
    static TOKEN: OnceLock<Result<String, String>> = OnceLock::new();
    let issued = TOKEN.get_or_init(|| {
        let event = event_text("generate_token", "");
        let answer = invoke(Endpoint::GenerateToken, &event).or_else(|e| {
            // As for every event: SAM can miss the answer of a slow emulated container.
            eprintln!(
                "\nthe token's invoke failed, trying again; SAM and the container said:\n{}",
                indent(&e)
            );
            invoke(Endpoint::GenerateToken, &event)
        })?;
        let body: Value = serde_json::from_str(&answer.body).unwrap_or_default();
        body["data"]["access_token"]
            .as_str()
            .map(str::to_string)
            .ok_or(format!(
                "no token from sam local invoke GenerateTokenFunction: status {}",
                answer.status
            ))
    });
    issued.as_deref().map_err(Clone::clone)
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|line| format!("    {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A function's answer (API Gateway proxy format), as `sam local invoke` printed it.
struct ProxyAnswer {
    status: u16,
    headers: Vec<(String, String)>,
    /// Base64 decoded when `isBase64Encoded`.
    body: String,
    /// The function's own log lines (JSON) on stderr, kept for a 5xx answer.
    log: String,
}

impl ProxyAnswer {
    /// Reads SAM's stdout: the answer is the JSON object that starts at its first `{`.
    fn parse(stdout: &str, stderr: &str) -> Option<Self> {
        let start = stdout.find('{')?;
        let answer: Value = serde_json::Deserializer::from_str(&stdout[start..])
            .into_iter()
            .next()?
            .ok()?;
        let status = u16::try_from(answer["statusCode"].as_u64()?).ok()?;
        let mut body = answer["body"].as_str().unwrap_or_default().to_string();
        if answer["isBase64Encoded"] == Value::Bool(true) {
            use base64::Engine;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(&body)
                .ok()?;
            body = String::from_utf8_lossy(&bytes).into_owned();
        }
        let mut headers: Vec<(String, String)> = vec![];
        for (name, value) in answer["headers"].as_object().into_iter().flatten() {
            headers.push((name.clone(), value.as_str().unwrap_or_default().into()));
        }
        // multiValueHeaders win over headers, as API Gateway merges them.
        for (name, values) in answer["multiValueHeaders"]
            .as_object()
            .into_iter()
            .flatten()
        {
            if let Some(first) = values.as_array().and_then(|v| v.first()) {
                headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
                headers.push((name.clone(), first.as_str().unwrap_or_default().into()));
            }
        }
        let log = match status >= 500 {
            true => {
                let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with('{')).collect();
                let log = lines.join("\n");
                let cut = log.floor_char_boundary(log.len().saturating_sub(1500));
                log[cut..].to_string()
            }
            false => String::new(),
        };
        Some(Self {
            status,
            headers,
            body,
            log,
        })
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The rules of the HTTP trials: events/expected.json, and `Cache-Control: no-store`.
    fn check(&self, expect: &Value) -> Result<(), String> {
        let problem = match serde_json::from_str::<Value>(&self.body) {
            Err(_) => Err(format!(
                "status {}, body is not JSON: {:?}",
                self.status,
                self.body.chars().take(200).collect::<String>()
            )),
            Ok(body) => check_expectation(expect, self.status, &body).and_then(|()| {
                match self.header("cache-control") {
                    Some("no-store") => Ok(()),
                    other => Err(format!("Cache-Control {other:?}, expected no-store")),
                }
            }),
        };
        problem.map_err(|e| match self.log.is_empty() {
            true => e,
            false => format!("{e}\nfunction log:\n{}", self.log),
        })
    }
}

/// The command prefix of [`PREFIX`]: one argument a line.
fn prefix() -> Vec<String> {
    let text = crate::variable(PREFIX).unwrap_or_else(|| panic!("{PREFIX} is not set"));
    text.trim_end_matches('\n')
        .split('\n')
        .map(str::to_string)
        .collect()
}

static EVENT_FILES: AtomicU32 = AtomicU32::new(0);

/// `events/<name>.json` of `endpoint`'s function through `sam local invoke`: its answer, or what
/// went wrong with SAM's last lines of stderr.
fn invoke(endpoint: Endpoint, event: &str) -> Result<ProxyAnswer, String> {
    let id = function_logical_id(endpoint.name());
    let (stdout, stderr) = sam_invoke(&id, event)?;
    ProxyAnswer::parse(&stdout, &stderr).ok_or_else(|| failure(&id, "no answer", &stdout, &stderr))
}

/// What SAM printed (stdout, stderr) for `<prefix> <id> --event <file>` with `event` in the
/// file, when it succeeded.
fn sam_invoke(id: &str, event: &str) -> Result<(String, String), String> {
    let file = std::env::temp_dir().join(format!(
        "wynacom-event-{}-{}.json",
        std::process::id(),
        EVENT_FILES.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::write(&file, event).map_err(|e| format!("{}: {e}", file.display()))?;
    let prefix = prefix();
    let (program, args) = prefix.split_first().expect("a program");
    let mut command = tokio::process::Command::new(program);
    command
        .args(args)
        .arg(id)
        .arg("--event")
        .arg(&file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // A timed-out invoke is stopped, not left running.
        .kill_on_drop(true);
    let run = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async { tokio::time::timeout(INVOKE_LIMIT, command.output()).await });
    let _ = std::fs::remove_file(&file);
    let out = match run {
        Err(_) => {
            return Err(format!(
                "{program} ... {id}: no answer within {INVOKE_LIMIT:?}"
            ));
        }
        Ok(Err(e)) => return Err(format!("{program}: {e}")),
        Ok(Ok(out)) => out,
    };
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    match out.status.success() {
        true => Ok((stdout, stderr)),
        false => Err(failure(id, &out.status.to_string(), &stdout, &stderr)),
    }
}

/// A failed invoke: SAM's messages and the container's own output (the emulator and the
/// bootstrap) say why.
fn failure(id: &str, what: &str, stdout: &str, stderr: &str) -> String {
    let lines: Vec<&str> = stderr.trim().lines().collect();
    let tail = lines[lines.len().saturating_sub(STDERR_LINES)..].join("\n");
    format!(
        "sam local invoke {id}: {what}; stdout {:?}\n{tail}",
        stdout.trim().chars().take(300).collect::<String>()
    )
}

/// The preflight function of the template (no route) on the demo data: ready, and its `build`
/// check ok (aws-lc without the CPU-jitter entropy source).
fn preflight_is_ready() -> Result<(), Failed> {
    let (stdout, _) = sam_invoke("PreflightFunction", "{}")?;
    let start = stdout.find('{').ok_or("no report on stdout")?;
    let report: Value = serde_json::Deserializer::from_str(&stdout[start..])
        .into_iter()
        .next()
        .and_then(Result::ok)
        .ok_or_else(|| format!("not a report: {stdout}"))?;
    let checks = report["checks"].as_array().ok_or("no checks")?;
    if report["ready"] != Value::Bool(true) || checks.is_empty() {
        return Err(format!("not ready: {report:#}").into());
    }
    // The artifact sam build made carries the repository's build setting (.cargo/config.toml).
    match checks.iter().find(|c| c["name"] == "build") {
        Some(c) if c["status"] == "ok" => Ok(()),
        _ => Err(format!("the build check is not ok: {report:#}").into()),
    }
}
