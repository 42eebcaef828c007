"""The deploy template's security settings, read from the packaged template (chalice's SAM output
merged with infra/resources.json, as `make package` writes it).

IAM stays least privilege: no `*` in an action, and `*` in a resource only where AWS requires it
or scoped to this stack (each exception listed below with its reason). Throttling, reserved
concurrency, CORS, tracing and access logs come from parameters; every dead-letter queue has an
alarm; every table has point-in-time recovery; every checkov suppression carries a reason and is
in docs/infra.md. cfn-lint and checkov themselves run in `make scan`.
"""

from __future__ import annotations

import json
import re

import pytest

from chalicelib import cors
from chalicelib.store.tables import MODELS
from infra import build, hardening
from tests.infra_support import ROOT, package_app

NO_VALUE = {"Ref": "AWS::NoValue"}

# Actions AWS authorises on "*" only (no resource-level permissions), and why they are granted.
STAR_RESOURCE_ACTIONS: dict[str, str] = {
    "xray:PutTraceSegments": "the functions' runtime sends trace segments of API requests",
    "xray:PutTelemetryRecords": "the X-Ray daemon in the runtime reports its own health",
}
# Wildcards inside an ARN, each within this stack or account, and why.
ARN_WILDCARDS: dict[str, str] = {
    # CloudFormation names the functions (it may truncate the stack name in them), and Lambda
    # names a log stream per container
    r"arn:\$\{AWS::Partition\}:logs:\$\{AWS::Region\}:\$\{AWS::AccountId\}:"
    r"log-group:/aws/lambda/\*(:log-stream:\*)?": "the functions' log groups and streams",
    # Query on a GSI or LSI is authorised on the index's ARN, under its own table's
    r"\$\{\w+Table\.Arn\}/index/\*": "one table's indexes",
    # API Gateway may invoke the API handler from any stage, method and path of this API only
    r"arn:\$\{AWS::Partition\}:execute-api:\$\{AWS::Region\}:\$\{AWS::AccountId\}:"
    r"\$\{RestAPIId\}/\*": "this stack's API",
}


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> dict:
    return package_app(tmp_path_factory.mktemp("packaged"))


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _of_type(template: dict, resource_type: str) -> dict[str, dict]:
    return {rid: r for rid, r in template["Resources"].items() if r["Type"] == resource_type}


