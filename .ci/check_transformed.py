#!/usr/bin/env python3
"""What API Gateway will import: TEMPLATE transformed by AWS's SAM translator and rendered by
cloud-radar for the default parameters and each hardening combination, then asserted on
(docs/DEPLOY.md, "Checking the template"). Run by .ci/check-template in its virtualenv.

    check_transformed.py [--routes-only] [--table] TEMPLATE
"""

import argparse
import contextlib
import copy
import io
import json
import logging
import re
import sys
import tomllib
from pathlib import Path

import boto3
from cloud_radar.cf.unit import Template
from samcli.yamlhelper import yaml_parse
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

REGION, ACCOUNT = "ap-southeast-3", "123456789012"
KNOWN_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "x-amazon-apigateway-any-method"}
# The endpoints, from the local API's router in Cargo.toml (path -> binary), each served by its
# function: /save_token_setting -> SaveTokenSettingFunction.
CARGO = tomllib.loads((Path(__file__).resolve().parent.parent / "Cargo.toml").read_text())
ROUTES = {f"/{b}": b.title().replace("_", "") + "Function"
          for b in CARGO["workspace"]["metadata"]["lambda"]["watch"]["router"].values()}
# Values for the parameters without a default.
REQUIRED = {
    "DatabaseSecretArn": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:wynacom/cpone-AbCdEf",
    "SubnetIds": "subnet-0123456789abcdef0,subnet-0fedcba9876543210",
    "SecurityGroupIds": "sg-0123456789abcdef0",
}
CIDRS = "203.0.113.10/32,198.51.100.0/24"
HARDENED = {"RequireApiKey": "true", "AllowedSourceCidrs": CIDRS, "DomainName": "api.example.com",
            "CertificateArn": f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/00000000-0000-0000-0000-000000000000",
            "EnableAccessLogs": "true", "EnableWaf": "true", "WafRateLimit": "1000"}
