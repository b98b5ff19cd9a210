#!/usr/bin/env python3
"""Checks what API Gateway will import, not just what the template says.

Transforms a SAM template with AWS's own SAM translator (aws-sam-translator, the code behind
CloudFormation's AWS::Serverless transform and `sam validate`), offline: no AWS account, a fixed
region, an empty managed-policy map. Then, for the default parameters and each hardening
combination, resolves the conditions (Fn::If, resource Condition) for that parameter set and
asserts on the result:

- every path of the REST API body has only method keys API Gateway knows;
- every method has a Lambda proxy (aws_proxy) integration to its own function;
- `security` (api_key) exactly when RequireApiKey=true; the resource policy (source IPs)
  exactly when AllowedSourceCidrs is set; FailOnWarnings on the API;
- API Gateway may invoke every function, from this API only;
- (full check) the template's Rules refuse a public deploy unless AllowPublicAccess=true; the
  execute-api endpoint is off with a custom domain; the access log is on exactly when asked.

Run by .ci/check-template with the Python of its pinned virtualenv:

    check_transformed.py [--routes-only] [--table] TEMPLATE

--routes-only checks the routing only (what any template with these routes must satisfy);
--table prints the route table (path, method, function, security, policy) of each parameter set.
Exit status 1 with one line per failure.
"""

import argparse
import copy
import json
import logging
import re
import sys

import boto3
from samcli.yamlhelper import yaml_parse
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

REGION = "ap-southeast-3"
ACCOUNT = "123456789012"

# The method keys of an OpenAPI path item that API Gateway imports as methods.
KNOWN_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "x-amazon-apigateway-any-method"}

# Path -> the function that must answer it.
ROUTES = {
    "/generate_token": "GenerateTokenFunction",
    "/check_token": "CheckTokenFunction",
    "/token_setting": "TokenSettingFunction",
    "/save_token_setting": "SaveTokenSettingFunction",
    "/sampling_timestamp": "SamplingTimestampFunction",
    "/glucose": "GlucoseFunction",
}

# Values for the parameters without a default.
REQUIRED = {
    "DatabaseSecretArn": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:wynacom/cpone-AbCdEf",
    "SubnetIds": "subnet-0123456789abcdef0,subnet-0fedcba9876543210",
    "SecurityGroupIds": "sg-0123456789abcdef0",
}
CIDRS = "203.0.113.10/32,198.51.100.0/24"

# (name, overrides, refused by the Rules?)
PARAMETER_SETS = [
    ("defaults (refused by the Rules)", {}, True),
    ("public (AllowPublicAccess)", {"AllowPublicAccess": "true"}, False),
    ("api key", {"RequireApiKey": "true"}, False),
    ("source CIDRs", {"AllowedSourceCidrs": CIDRS}, False),
    ("api key + source CIDRs", {"RequireApiKey": "true", "AllowedSourceCidrs": CIDRS}, False),
    (
        "hardened: api key + source CIDRs + custom domain + access logs",
        {
            "RequireApiKey": "true",
            "AllowedSourceCidrs": CIDRS,
            "DomainName": "api.example.com",
            "CertificateArn": f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/00000000-0000-0000-0000-000000000000",
            "EnableAccessLogs": "true",
        },
        False,
    ),
]

ACCESS_LOG_FIELDS = {"requestId", "sourceIp", "apiKeyId", "path", "status", "responseLatency"}

NO_VALUE = object()


class Failures(list):
    def check(self, ok, message):
        if not ok:
            self.append(message)
        return ok


# ------------------------------------------------------------------------------------------------
# Parameters, conditions, Fn::If
# ------------------------------------------------------------------------------------------------
def parameter_values(template, overrides):
    """Every parameter's value as CloudFormation sees it (lists split), plus the pseudo ones."""
    values = {}
    for name, spec in (template.get("Parameters") or {}).items():
        raw = overrides.get(name, REQUIRED.get(name, spec.get("Default")))
        if raw is None:
            raise SystemExit(f"check_transformed: no value for parameter {name}")
        raw = str(raw)
        kind = spec.get("Type", "String")
        values[name] = raw.split(",") if (kind == "CommaDelimitedList" or kind.startswith("List<")) else raw
    values.update(
        {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": "wynacom-check",
        }
    )
    return values