def _statements(node):
    """Every IAM statement anywhere in the template (role policies, trust policies, ...)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Statement":
                yield from _as_list(value)
            else:
                yield from _statements(value)
    elif isinstance(node, list):
        for item in node:
            yield from _statements(item)


def _arn_text(resource) -> str | None:
    """The text of a literal or Fn::Sub ARN; None for Ref/GetAtt (a resource of this stack)."""
    if isinstance(resource, str):
        return resource
    if isinstance(resource, dict) and "Fn::Sub" in resource:
        sub = resource["Fn::Sub"]
        return sub if isinstance(sub, str) else sub[0]
    return None


def _wildcard_reason(arn: str) -> str | None:
    for pattern, reason in ARN_WILDCARDS.items():
        if re.fullmatch(pattern, arn):
            return reason
    return None


def test_no_wildcard_action_or_resource_beyond_the_listed_exceptions(template):
    used_star_actions: set[str] = set()
    used_wildcards: set[str] = set()
    statements = list(_statements(template["Resources"]))
    assert statements
    for statement in statements:
        assert not {"NotAction", "NotResource", "NotPrincipal"} & set(statement), statement
        actions = _as_list(statement["Action"])
        assert not [a for a in actions if "*" in a], f"wildcard action in {statement}"
        for principal in _as_list(statement.get("Principal", {})):
            assert principal != "*" and "*" not in json.dumps(principal), statement
        for resource in _as_list(statement.get("Resource", [])):
            if resource == "*":
                unexplained = set(actions) - set(STAR_RESOURCE_ACTIONS)
                assert not unexplained, f'{unexplained} granted on "*": {statement}'
                used_star_actions.update(actions)
                continue
            arn = _arn_text(resource)
            if arn and "*" in arn:
                reason = _wildcard_reason(arn)
                assert reason, f"unlisted wildcard resource {arn} in {statement}"
                used_wildcards.add(reason)

    # resource-based permissions outside policy documents
    for permission in _of_type(template, "AWS::Lambda::Permission").values():
        properties = permission["Properties"]
        assert "*" not in properties["Action"] and "*" not in properties["Principal"]
        arn = _arn_text(properties["SourceArn"])
        assert arn and _wildcard_reason(arn), properties["SourceArn"]
        used_wildcards.add(_wildcard_reason(arn))

    # an exception nothing needs any more is removed, not kept "just in case"
    assert used_star_actions == set(STAR_RESOURCE_ACTIONS)
    assert used_wildcards == set(ARN_WILDCARDS.values())


def test_dead_letter_queues_only_receive_from_the_functions(template):
    """Lambda puts failures there; nothing of ours reads them, so the role may only send."""
    role = template["Resources"][build.ROLE]["Properties"]["Policies"]
    by_sid = {s["Sid"]: s for s in _statements(role)}
    assert by_sid["DeadLetters"]["Action"] == ["sqs:SendMessage"]
    sent_to = {r["Fn::GetAtt"][0] for r in by_sid["DeadLetters"]["Resource"]}
    read = {r["Fn::GetAtt"][0] for r in by_sid["Queues"]["Resource"]}
    assert sent_to == {"EventsStreamDeadLetterQueue", "BehaviourStreamDeadLetterQueue",
                       "ScheduledInvocationsDeadLetterQueue"}
    assert read == {"JobsQueue"}  # SQS itself moves the jobs queue's failures to its DLQ


def _dead_letter_targets(template: dict) -> dict[str, str]:
    """Queue logical id → what puts failures there, from the references themselves."""
    targets: dict[str, str] = {}
    for rid, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        redrive = properties.get("RedrivePolicy")
        if redrive:
            targets[redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]] = f"redrive of {rid}"
        dead_letters = properties.get("DeadLetterQueue")
        if dead_letters:
            targets[dead_letters["TargetArn"]["Fn::GetAtt"][0]] = f"async failures of {rid}"
        for event_id, event in properties.get("Events", {}).items():
            on_failure = event["Properties"].get("DestinationConfig", {}).get("OnFailure")
            if on_failure:
                targets[on_failure["Destination"]["Fn::GetAtt"][0]] = f"{rid}.{event_id}"
    return targets


def test_every_dead_letter_queue_has_an_alarm_on_any_visible_message(template):
    targets = _dead_letter_targets(template)
    assert len(targets) == 4, targets  # jobs, two streams, the schedules
    named = {rid for rid, q in _of_type(template, "AWS::SQS::Queue").items()
             if q["Properties"]["QueueName"]["Fn::Sub"].endswith("-dead-letters")}
    assert named == set(targets), "a *-dead-letters queue nothing sends to, or the reverse"

    alarmed = {}
    for alarm in _of_type(template, "AWS::CloudWatch::Alarm").values():
        p = alarm["Properties"]
        if p["MetricName"] != "ApproximateNumberOfMessagesVisible":
            continue
        assert p["Namespace"] == "AWS/SQS"
        assert (p["ComparisonOperator"], p["Threshold"]) == ("GreaterThanThreshold", 0)
        assert p["Statistic"] == "Maximum" and p["TreatMissingData"] == "notBreaching"
        assert p["AlarmActions"] == {
            "Fn::If": ["NotifyAlarmTopic", [{"Ref": "AlarmTopicArn"}], NO_VALUE]}
        (dimension,) = p["Dimensions"]
        assert dimension["Name"] == "QueueName"
        queue_id, attribute = dimension["Value"]["Fn::GetAtt"]
        assert attribute == "QueueName"
        alarmed[queue_id] = alarm
    assert set(alarmed) == set(targets), {q: targets[q] for q in set(targets) - set(alarmed)}
    assert template["Parameters"]["AlarmTopicArn"]["Default"] == ""


def test_every_table_has_point_in_time_recovery(template):
    tables = _of_type(template, "AWS::DynamoDB::Table")
    assert len(tables) == len(MODELS)
    for rid, table in tables.items():
        assert table["Properties"].get("PointInTimeRecoverySpecification") == {
            "PointInTimeRecoveryEnabled": True}, rid


def test_api_stage_is_throttled_traced_and_access_logged_from_parameters(template):
    api = template["Resources"][hardening.API]["Properties"]
    parameters = template["Parameters"]
    assert api["MethodSettings"] == [{
        "ResourcePath": "/*", "HttpMethod": "*",
        "ThrottlingRateLimit": {"Ref": "ApiThrottleRateLimit"},
        "ThrottlingBurstLimit": {"Ref": "ApiThrottleBurstLimit"},
    }]
    rate, burst = parameters["ApiThrottleRateLimit"], parameters["ApiThrottleBurstLimit"]
    assert rate["Type"] == burst["Type"] == "Number"
    assert 0 < rate["Default"] <= burst["Default"]
    assert rate["MinValue"] == burst["MinValue"] == 1  # 0 would refuse every request
    assert api["TracingEnabled"] is True

    # on unless the parameter turns it off (checkov cannot see through the Fn::If)
    assert parameters["ApiAccessLogging"]["Default"] == "enabled"
    condition, logs, otherwise = api["AccessLogSetting"]["Fn::If"]
    assert (condition, otherwise) == ("LogApiAccess", NO_VALUE)
    assert template["Conditions"]["LogApiAccess"] == {
        "Fn::Equals": [{"Ref": "ApiAccessLogging"}, "enabled"]}
    assert logs["DestinationArn"] == {"Fn::GetAtt": [hardening.ACCESS_LOG_GROUP, "Arn"]}
    group = template["Resources"][hardening.ACCESS_LOG_GROUP]
    assert group["Condition"] == "LogApiAccess"
    assert group["Properties"]["RetentionInDays"] == 365

    line = json.loads(logs["Format"])  # one JSON object per request
    assert line["requestId"] == "$context.requestId" and line["status"] == "$context.status"
    # nothing that carries a token or personal data
    assert not re.search(r"header|authorizer|\$input|querystring|body", logs["Format"], re.I)


def test_every_function_reserves_concurrency_only_when_its_parameter_is_set(template):
    parameters, conditions = template["Parameters"], template["Conditions"]
    functions = _of_type(template, "AWS::Serverless::Function")
    for rid, function in functions.items():
        who = "Api" if hardening.FUNCTIONS.get(rid) == "api" else "Worker"
        parameter, condition = f"{who}ReservedConcurrency", f"Reserve{who}Concurrency"
        assert function["Properties"].get("ReservedConcurrentExecutions") == {
            "Fn::If": [condition, {"Ref": parameter}, NO_VALUE]}, rid
        # 0 means "leave it unreserved", never "reserve 0" (which would stop the function)
        assert conditions[condition] == {
            "Fn::Not": [{"Fn::Equals": [{"Ref": parameter}, "0"]}]}, rid
    for parameter in ("ApiReservedConcurrency", "WorkerReservedConcurrency"):
        assert parameters[parameter]["Default"] == 0
        assert parameters[parameter]["MinValue"] == 0


def test_functions_are_listed_by_how_they_are_invoked(template):
    """hardening.FUNCTIONS decides reservations, dead-letter queues and suppressions."""
    event_kinds = {"Schedule": "schedule", "DynamoDB": "stream", "SQS": "queue"}
    found = {}
    for rid, function in _of_type(template, "AWS::Serverless::Function").items():
        kinds = {event_kinds[e["Type"]] for e in function["Properties"].get("Events", {}).values()}
        found[rid] = kinds.pop() if kinds else "api"
        assert not kinds, f"{rid} has events of several kinds"
    assert found == hardening.FUNCTIONS, (
        "app.py's functions changed: list each in infra/hardening.FUNCTIONS by how it is "
        "invoked, then run `python -m infra.build`")


def test_scheduled_functions_send_what_fails_to_the_alarmed_queue(template):
    resources = template["Resources"]
    for rid, kind in hardening.FUNCTIONS.items():
        dead_letters = resources[rid]["Properties"].get("DeadLetterQueue")
        if kind == "schedule":
            assert dead_letters == {"Type": "SQS", "TargetArn": {
                "Fn::GetAtt": ["ScheduledInvocationsDeadLetterQueue", "Arn"]}}, rid
        else:  # invoked synchronously: an asynchronous DLQ would never receive anything
            assert dead_letters is None, rid


def test_cors_preflights_and_responses_allow_the_origin_parameter(template):
    api_cors = template["Resources"][hardening.API]["Properties"]["Cors"]
    assert api_cors["AllowOrigin"] == {"Fn::Sub": "'${CorsAllowOrigin}'"}
    assert api_cors["AllowHeaders"] == "'" + ",".join(cors.ALLOWED_HEADERS) + "'"
    assert "AllowMethods" not in api_cors  # SAM allows each path's own methods
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables[cors.ALLOW_ORIGIN_ENV] == {"Ref": "CorsAllowOrigin"}

    parameter = template["Parameters"]["CorsAllowOrigin"]
    assert "Default" not in parameter  # the operator says which origin
    for origin in ("*", "https://shop.example.com", "http://localhost:3000"):
        assert re.fullmatch(parameter["AllowedPattern"], origin), origin
    for origin in ("", "null", "https://shop.example.com/", "shop.example.com",
                   "https://a.example.com,https://b.example.com", "'*'"):
        assert not re.fullmatch(parameter["AllowedPattern"], origin), origin


def test_every_suppression_in_the_template_has_a_reason_and_is_documented(template):
    docs = (ROOT / "docs" / "infra.md").read_text(encoding="utf-8")
    suppressed: dict[str, set[str]] = {}
    for rid, resource in template["Resources"].items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert re.fullmatch(r"CKV_AWS_\d+", skip["id"]), (rid, skip)
            assert len(skip["comment"]) > 60, (rid, skip)  # a reason, not a shrug
            suppressed.setdefault(skip["id"], set()).add(resource["Type"])
    assert suppressed, "no suppressions found: did the merge drop Metadata?"
    for check_id in suppressed:
        assert f"`{check_id}`" in docs, f"docs/infra.md does not list {check_id}"
    assert set(suppressed) == {s.check for s in hardening.all_suppressions()}
    # no blanket suppression of the checks the template is meant to pass
    assert not {"CKV_AWS_28", "CKV_AWS_111", "CKV_AWS_115", "CKV_AWS_73"} & set(suppressed)


def _gateway_body(template_text: str, gateway_message: str) -> dict:
    """What API Gateway would send: the template with $context.error.messageString filled in."""
    return json.loads(template_text.replace("$context.error.messageString",
                                            json.dumps(gateway_message)))


@pytest.mark.parametrize(("response_type", "status", "code"), [
    ("MISSING_AUTHENTICATION_TOKEN", "404", "not_found"),
    ("REQUEST_TOO_LARGE", "413", "body_too_large"),
    ("THROTTLED", "429", "too_many_requests"),
    ("INTEGRATION_TIMEOUT", "503", "timeout"),
    ("DEFAULT_4XX", None, "bad_request"),
    ("DEFAULT_5XX", None, "gateway_error"),
])
def test_the_gateways_own_answers_are_in_the_one_error_shape(template, response_type, status,
                                                              code):
    api = template["Resources"][hardening.API]["Properties"]
    response = api["GatewayResponses"][response_type]
    assert response.get("StatusCode") == status
    body = _gateway_body(response["ResponseTemplates"]["application/json"], 'say "why"')
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    headers = response["ResponseParameters"]["Headers"]
    assert headers["Access-Control-Allow-Origin"] == {"Fn::Sub": "'${CorsAllowOrigin}'"}


def test_an_unknown_path_is_answered_as_the_local_server_answers_it(template):
    from chalicelib.errors import UNKNOWN_ROUTE

    response = template["Resources"][hardening.API]["Properties"]["GatewayResponses"][
        "MISSING_AUTHENTICATION_TOKEN"]
    body = _gateway_body(response["ResponseTemplates"]["application/json"], "ignored")
    assert body == UNKNOWN_ROUTE
