"""What the security scan (`make scan`: cfn-lint and checkov) asks of the deploy template, beyond
the tables, queues and role of infra.build.

`apply()` adds to the merge template, as parameters with defaults that deploy in any account:

- API Gateway stage throttling (`ApiThrottleRateLimit`, `ApiThrottleBurstLimit`), X-Ray tracing
  and JSON access logs (`ApiAccessLogging`, a log group kept 365 days);
- the gateway's own answers (an unknown path, a body over 10 MB, throttling, a timeout, any
  other 4XX/5XX it makes) in the one error shape, with the CORS origin (`gateway_responses`);
- CORS: API Gateway answers preflights for `CorsAllowOrigin`; chalicelib.cors adds the origin to
  every real response (the functions get it as SHELF_CORS_ALLOW_ORIGIN);
- reserved concurrency on every function (`ApiReservedConcurrency` for the API handler,
  `WorkerReservedConcurrency` for each other function), 0 = unreserved: a Condition leaves the
  property out, since an account may only reserve while 100 of its concurrency stays
  unreserved, and new accounts are often allowed 10 in all;
- a dead-letter queue for the scheduled functions (the only ones invoked asynchronously), and an
  alarm on every dead-letter queue (any visible message), notifying `AlarmTopicArn` if given;
- each checkov finding that is no flaw here (a check that does not fit this stack, or one
  whose setting checkov cannot see), suppressed on its resource with the reason
  (`Metadata.checkov.skip`). docs/infra.md lists them; a test keeps that list complete.

Chalice writes the functions, so their logical ids are listed in FUNCTIONS by how they are
invoked; tests/unit/test_template_security.py fails when app.py gains one that is not listed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from chalicelib import cors
from chalicelib.errors import UNKNOWN_ROUTE, PayloadTooLarge, TooManyRequests

# Logical id chalice gives each function (CamelCase of the handler's name) → how it is invoked:
# "api" (API Gateway, synchronous), "schedule" (EventBridge, asynchronous), "stream" (a
# DynamoDB stream's event source mapping, synchronous), "queue" (SQS event source mapping).
FUNCTIONS: dict[str, str] = {
    "APIHandler": "api",
    "CountBehaviour": "stream",
    "CountEvents": "stream",
    "JobChunks": "queue",
    "CompleteDeliveredOrders": "schedule",
    "EndOverdueLiveSessions": "schedule",
    "EnsureSearchIndex": "schedule",
    "ExpireUnpaidOrders": "schedule",
    "RebuildFeeds": "schedule",
    "RebuildSuggestions": "schedule",
    "RecalculateScores": "schedule",
    "RefreshHotQueries": "schedule",
    "ReportPostStream": "schedule",
    "SettleCommissions": "schedule",
}
API = "RestAPI"  # chalice's AWS::Serverless::Api

# Scheduled invocations that still fail after Lambda's two retries land here (the EventBridge
# event, for a look: the next tick of an idempotent, resumable job redoes the work).
SCHEDULE_FAILURE_QUEUE = "scheduled-invocations"
ACCESS_LOG_GROUP = "ApiAccessLogGroup"
ACCESS_LOG_RETENTION_DAYS = 365
# One JSON object per request. No headers, bodies or query strings: tokens and personal data
# stay out of the logs.
ACCESS_LOG_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
    '"requestTime":"$context.requestTimeEpoch","method":"$context.httpMethod",'
    '"resource":"$context.resourcePath","status":"$context.status",'
    '"responseLength":"$context.responseLength","latencyMs":"$context.responseLatency",'
    '"integrationLatencyMs":"$context.integrationLatency",'
    '"error":"$context.error.responseType","userAgent":"$context.identity.userAgent"}'
)
# SQS publishes queue metrics every minute; the alarm looks at 5-minute maxima.
ALARM_PERIOD_SECONDS = 300

PARAMETERS: dict[str, dict] = {
    "ApiThrottleRateLimit": {
        "Type": "Number", "Default": 100, "MinValue": 1,
        "Description": "Steady requests per second the API stage accepts in all (429 above)",
    },
    "ApiThrottleBurstLimit": {
        "Type": "Number", "Default": 200, "MinValue": 1,
        "Description": "Requests the API stage accepts at once above the rate (token bucket)",
    },
    "ApiReservedConcurrency": {
        "Type": "Number", "Default": 0, "MinValue": 0,
        "Description": "Concurrency reserved for the API handler; 0 = unreserved",
    },
    "WorkerReservedConcurrency": {
        "Type": "Number", "Default": 0, "MinValue": 0,
        "Description": "Concurrency reserved for each scheduled, stream and queue function; "
                       "0 = unreserved (if set, at least 5: the jobs queue's poller is "
                       "throttled below that, and throttled receives count towards the "
                       "dead-letter queue)",
    },
    "CorsAllowOrigin": {
        "Type": "String",
        "AllowedPattern": r"^(\*|https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?)$",
        "Description": "The one browser origin allowed to call the API "
                       "(https://shop.example.com), or * for any (no cookies are used)",
    },
    "ApiAccessLogging": {
        "Type": "String", "Default": "enabled", "AllowedValues": ["enabled", "disabled"],
        "Description": "JSON access logs of the API stage; needs the account's API Gateway "
                       "CloudWatch Logs role (docs/infra.md)",
    },
    "AlarmTopicArn": {
        "Type": "String", "Default": "",
        "AllowedPattern": r"^(|arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]+)$",
        "Description": "SNS topic the dead-letter alarms notify; empty: CloudWatch only",
    },
}

CONDITIONS: dict[str, dict] = {
    "ReserveApiConcurrency": {"Fn::Not": [{"Fn::Equals": [{"Ref": "ApiReservedConcurrency"},
                                                           "0"]}]},
    "ReserveWorkerConcurrency": {"Fn::Not": [{"Fn::Equals": [
        {"Ref": "WorkerReservedConcurrency"}, "0"]}]},
    "LogApiAccess": {"Fn::Equals": [{"Ref": "ApiAccessLogging"}, "enabled"]},
    "NotifyAlarmTopic": {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmTopicArn"}, ""]}]},
}


@dataclass(frozen=True)
class Suppression:
    """A checkov check that does not fit this stack, and why (written into the template)."""

    check: str
    reason: str

    def as_metadata(self) -> dict:
        return {"id": self.check, "comment": self.reason}


NO_VPC = Suppression(
    "CKV_AWS_117",
    "Calls only DynamoDB, SQS, CloudWatch Logs and X-Ray (AWS APIs over TLS, authorised by "
    "IAM) and the token issuer's public JWKS over https. There is nothing in a VPC to reach; "
    "a VPC would need NAT or endpoints to pay for, and would isolate nothing.")
ENVIRONMENT_KEY = Suppression(
    "CKV_AWS_173",
    "Lambda encrypts environment variables at rest with its AWS managed key. A customer "
    "managed key would add one gate, kms:Decrypt, for principals already allowed "
    "GetFunctionConfiguration; the secrets among the variables are better moved to Secrets "
    "Manager (docs/infra.md, not done yet) than wrapped in a key per stack.")
API_IS_SYNCHRONOUS = Suppression(
    "CKV_AWS_116",
    "Invoked synchronously by API Gateway: a failure is the caller's 5xx answer, and a "
    "dead-letter queue (asynchronous invocations only) would never receive anything.")
STREAM_HAS_FAILURE_DESTINATION = Suppression(
    "CKV_AWS_116",
    "Invoked synchronously by its DynamoDB stream's event source mapping; batches that keep "
    "failing go to the mapping's OnFailure queue (<stream>-dead-letters, alarmed).")
QUEUE_HAS_REDRIVE = Suppression(
    "CKV_AWS_116",
    "Invoked synchronously by the jobs queue's event source mapping; a message that keeps "
    "failing moves to jobs-dead-letters through the queue's redrive policy (alarmed).")
TABLE_KEY = Suppression(
    "CKV_AWS_119",
    "Encrypted at rest with the AWS managed key aws/dynamodb (SSEEnabled: KMS, its use "
    "logged in CloudTrail). A customer managed key adds a key policy to run, a monthly fee, "
    "and tables that become unreadable if it is disabled; it earns that only when the key must "
    "be revoked or shared, which this stack never does.")
QUEUE_MANAGED_SSE = Suppression(
    "CKV_AWS_27",
    "Encrypted at rest with SQS managed keys (SqsManagedSseEnabled: true); the check only "
    "recognises KmsMasterKeyId. SSE-KMS would add KMS calls per message for the same "
    "protection at rest.")
NO_API_CACHE = Suppression(
    "CKV_AWS_120",
    "Every answer depends on the caller's token and on writes a second ago (stock, order "
    "states); a stage cache would have to key on Authorization, would still serve stale "
    "states, and is billed per hour.")
ACCESS_LOGS_BEHIND_A_CONDITION = Suppression(
    "CKV_AWS_76",
    "Access logs are on: ApiAccessLogging defaults to enabled. The setting sits in an Fn::If "
    "so that an account without API Gateway's CloudWatch Logs role can still deploy, and "
    "checkov does not evaluate that Fn::If (tests/unit/test_template_security.py checks it).")
LOG_GROUP_KEY = Suppression(
    "CKV_AWS_158",
    "CloudWatch Logs encrypts every log group at rest; the access log lines hold no headers, "
    "bodies or query strings (ACCESS_LOG_FORMAT), so a customer managed key protects nothing "
    "more.")

FUNCTION_SUPPRESSIONS: dict[str, tuple[Suppression, ...]] = {
    "api": (NO_VPC, ENVIRONMENT_KEY, API_IS_SYNCHRONOUS),
    "schedule": (NO_VPC, ENVIRONMENT_KEY),
    "stream": (NO_VPC, ENVIRONMENT_KEY, STREAM_HAS_FAILURE_DESTINATION),
    "queue": (NO_VPC, ENVIRONMENT_KEY, QUEUE_HAS_REDRIVE),
}
TYPE_SUPPRESSIONS: dict[str, tuple[Suppression, ...]] = {
    "AWS::DynamoDB::Table": (TABLE_KEY,),
    "AWS::SQS::Queue": (QUEUE_MANAGED_SSE,),
    "AWS::Logs::LogGroup": (LOG_GROUP_KEY,),
}
API_SUPPRESSIONS: tuple[Suppression, ...] = (NO_API_CACHE, ACCESS_LOGS_BEHIND_A_CONDITION)


def all_suppressions() -> list[Suppression]:
    """Every suppression the template can carry, once each (docs/infra.md lists these)."""
    found: dict[Suppression, None] = {}
    for group in (*FUNCTION_SUPPRESSIONS.values(), *TYPE_SUPPRESSIONS.values(),
                  API_SUPPRESSIONS):
        found.update(dict.fromkeys(group))
    return list(found)


def merge(target: dict, patch: dict) -> dict:
    """Deep-merge dicts (patch wins on anything else), the way chalice's --merge-template does."""
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            merge(target[key], value)
        else:
            target[key] = value
    return target