def evaluate(node, params, conditions):
    """Evaluates the intrinsic functions allowed in Conditions and Rules."""
    if not isinstance(node, dict) or len(node) != 1:
        return node
    (fn, arg), = node.items()
    if fn == "Ref":
        return params.get(arg, node)
    if fn == "Condition":
        return conditions[arg]
    if fn == "Fn::Equals":
        a, b = (evaluate(x, params, conditions) for x in arg)
        return a == b
    if fn == "Fn::Not":
        return not evaluate(arg[0], params, conditions)
    if fn == "Fn::And":
        return all(evaluate(x, params, conditions) for x in arg)
    if fn == "Fn::Or":
        return any(evaluate(x, params, conditions) for x in arg)
    if fn == "Fn::Join":
        sep, items = arg
        items = evaluate(items, params, conditions)
        return sep.join(str(evaluate(x, params, conditions)) for x in items)
    if fn == "Fn::EachMemberEquals":
        members, value = (evaluate(x, params, conditions) for x in arg)
        return all(m == value for m in members)
    if fn == "Fn::Contains":
        members, value = (evaluate(x, params, conditions) for x in arg)
        return value in members
    raise SystemExit(f"check_transformed: cannot evaluate {fn}")


def conditions_of(template, params):
    raw = template.get("Conditions") or {}

    class Lazy(dict):
        def __missing__(self, name):
            self[name] = bool(evaluate(raw[name], params, self))
            return self[name]

    lazy = Lazy()
    for name in raw:
        lazy[name]  # noqa: B018 (evaluates)
    return dict(lazy)


def resolve(node, params, conditions, fail, where):
    """Resolves Fn::If, Ref to parameters (not to resources) and AWS::NoValue."""
    if isinstance(node, list):
        out = [resolve(x, params, conditions, fail, where) for x in node]
        return [x for x in out if x is not NO_VALUE]
    if isinstance(node, dict):
        if len(node) == 1:
            (fn, arg), = node.items()
            if fn == "Fn::If":
                # CloudFormation refuses the stack on a malformed Fn::If.
                if not fail.check(
                    isinstance(arg, list) and len(arg) == 3,
                    f"{where}: Fn::If with {len(arg)} arguments instead of 3: {json.dumps(arg)[:120]}",
                ):
                    return NO_VALUE
                name, yes, no = arg
                return resolve(yes if conditions[name] else no, params, conditions, fail, where)
            if fn == "Ref" and arg == "AWS::NoValue":
                return NO_VALUE
            if fn == "Ref" and isinstance(arg, str) and arg in params:
                return params[arg]
        out = {k: resolve(v, params, conditions, fail, where) for k, v in node.items()}
        return {k: v for k, v in out.items() if v is not NO_VALUE}
    return node


# ------------------------------------------------------------------------------------------------
# Transform
# ------------------------------------------------------------------------------------------------
def with_packaged_code(template):
    """Local CodeUri as after `sam package` (an S3 URI), as `sam validate` does before translating."""
    template = copy.deepcopy(template)
    functions = [r.get("Properties") or {} for r in template.get("Resources", {}).values()
                 if r.get("Type") == "AWS::Serverless::Function"]
    functions.append(((template.get("Globals") or {}).get("Function")) or {})
    for props in functions:
        uri = props.get("CodeUri")
        if isinstance(uri, str) and not uri.startswith("s3://"):
            props["CodeUri"] = "s3://bucket/code.zip"
    return template


def transform(template, params):
    session = boto3.session.Session(
        region_name=REGION, aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="not-a-real-secret"
    )
    translator = Translator(managed_policy_map={}, sam_parser=Parser(), boto_session=session)
    sam_params = {k: (",".join(v) if isinstance(v, list) else v) for k, v in params.items() if "::" not in k}
    return translator.translate(
        sam_template=with_packaged_code(template), parameter_values=sam_params, get_managed_policy_map=lambda: {}
    )