# (name, overrides, refused by the Rules?)
PARAMETER_SETS = [
    ("defaults (refused by the Rules)", {}, True),
    ("public (AllowPublicAccess)", {"AllowPublicAccess": "true"}, False),
    ("api key", {"RequireApiKey": "true"}, False),
    ("source CIDRs", {"AllowedSourceCidrs": CIDRS}, False),
    ("api key + source CIDRs", {"RequireApiKey": "true", "AllowedSourceCidrs": CIDRS}, False),
    ("hardened: api key + source CIDRs + custom domain + access logs + WAF", HARDENED, False),
    ("api key, all at once (first deploy, hotfix)", {"RequireApiKey": "true", "DeploymentType": "AllAtOnce"}, False),
    # A source list holding every address is public.
    ("source 0.0.0.0/0 (refused by the Rules)", {"AllowedSourceCidrs": "0.0.0.0/0"}, True),
    ("source ::/0 (refused by the Rules)", {"AllowedSourceCidrs": "::/0"}, True),
    ("sources 203.0.113.10/32,0.0.0.0/0 (refused by the Rules)",
     {"AllowedSourceCidrs": "203.0.113.10/32,0.0.0.0/0"}, True),
    ("source 0.0.0.0/0 + AllowPublicAccess", {"AllowedSourceCidrs": "0.0.0.0/0", "AllowPublicAccess": "true"}, False),
    ("source 0.0.0.0/0 + api key", {"AllowedSourceCidrs": "0.0.0.0/0", "RequireApiKey": "true"}, False),
]
# Values a deploy must not take: a partial secret ARN, a secret name, plaintext to MySQL, a WAF
# rate limit below AWS's minimum.
REFUSED = [("DatabaseSecretArn", f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:wynacom/cpone"),
           ("DatabaseSecretArn", "wynacom/cpone"), ("DatabaseTls", "off"), ("WafRateLimit", "9")]
# What CodeDeploy watches while it shifts traffic to a new version.
DEPLOY_ALARMS = ("DeployFunctionErrorsAlarm", "DeployApi5xxAlarm")
ACCESS_LOG_FIELDS = {"requestId", "sourceIp", "apiKeyId", "path", "status", "responseLatency"}
# Headers on every answer API Gateway writes itself (its gateway responses).
GATEWAY_RESPONSE_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
WAF_MANAGED_RULES = ("AWS", "AWSManagedRulesCommonRuleSet")
# cloud-radar renders AWS::NoValue as "" and drops it from mappings only; a marker of its own
# keeps real empty strings, and drop_no_value takes it out of lists too.
NO_VALUE = Template.NoValue = "<AWS::NoValue>"
Template.AccountId, Template.StackName = ACCOUNT, "wynacom-check"


class Failures(list):
    def check(self, ok, message):
        if not ok:
            self.append(message)
        return ok


def radar(template):
    with contextlib.redirect_stdout(io.StringIO()):  # cloud-radar prints every template it loads
        return Template(copy.deepcopy(template))


def drop_no_value(node):
    if isinstance(node, list):
        return [drop_no_value(x) for x in node if x != NO_VALUE]
    if isinstance(node, dict):
        return {k: drop_no_value(v) for k, v in node.items() if v != NO_VALUE}
    return node


def render(sam, overrides):
    """The stack CloudFormation would create for these parameters (refused values raise), with
    the rendered Template (its Rules are still to evaluate) and the transformed template."""
    params = {k: v for k, v in {**REQUIRED, **overrides}.items() if k in sam.get("Parameters", {})}
    sam = copy.deepcopy(sam)
    for res in sam["Resources"].values():  # the code as after `sam package`, as `sam validate` does
        if res.get("Type") == "AWS::Serverless::Function":
            res.setdefault("Properties", {})["CodeUri"] = "s3://bucket/code.zip"
    session = boto3.session.Session(region_name=REGION, aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                                    aws_secret_access_key="not-a-real-secret")
    cfn = Translator(managed_policy_map={}, sam_parser=Parser(), boto_session=session).translate(
        sam_template=sam, parameter_values=params, get_managed_policy_map=dict)
    cfn = json.loads(json.dumps(cfn))
    stack = radar(cfn)
    rendered = stack.render(params, region=REGION)
    return drop_no_value(rendered["Resources"]), stack, cfn


def refused_rules(stack):
    """The Rules whose assertions fail, evaluated by cloud-radar's functions (plus the two only
    Rules may use)."""
    stack.allowed_functions = {**stack.allowed_functions,
                               "Fn::EachMemberEquals": lambda _, a: all(m == a[1] for m in a[0]),
                               "Fn::Contains": lambda _, a: a[1] in a[0]}
    rules = stack.resolve_values(copy.deepcopy(stack.template.get("Rules") or {}))
    return [name for name, rule in rules.items()
            if rule.get("RuleCondition", True) and not all(a["Assert"] for a in rule["Assertions"])]


def references(node):
    """The logical ids a transformed (not rendered) node refers to: Ref, Fn::GetAtt, ${X} in Fn::Sub."""
    if isinstance(node, list):
        return set().union(*map(references, node))
    if not isinstance(node, dict):
        return set()
    found = set()
    for key, value in node.items():
        if key == "Ref" and isinstance(value, str):
            found.add(value)
        elif key == "Fn::GetAtt":
            found.add((value.split(".")[0] if isinstance(value, str) else value[0]))
        elif key == "Fn::Sub":
            text = value if isinstance(value, str) else value[0]
            found |= {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text)}
        found |= references(value)
    return found


def alias(fn):
    """The logical id SAM gives the alias `live` of function `fn` (AutoPublishAlias)."""
    return f"{fn}Aliaslive"