def _if(condition: str, value) -> dict:
    return {"Fn::If": [condition, value, {"Ref": "AWS::NoValue"}]}


def _skip(suppressions: tuple[Suppression, ...]) -> dict:
    return {"checkov": {"skip": [s.as_metadata() for s in suppressions]}}


def function_patch(kind: str, schedule_failures_id: str) -> dict:
    """Reserved concurrency, the schedules' dead-letter queue, and the suppressions."""
    parameter, condition = (("ApiReservedConcurrency", "ReserveApiConcurrency") if kind == "api"
                            else ("WorkerReservedConcurrency", "ReserveWorkerConcurrency"))
    properties: dict = {"ReservedConcurrentExecutions": _if(condition, {"Ref": parameter})}
    if kind == "schedule":
        properties["DeadLetterQueue"] = {
            "Type": "SQS", "TargetArn": {"Fn::GetAtt": [schedule_failures_id, "Arn"]}}
    return {"Properties": properties, "Metadata": _skip(FUNCTION_SUPPRESSIONS[kind])}


def api_patch() -> dict:
    """The stage's throttling, tracing and access logs, and CORS preflights.

    SAM's `Cors` adds an OPTIONS mock integration to every path of chalice's inline swagger
    (chalice adds none: no route sets cors), allowing that path's own methods, so a preflight
    never invokes a function.
    """
    def quoted(values) -> str:  # API Gateway takes header values as quoted literals
        return "'" + ",".join(values) + "'"

    return {
        "Properties": {
            "MethodSettings": [{
                "ResourcePath": "/*",
                "HttpMethod": "*",
                "ThrottlingRateLimit": {"Ref": "ApiThrottleRateLimit"},
                "ThrottlingBurstLimit": {"Ref": "ApiThrottleBurstLimit"},
            }],
            "TracingEnabled": True,
            "AccessLogSetting": _if("LogApiAccess", {
                "DestinationArn": {"Fn::GetAtt": [ACCESS_LOG_GROUP, "Arn"]},
                "Format": ACCESS_LOG_FORMAT,
            }),
            "GatewayResponses": gateway_responses(),
            "Cors": {
                "AllowOrigin": {"Fn::Sub": "'${CorsAllowOrigin}'"},
                "AllowHeaders": quoted(cors.ALLOWED_HEADERS),
                "MaxAge": f"'{cors.PREFLIGHT_MAX_AGE_SECONDS}'",
            },
        },
        "Metadata": _skip(API_SUPPRESSIONS),
    }