def live_resources(cfn, params, fail):
    conditions = conditions_of(cfn, params)
    resources = {}
    for name, res in cfn["Resources"].items():
        cond = res.get("Condition")
        if cond and not conditions[cond]:
            continue
        resources[name] = resolve(res, params, conditions, fail, name)
    return resources, conditions


def sub_string(node):
    """The string of a Fn::Sub (its variables that Ref a resource written back as ${Resource})."""
    if isinstance(node, dict) and "Fn::Sub" in node:
        sub = node["Fn::Sub"]
        if isinstance(sub, str):
            return sub
        text, variables = sub
        for name, value in variables.items():
            if isinstance(value, dict) and isinstance(value.get("Ref"), str):
                text = text.replace("${" + name + "}", "${" + value["Ref"] + "}")
        return text
    return node if isinstance(node, str) else None


def refers_to(node, logical_id):
    """Ref X, Fn::GetAtt [X, Arn], or a Fn::Sub naming ${X} / ${X.Arn}."""
    if isinstance(node, dict):
        if node.get("Ref") == logical_id:
            return True
        getatt = node.get("Fn::GetAtt")
        if getatt and (getatt[0] if isinstance(getatt, list) else getatt.split(".")[0]) == logical_id:
            return True
    s = sub_string(node)
    return bool(s) and re.search(r"\$\{" + re.escape(logical_id) + r"(\.Arn)?\}", s) is not None


# ------------------------------------------------------------------------------------------------
# Assertions
# ------------------------------------------------------------------------------------------------
def check_rules(template, params, refused_expected, fail):
    conditions = conditions_of(template, params)
    refused = []
    for name, rule in (template.get("Rules") or {}).items():
        if "RuleCondition" in rule and not evaluate(rule["RuleCondition"], params, conditions):
            continue
        for assertion in rule.get("Assertions", []):
            if not evaluate(assertion["Assert"], params, conditions):
                refused.append(name)
    if refused_expected:
        fail.check(refused, "the Rules accept a deploy open to the whole internet")
    else:
        fail.check(not refused, f"the Rules refuse this deploy: {', '.join(refused)}")
    return refused