def check_routes(resources, params, fail, table):
    want_key = params.get("RequireApiKey") == "true"
    cidrs = [c for c in params.get("AllowedSourceCidrs", "").split(",") if c]
    apis = [n for n, r in resources.items() if r["Type"] == "AWS::ApiGateway::RestApi"]
    if not fail.check(len(apis) == 1, f"expected one AWS::ApiGateway::RestApi, found {apis}"):
        return None
    api_id = apis[0]
    props = resources[api_id]["Properties"]
    body = props.get("Body")
    if not fail.check(isinstance(body, dict), f"{api_id}: no inline Body (the routes cannot be checked)"):
        return api_id
    fail.check(props.get("FailOnWarnings") is True, f"{api_id}: FailOnWarnings is not true")

    # Resource policy: exactly the CIDRs, exactly when asked.
    policy = body.get("x-amazon-apigateway-policy") or props.get("Policy")
    if cidrs:
        denied = [sorted(ips if isinstance(ips, list) else [ips])
                  for st in (policy or {}).get("Statement", []) if st.get("Effect") == "Deny"
                  for ips in [((st.get("Condition") or {}).get("NotIpAddress") or {}).get("aws:SourceIp")]
                  if ips is not None]
        fail.check(denied == [sorted(cidrs)], f"{api_id}: no resource policy denying sources outside {cidrs} (found {denied})")
    else:
        fail.check(policy is None, f"{api_id}: a resource policy although AllowedSourceCidrs is empty")

    if want_key:
        schemes = (body.get("components") or {}).get("securitySchemes") or body.get("securityDefinitions") or {}
        scheme = schemes.get("api_key") or {}
        fail.check(scheme.get("in") == "header" and scheme.get("name") == "x-api-key",
                   f"{api_id}: no api_key security scheme (x-api-key header)")
        fail.check(body.get("x-amazon-apigateway-api-key-source", "HEADER") == "HEADER", "api key source is not HEADER")
    fail.check("security" not in body, f"{api_id}: a top-level security requirement")

    paths = body.get("paths") or {}
    fail.check(set(paths) == set(ROUTES), f"{api_id}: paths {sorted(paths)} differ from {sorted(ROUTES)}")
    for path, item in sorted(paths.items()):
        fn = ROUTES.get(path)
        for key, method in item.items():
            if not fail.check(key in KNOWN_METHODS, f"{path}: unknown method key '{key}' (API Gateway ignores it)"):
                continue
            where = f"{path} {key}"
            integ = method.get("x-amazon-apigateway-integration") or {}
            uri = str(integ.get("uri"))
            m = re.search(r"lambda:path/2015-03-31/functions/([\w.]+)/invocations$", uri)
            target = m and m.group(1)
            ok = fail.check(bool(integ), f"{where}: no x-amazon-apigateway-integration")
            ok = ok and fail.check(integ.get("type") == "aws_proxy", f"{where}: integration type is not aws_proxy")
            ok = ok and fail.check(integ.get("httpMethod") == "POST", f"{where}: integration httpMethod is not POST")
            # The function's alias (AutoPublishAlias), which CodeDeploy shifts between versions.
            ok = ok and fail.check(target == alias(fn), f"{where}: integration goes to {target or uri}, not {alias(fn)}")
            if ok:
                a = resources.get(target, {})
                fail.check(a.get("Type") == "AWS::Lambda::Alias" and a["Properties"].get("FunctionName") == fn
                           and resources.get(fn, {}).get("Type") == "AWS::Lambda::Function",
                           f"{where}: {target} is not an alias of the Lambda function {fn}")
                fail.check(((a.get("UpdatePolicy") or {}).get("CodeDeployLambdaAliasUpdate") or {})
                           .get("DeploymentGroupName") == f"{fn}DeploymentGroup",
                           f"{where}: {target} is not updated through CodeDeploy ({fn}DeploymentGroup)")
            security = method.get("security") or []
            fail.check(security == ([{"api_key": []}] if want_key else []), f"{where}: security {security} although "
                       f"RequireApiKey={str(want_key).lower()}")
            if table is not None:
                table.append((path, key, target or "-", "api_key" if security else "none", ",".join(cidrs) or "none"))

    # API Gateway may invoke each function, from this API, on its path.
    perms = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::Permission"]
    for path, fn in ROUTES.items():
        fail.check(any(p.get("Principal") == "apigateway.amazonaws.com"
                       and p.get("Action") == "lambda:InvokeFunction"
                       and p.get("FunctionName") == alias(fn)
                       and f":{api_id}/" in str(p.get("SourceArn"))
                       and str(p.get("SourceArn")).endswith((path, "/*")) for p in perms),
                   f"{fn}: no permission for API Gateway ({api_id}) to invoke its alias on {path}")
    return api_id