# API Gateway's own answers → (status, error code, message). None keeps the gateway's status;
# a message of None passes on the gateway's own ($context.error.messageString, a JSON string).
# It cannot tell a wrong method from an unknown path: both are MISSING_AUTHENTICATION_TOKEN,
# answered 404 (chalice local answers the wrong method 405 method_not_allowed).
GATEWAY_ANSWERS: dict[str, tuple[int | None, str, str | None]] = {
    "MISSING_AUTHENTICATION_TOKEN": (404, "not_found", UNKNOWN_ROUTE["error"]["message"]),
    "REQUEST_TOO_LARGE": (413, PayloadTooLarge.code, "request body is larger than API Gateway's "
                                                 "10 MB"),
    "THROTTLED": (429, TooManyRequests.code, "the API is over its request rate: retry later"),
    # The functions answer 503 themselves by 28 s (chalicelib.store.base.request_budget); this is
    # what is left, a function that did not answer within API Gateway's 29 s.
    "INTEGRATION_TIMEOUT": (503, "timeout", "the request did not finish in time: retry later"),
    "DEFAULT_4XX": (None, "bad_request", None),
    "DEFAULT_5XX": (None, "gateway_error", None),
}
RETRY_AFTER_SECONDS = {"THROTTLED": 1, "INTEGRATION_TIMEOUT": 2}