def check_routes(cfn, params, fail, table):
    resources, _ = live_resources(cfn, params, fail)
    want_key = params.get("RequireApiKey") == "true"
    cidrs = [c for c in params.get("AllowedSourceCidrs", [""]) if c]

    apis = {n: r for n, r in resources.items() if r["Type"] == "AWS::ApiGateway::RestApi"}
    if not fail.check(len(apis) == 1, f"expected one AWS::ApiGateway::RestApi, found {sorted(apis)}"):
        return resources, None
    (api_id, api), = apis.items()
    props = api["Properties"]
    body = props.get("Body")
    if not fail.check(isinstance(body, dict), f"{api_id}: no inline Body (the routes cannot be checked)"):
        return resources, api_id
    fail.check(props.get("FailOnWarnings") is True, f"{api_id}: FailOnWarnings is not true")

    # Resource policy: exactly the CIDRs, exactly when asked.
    policy = body.get("x-amazon-apigateway-policy") or props.get("Policy")
    if cidrs:
        denied = []
        for st in (policy or {}).get("Statement", []):
            if st.get("Effect") == "Deny":
                ips = ((st.get("Condition") or {}).get("NotIpAddress") or {}).get("aws:SourceIp")
                if ips is not None:
                    denied.append(sorted(ips if isinstance(ips, list) else [ips]))
        fail.check(
            denied == [sorted(cidrs)],
            f"{api_id}: no resource policy denying sources outside {cidrs} (found {denied})",
        )
    else:
        fail.check(policy is None, f"{api_id}: a resource policy although AllowedSourceCidrs is empty")

    if want_key:
        scheme = (((body.get("components") or {}).get("securitySchemes") or {}).get("api_key")) or (
            (body.get("securityDefinitions") or {}).get("api_key")
        )
        fail.check(
            scheme is not None and scheme.get("in") == "header" and scheme.get("name") == "x-api-key",
            f"{api_id}: no api_key security scheme (x-api-key header)",
        )
        fail.check(body.get("x-amazon-apigateway-api-key-source", "HEADER") == "HEADER", "api key source is not HEADER")
    fail.check("security" not in body, f"{api_id}: a top-level security requirement")

    paths = body.get("paths") or {}
    fail.check(set(paths) == set(ROUTES), f"{api_id}: paths {sorted(paths)} differ from {sorted(ROUTES)}")
    rows = []
    for path, item in sorted(paths.items()):
        fn = ROUTES.get(path)
        for key, method in item.items():
            if not fail.check(key in KNOWN_METHODS, f"{path}: unknown method key '{key}' (API Gateway ignores it)"):
                continue
            where = f"{path} {key}"
            integ = method.get("x-amazon-apigateway-integration") or {}
            target = None
            uri = sub_string(integ.get("uri"))
            m = re.search(r"lambda:path/2015-03-31/functions/\$\{(\w+)\.Arn\}/invocations$", uri or "")
            if m:
                target = m.group(1)
            ok = fail.check(bool(integ), f"{where}: no x-amazon-apigateway-integration")
            ok = ok and fail.check(integ.get("type") == "aws_proxy", f"{where}: integration type is not aws_proxy")
            ok = ok and fail.check(integ.get("httpMethod") == "POST", f"{where}: integration httpMethod is not POST")
            ok = ok and fail.check(target == fn, f"{where}: integration goes to {target or uri}, not {fn}")
            if ok:
                fail.check(
                    resources.get(fn, {}).get("Type") == "AWS::Lambda::Function",
                    f"{where}: {fn} is not a Lambda function of the stack",
                )
            security = method.get("security") or []
            if want_key:
                fail.check(security == [{"api_key": []}], f"{where}: no api_key requirement (RequireApiKey=true)")
            else:
                fail.check(security == [], f"{where}: security {security} although RequireApiKey=false")
            rows.append((path, key, target or "-", "api_key" if security else "none", ",".join(cidrs) or "none"))

    # API Gateway may invoke each function, from this API.
    perms = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::Permission"]
    for path, fn in ROUTES.items():
        ok = [
            p
            for p in perms
            if p.get("Principal") == "apigateway.amazonaws.com"
            and p.get("Action") == "lambda:InvokeFunction"
            and refers_to(p.get("FunctionName"), fn)
            and refers_to(p.get("SourceArn"), api_id)
            and (sub_string(p.get("SourceArn")) or "").endswith((path, "/*"))
        ]
        fail.check(ok, f"{fn}: no permission for API Gateway ({api_id}) to invoke it on {path}")

    if table is not None:
        table.extend(rows)
    return resources, api_id


def check_extras(resources, api_id, params, fail):
    """What the full template must do beyond the routing."""
    api = resources[api_id]["Properties"]
    want_key = params.get("RequireApiKey") == "true"
    has_domain = params.get("DomainName", "") != ""
    has_logs = params.get("EnableAccessLogs") == "true"
    body = api.get("Body") or {}

    # Swagger 2 has the extension at the top level, OpenAPI 3 under servers[].
    configs = [body.get("x-amazon-apigateway-endpoint-configuration") or {}] + [
        server.get("x-amazon-apigateway-endpoint-configuration") or {} for server in body.get("servers") or []
    ]
    disabled = api.get("DisableExecuteApiEndpoint", False) or any(
        c.get("disableExecuteApiEndpoint", False) is True for c in configs
    )
    fail.check(disabled is has_domain, f"{api_id}: DisableExecuteApiEndpoint is {disabled}, custom domain {has_domain}")

    types = {}
    for name, r in resources.items():
        types.setdefault(r["Type"], []).append(name)
    for t in ("AWS::ApiGateway::ApiKey", "AWS::ApiGateway::UsagePlan", "AWS::ApiGateway::UsagePlanKey"):
        fail.check(bool(types.get(t)) is want_key, f"{t} present: {bool(types.get(t))}, RequireApiKey {want_key}")

    stages = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::ApiGateway::Stage"]
    if fail.check(len(stages) == 1, f"expected one stage, found {len(stages)}"):
        setting = stages[0].get("AccessLogSetting")
        if has_logs:
            if fail.check(bool(setting), "no access log on the stage (EnableAccessLogs=true)"):
                dest = setting.get("DestinationArn")
                group = dest.get("Fn::GetAtt", [None])[0] if isinstance(dest, dict) else None
                fail.check(
                    resources.get(group, {}).get("Type") == "AWS::Logs::LogGroup"
                    and "RetentionInDays" in resources[group]["Properties"],
                    "the access log does not go to a log group of the stack with a retention",
                )
                try:
                    sample = re.sub(r"\$context\.[A-Za-z.]+", "1", setting.get("Format", ""))
                    fields = set(json.loads(sample))
                except ValueError:
                    fields = set()
                fail.check(ACCESS_LOG_FIELDS <= fields, f"access log format lacks {sorted(ACCESS_LOG_FIELDS - fields)}")
        else:
            fail.check(not setting, "an access log on the stage although EnableAccessLogs=false")

    lab = ("SamplingTimestampFunction", "GlucoseFunction")
    for fn in lab:
        rc = resources.get(fn, {}).get("Properties", {}).get("ReservedConcurrentExecutions")
        fail.check(rc is not None, f"{fn}: no ReservedConcurrentExecutions")