def check_extras(resources, transformed, api_id, params, fail):
    """What the full template must do beyond the routing (transformed: before rendering, with
    its references)."""
    api = resources[api_id]["Properties"]
    want_key = params.get("RequireApiKey") == "true"
    has_domain = params.get("DomainName", "") != ""
    body = api.get("Body") or {}
    # Swagger 2 has the extension at the top level, OpenAPI 3 under servers[].
    configs = [body] + (body.get("servers") or [])
    disabled = api.get("DisableExecuteApiEndpoint", False) or any(
        (c.get("x-amazon-apigateway-endpoint-configuration") or {}).get("disableExecuteApiEndpoint") is True
        for c in configs)
    fail.check(disabled is has_domain, f"{api_id}: DisableExecuteApiEndpoint is {disabled}, custom domain {has_domain}")

    # API Gateway's own answers (the body's extension, or GatewayResponse resources): no-store, nosniff.
    gateway = {f"{api_id} {k}": (v.get("responseParameters") or {})
               for k, v in (body.get("x-amazon-apigateway-gateway-responses") or {}).items()}
    gateway |= {n: r["Properties"].get("ResponseParameters") or {} for n, r in resources.items()
                if r["Type"] == "AWS::ApiGateway::GatewayResponse"}
    fail.check(bool(gateway), f"{api_id}: no gateway responses")
    for name, headers in sorted(gateway.items()):
        wrong = sorted(h for h, v in GATEWAY_RESPONSE_HEADERS.items()
                       if headers.get(f"gatewayresponse.header.{h}") != f"'{v}'")
        fail.check(not wrong, f"gateway response {name}: no {', '.join(f'{h}: {GATEWAY_RESPONSE_HEADERS[h]}' for h in wrong)}")

    types = {t: [n for n, r in resources.items() if r["Type"] == t] for t in {r["Type"] for r in resources.values()}}
    for t in ("AWS::ApiGateway::ApiKey", "AWS::ApiGateway::UsagePlan", "AWS::ApiGateway::UsagePlanKey"):
        fail.check(bool(types.get(t)) is want_key, f"{t} present: {bool(types.get(t))}, RequireApiKey {want_key}")

    stages = [resources[n]["Properties"] for n in types.get("AWS::ApiGateway::Stage", [])]
    if fail.check(len(stages) == 1, f"expected one stage, found {len(stages)}"):
        setting = stages[0].get("AccessLogSetting")
        if params.get("EnableAccessLogs") != "true":
            fail.check(not setting, "an access log on the stage although EnableAccessLogs=false")
        elif fail.check(bool(setting), "no access log on the stage (EnableAccessLogs=true)"):
            group = resources.get(str(setting.get("DestinationArn")).removesuffix(".Arn"), {})
            fail.check(group.get("Type") == "AWS::Logs::LogGroup" and "RetentionInDays" in group["Properties"],
                       "the access log does not go to a log group of the stack with a retention")
            fail.check(group.get("DeletionPolicy") == "Retain" and group.get("UpdateReplacePolicy") == "Retain",
                       "the access log group is not retained (DeletionPolicy and UpdateReplacePolicy Retain)")
            try:
                fields = set(json.loads(re.sub(r"\$context\.[A-Za-z.]+", "1", setting.get("Format", ""))))
            except ValueError:
                fields = set()
            fail.check(ACCESS_LOG_FIELDS <= fields, f"access log format lacks {sorted(ACCESS_LOG_FIELDS - fields)}")

    # The optional WAF: a web ACL with the rate rule per source IP and AWS's common rule set,
    # associated with this API's stage, exactly when asked.
    acls, assocs = types.get("AWS::WAFv2::WebACL", []), types.get("AWS::WAFv2::WebACLAssociation", [])
    if params.get("EnableWaf") != "true":
        fail.check(not acls and not assocs, f"WAF resources {acls + assocs} although EnableWaf=false")
    elif fail.check(len(acls) == 1 and len(assocs) == 1, f"EnableWaf=true: web ACLs {acls}, associations {assocs}"):
        acl_id, acl = acls[0], resources[acls[0]]["Properties"]
        fail.check(acl.get("Scope") == "REGIONAL" and "Allow" in (acl.get("DefaultAction") or {}),
                   f"{acl_id}: not REGIONAL with DefaultAction Allow")
        rules = acl.get("Rules") or []
        visible = [acl] + rules
        fail.check(all((v.get("VisibilityConfig") or {}).get("CloudWatchMetricsEnabled") is True for v in visible),
                   f"{acl_id}: CloudWatch metrics not on for the web ACL and each rule")
        rate = [r for r in rules if "RateBasedStatement" in (r.get("Statement") or {})]
        limit = params.get("WafRateLimit") or transformed["Parameters"]["WafRateLimit"].get("Default")
        fail.check(len(rate) == 1 and "Block" in (rate[0].get("Action") or {})
                   and rate[0]["Statement"]["RateBasedStatement"].get("AggregateKeyType") == "IP"
                   and str(rate[0]["Statement"]["RateBasedStatement"].get("Limit")) == str(limit),
                   f"{acl_id}: no rule blocking a source IP above {limit} requests (WafRateLimit)")
        managed = [r for r in rules if ((r.get("Statement") or {}).get("ManagedRuleGroupStatement") or {}).get(
            "VendorName") == WAF_MANAGED_RULES[0] and r["Statement"]["ManagedRuleGroupStatement"].get("Name") == WAF_MANAGED_RULES[1]]
        if fail.check(len(managed) == 1 and (managed[0].get("OverrideAction") or {}) == {"None": {}},
                      f"{acl_id}: no rule {'/'.join(WAF_MANAGED_RULES)} with OverrideAction None"):
            # PHP's curl sends no User-Agent (docs/INTEGRASI.md): the rule against that only counts.
            overrides = {o.get("Name"): o.get("ActionToUse") for o in
                         managed[0]["Statement"]["ManagedRuleGroupStatement"].get("RuleActionOverrides") or []}
            fail.check(overrides.get("NoUserAgent_HEADER") == {"Count": {}},
                       f"{acl_id}: requests without a User-Agent (PHP's curl) are blocked (NoUserAgent_HEADER not Count)")
        assoc_id, assoc = assocs[0], resources[assocs[0]]["Properties"]
        stage_ids = [n for n in types.get("AWS::ApiGateway::Stage", [])
                     if resources[n]["Properties"].get("RestApiId") == api_id]
        stage_id = stage_ids[0] if len(stage_ids) == 1 else None
        # cloud-radar renders a Ref to the stage as its logical id: either names this stage.
        stage_names = {stage_id, stage_id and resources[stage_id]["Properties"].get("StageName")}
        arn = f"arn:aws:apigateway:{REGION}::/restapis/{api_id}/stages/"
        fail.check(assoc.get("WebACLArn") == f"{acl_id}.Arn" and assoc.get("ResourceArn") in {arn + str(n) for n in stage_names},
                   f"{assoc_id}: associates {assoc.get('WebACLArn')} with {assoc.get('ResourceArn')}, not {acl_id} with {arn}{stage_id}")
        # The stage must exist before the association: a reference to it, or DependsOn.
        t = (transformed.get("Resources") or {}).get(assoc_id) or {}
        deps = t.get("DependsOn") or []
        fail.check(stage_id in references(t.get("Properties")) | set([deps] if isinstance(deps, str) else deps),
                   f"{assoc_id}: does not depend on the stage {stage_id}")

    # Every endpoint's new version takes traffic through CodeDeploy as DeploymentType says, and
    # the deployment alarms roll it back.
    config = "CodeDeployDefault.Lambda" + params.get("DeploymentType", "Canary10Percent10Minutes")
    for fn in ROUTES.values():
        group = resources.get(f"{fn}DeploymentGroup", {})
        if not fail.check(group.get("Type") == "AWS::CodeDeploy::DeploymentGroup", f"{fn}: no deployment group"):
            continue
        props = group["Properties"]
        alarms = sorted(a.get("Name") for a in (props.get("AlarmConfiguration") or {}).get("Alarms", []))
        fail.check(alarms == sorted(DEPLOY_ALARMS) and props["AlarmConfiguration"].get("Enabled") is True,
                   f"{fn}DeploymentGroup: alarms {alarms}, not {sorted(DEPLOY_ALARMS)}")
        fail.check("DEPLOYMENT_STOP_ON_ALARM" in (props.get("AutoRollbackConfiguration") or {}).get("Events", []),
                   f"{fn}DeploymentGroup: no rollback when an alarm fires")
        fail.check(props.get("DeploymentConfigName") == config,
                   f"{fn}DeploymentGroup: {props.get('DeploymentConfigName')}, not {config}")
    for name in DEPLOY_ALARMS:
        fail.check(resources.get(name, {}).get("Type") == "AWS::CloudWatch::Alarm", f"no alarm {name} in the stack")

    # The endpoints that open MySQL connections (they read the database secret) are bounded.
    lab = [fn for fn in ROUTES.values() if "DATABASE_SECRET_ARN" in
           ((resources.get(fn, {}).get("Properties", {}).get("Environment") or {}).get("Variables") or {})]
    fail.check(lab, "no endpoint's function reads DATABASE_SECRET_ARN")
    for fn in lab:
        fail.check("ReservedConcurrentExecutions" in resources[fn]["Properties"], f"{fn}: no ReservedConcurrentExecutions")