def gateway_responses() -> dict:
    """SAM GatewayResponses: every answer API Gateway makes itself, in the one error shape."""
    responses = {}
    for response_type, (status, code, message) in GATEWAY_ANSWERS.items():
        text = json.dumps(message, ensure_ascii=False) if message else (
            "$context.error.messageString")
        headers = {"Access-Control-Allow-Origin": {"Fn::Sub": "'${CorsAllowOrigin}'"}}
        if response_type in RETRY_AFTER_SECONDS:
            headers["Retry-After"] = f"'{RETRY_AFTER_SECONDS[response_type]}'"
        response = {
            "ResponseParameters": {"Headers": headers},
            "ResponseTemplates": {"application/json": (
                f'{{"error": {{"code": "{code}", "message": {text}, "details": []}}}}')},
        }
        if status is not None:
            response["StatusCode"] = str(status)
        responses[response_type] = response
    return responses


def access_log_group() -> dict:
    return {
        "Type": "AWS::Logs::LogGroup",
        "Condition": "LogApiAccess",
        "Properties": {
            "LogGroupName": {"Fn::Sub": "/aws/apigateway/${AWS::StackName}-access"},
            "RetentionInDays": ACCESS_LOG_RETENTION_DAYS,
        },
    }


def dead_letter_alarm(queue_id: str, queue_name: str) -> dict:
    """In alarm while the dead-letter queue holds any message a person should look at."""
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": f"{queue_name} holds messages that failed every retry: look, "
                                "fix, then replay or purge (docs/infra.md)",
            "Namespace": "AWS/SQS",
            "MetricName": "ApproximateNumberOfMessagesVisible",
            "Dimensions": [{"Name": "QueueName",
                            "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}],
            "Statistic": "Maximum",
            "Period": ALARM_PERIOD_SECONDS,
            "EvaluationPeriods": 1,
            "Threshold": 0,
            "ComparisonOperator": "GreaterThanThreshold",
            # an idle queue may publish no data points: that is an empty queue, not an alarm
            "TreatMissingData": "notBreaching",
            "AlarmActions": _if("NotifyAlarmTopic", [{"Ref": "AlarmTopicArn"}]),
            "OKActions": _if("NotifyAlarmTopic", [{"Ref": "AlarmTopicArn"}]),
        },
    }


def _dead_letter_queue_ids(resources: dict) -> list[str]:
    """Queues infra.build made with dead_letter_queue_resource (named `*-dead-letters`)."""
    return sorted(
        resource_id for resource_id, resource in resources.items()
        if resource.get("Type") == "AWS::SQS::Queue"
        and resource["Properties"]["QueueName"]["Fn::Sub"].endswith("-dead-letters"))


def apply(template: dict, schedule_failures_id: str, progress=print) -> dict:
    """Add this module's parameters, resources and suppressions to the merge template."""
    resources = template["Resources"]
    template.setdefault("Parameters", {}).update(PARAMETERS)
    template.setdefault("Conditions", {}).update(CONDITIONS)
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    variables[cors.ALLOW_ORIGIN_ENV] = {"Ref": "CorsAllowOrigin"}

    resources[ACCESS_LOG_GROUP] = access_log_group()
    for resource in resources.values():  # tables, queues, the log group
        suppressions = TYPE_SUPPRESSIONS.get(resource.get("Type", ""))
        if suppressions:
            merge(resource, {"Metadata": _skip(suppressions)})
    merge(resources.setdefault(API, {}), api_patch())
    progress(f"  api {API}: throttling, tracing, access logs, CORS for CorsAllowOrigin")

    for function_id, kind in FUNCTIONS.items():
        merge(resources.setdefault(function_id, {}), function_patch(kind, schedule_failures_id))
    progress(f"  {len(FUNCTIONS)} functions: reserved concurrency parameters, "
             f"{sum(k == 'schedule' for k in FUNCTIONS.values())} with a dead-letter queue")

    for queue_id in _dead_letter_queue_ids(resources):
        queue_name = resources[queue_id]["Properties"]["QueueName"]["Fn::Sub"]
        resources[f"{queue_id}Alarm"] = dead_letter_alarm(
            queue_id, queue_name.removeprefix("${AWS::StackName}-"))
        progress(f"  alarm on {queue_id}")
    return template