def allowed(spec, value):
    """Whether CloudFormation accepts this value for the parameter (AllowedValues, AllowedPattern)."""
    if "AllowedValues" in spec and value not in [str(v) for v in spec["AllowedValues"]]:
        return False
    pattern = spec.get("AllowedPattern")
    return pattern is None or re.fullmatch(pattern, value) is not None


def check_parameters(template, fail):
    """The parameter sets are valid, and the values a deploy must not take are refused."""
    spec = template.get("Parameters") or {}
    for name, overrides, _ in PARAMETER_SETS:
        for key, value in {**REQUIRED, **overrides}.items():
            fail.check(key in spec and allowed(spec[key], value), f"[{name}] {key}={value} is not accepted")
    refused = [
        ("DatabaseSecretArn", f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:wynacom/cpone"),  # partial ARN
        ("DatabaseSecretArn", "wynacom/cpone"),
        ("DatabaseTls", "off"),
    ]
    for key, value in refused:
        fail.check(not allowed(spec.get(key, {}), value), f"{key}={value} is accepted")


# ------------------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("template")
    ap.add_argument("--routes-only", action="store_true")
    ap.add_argument("--table", action="store_true")
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)

    with open(args.template, encoding="utf-8") as f:
        template = yaml_parse(f.read())

    failed = 0
    if not args.routes_only:
        fail = Failures()
        check_parameters(template, fail)
        print(f"check_transformed: [parameter values] {'ok' if not fail else 'FAILED'}")
        for line in fail:
            print(f"  - {line}")
        failed += bool(fail)
    for name, overrides, refused_expected in PARAMETER_SETS:
        params = parameter_values(template, overrides)
        fail = Failures()
        table = [] if args.table else None
        if not args.routes_only:
            check_rules(template, params, refused_expected, fail)
        try:
            cfn = transform(template, params)
        except Exception as e:  # the translator's own refusal is a failure of this set
            fail.append(f"SAM transform failed: {e}")
            cfn = None
        if cfn is not None:
            resources, api_id = check_routes(cfn, params, fail, table)
            if api_id and not args.routes_only:
                check_extras(resources, api_id, params, fail)
        status = "ok" if not fail else "FAILED"
        print(f"check_transformed: [{name}] {status}")
        for line in fail:
            print(f"  - {line}")
        failed += bool(fail)
        if table:
            print(f"  {'path':<20} {'method':<32} {'function':<26} {'security':<9} policy (allowed sources)")
            for row in table:
                print(f"  {row[0]:<20} {row[1]:<32} {row[2]:<26} {row[3]:<9} {row[4]}")
    total = len(PARAMETER_SETS) + (0 if args.routes_only else 1)
    print(f"check_transformed: {total - failed} of {total} checks pass on {args.template}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