def report(name, fail):
    print(f"check_transformed: [{name}] {'ok' if not fail else 'FAILED'}")
    for line in fail:
        print(f"  - {line}")
    return bool(fail)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("template")
    ap.add_argument("--routes-only", action="store_true", help="the routing only")
    ap.add_argument("--table", action="store_true", help="print the route table of each parameter set")
    args = ap.parse_args()
    logging.disable(logging.WARNING)  # the translator's notes on its own feature toggles
    with open(args.template, encoding="utf-8") as f:
        sam = yaml_parse(f.read())

    failed = 0
    if not args.routes_only:  # the values of every set are checked by render() below
        fail = Failures()
        for key, value in REFUSED:
            try:
                radar(sam).set_parameters({**REQUIRED, key: value})
                fail.append(f"{key}={value} is accepted")
            except ValueError:
                pass
        failed += report("parameter values", fail)
    for name, overrides, refused_expected in PARAMETER_SETS:
        params, fail, table = {**REQUIRED, **overrides}, Failures(), [] if args.table else None
        try:
            resources, stack, transformed = render(sam, overrides)
        except Exception as e:  # the translator's or CloudFormation's refusal fails this set
            fail.append(f"refused: {e}")
        else:
            if not args.routes_only:
                missing = sorted(set(params) - set(sam.get("Parameters") or {}))
                fail.check(not missing, f"the template has no parameter {', '.join(missing)}")
                refused = refused_rules(stack)
                fail.check(bool(refused) == refused_expected, "the Rules accept a deploy open to the whole internet"
                           if refused_expected else f"the Rules refuse this deploy: {', '.join(refused)}")
            api_id = check_routes(resources, params, fail, table)
            if api_id and not args.routes_only:
                check_extras(resources, transformed, api_id, params, fail)
        failed += report(name, fail)
        if table:
            print(f"  {'path':<20} {'method':<32} {'target (alias)':<36} {'security':<9} policy (allowed sources)")
            for row in table:
                print("  {:<20} {:<32} {:<36} {:<9} {}".format(*row))
    total = len(PARAMETER_SETS) + (0 if args.routes_only else 1)
    print(f"check_transformed: {total - failed} of {total} checks pass on {args.template}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
