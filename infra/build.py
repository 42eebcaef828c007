"""Generate infra/resources.json, the template `chalice package --merge-template` merges in.

    python -m infra.build          # rewrite infra/resources.json
    python -m infra.build --check  # exit 1 if the committed file is not what would be generated

Everything comes from chalicelib.store.tables (MODELS, TTL_ATTRIBUTES, STREAM_VIEWS,
table_definition), so a table added there shows up here with no edit to this file. Names are
`${AWS::StackName}-<base name>`: nothing stage-specific ends up in the template.

Chalice's merge is a deep merge of dicts in which lists are replaced, so what this emits either
adds new keys (tables, parameters, Globals, outputs) or replaces one whole list (the policies of
the role every function runs as). infra.hardening then adds what the security scan asks for
(throttling, CORS, reserved concurrency, alarms, the scanner's suppressions).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

# stdlib only at import, so no settings are read before _prepare_environment
from chalicelib.queues import JOBS_QUEUE, MAX_RECEIVES
from infra import hardening

RESOURCES_PATH = Path(__file__).with_name("resources.json")

# (CloudFormation parameter, Lambda environment variable, description): one line per secret a
# deployed stage must be given (chalicelib.settings refuses to start without them).
# No JWT secret: deployed stages verify RS256 tokens from the OIDC issuer below, never HS256.
SECRETS: tuple[tuple[str, str, str], ...] = (
    ("CursorSecret", "SHELF_CURSOR_SECRET", "HMAC key pagination cursors are signed with"),
    ("PaymentSecret", "SHELF_PAYMENT_SECRET", "HMAC key of the payment provider's callbacks"),
    ("CarrierSecret", "SHELF_CARRIER_SECRET", "HMAC key of the carriers' event feed"),
)
SECRET_MIN_LENGTH = 32

# (CloudFormation parameter, Lambda environment variable, parameter properties): where a deployed
# stage's sign-in tokens come from, a Cognito user pool or another OIDC issuer
# (chalicelib.settings.OidcSettings; docs/auth.md). An unset optional one reaches the function as
# "", which settings read as its default.
OIDC_PARAMETERS: tuple[tuple[str, str, dict], ...] = (
    ("OidcIssuer", "SHELF_OIDC_ISSUER", {
        "Description": "Token issuer, equal to every token's iss. A Cognito user pool's: "
                       "https://cognito-idp.<region>.amazonaws.com/<user pool id>",
        "AllowedPattern": r"^https://[^\s/]+(/\S*)?$",
        "ConstraintDescription": "an https URL, without a trailing slash for Cognito",
    }),
    ("OidcClientIds", "SHELF_OIDC_CLIENT_IDS", {
        "Description": "Comma-separated app client ids whose tokens are accepted (an access "
                       "token's client_id, an ID token's aud)",
        "AllowedPattern": r"^[^\s,]+(,[^\s,]+)*$",
        "ConstraintDescription": "one or more ids separated by commas, no spaces",
    }),
    ("OidcTokenUse", "SHELF_OIDC_TOKEN_USE", {
        "Description": "The one kind of token accepted: access (Cognito's token for calling "
                       "APIs) or id",
        "AllowedValues": ["access", "id"],
        "Default": "access",
    }),
    ("OidcRoleClaim", "SHELF_OIDC_ROLE_CLAIM", {
        "Description": "Claim naming the user's role: cognito:groups (groups shopper, merchant, "
                       "creator, ops) or a string attribute such as custom:role (ID tokens)",
        "AllowedPattern": r"^\S+$",
        "Default": "cognito:groups",
    }),
    ("OidcJwksUrl", "SHELF_OIDC_JWKS_URL", {
        "Description": "The issuer's JWKS; empty: <issuer>/.well-known/jwks.json",
        "AllowedPattern": r"^(https://\S+)?$",
        "Default": "",
    }),
)

# Base names of SQS queues. Each becomes `${AWS::StackName}-<name>`, its URL is given to every
# function as SHELF_<NAME>_QUEUE_URL, and the SQS actions below are granted on exactly these
# queues. Empty: no queue exists yet, so no SQS permission is granted.
QUEUES: tuple[str, ...] = (JOBS_QUEUE,)  # every job's chunks (chalicelib.jobs.runner)
# then a message moves to the queue's dead-letter queue for a look; the runner marks the run
# failed when a chunk fails on this receive
QUEUE_MAX_RECEIVES = MAX_RECEIVES

# Event sources chalice writes with a placeholder (it needs a literal ARN or queue name when it
# reads app.py); the merge points them at this stack's resources and turns on partial batch
# responses, which the handlers return through Powertools' batch utility.
# (function logical id, event logical id, properties to merge in)
def _stream_source(table_id: str, failures: str, **extra) -> dict:
    """A stream consumer's event source: partial batch responses, bisection on errors, and
    what still fails after the retries described in a dead-letter queue (shard, sequence
    numbers), not lost: replaying it is safe, since every consumer counts an event once."""
    return {
        "Stream": {"Fn::GetAtt": [table_id, "StreamArn"]},
        "StartingPosition": "TRIM_HORIZON",
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "BisectBatchOnFunctionError": True,
        "MaximumRetryAttempts": 10,
        "DestinationConfig": {"OnFailure": {
            "Destination": {"Fn::GetAtt": [failures, "Arn"]}}},
        **extra,
    }


# stream → its consumer's failure destination (a dead-letter queue of that name)
STREAM_FAILURE_QUEUES = ("events-stream", "behaviour-stream")

EVENT_SOURCES: tuple[tuple[str, str, dict], ...] = (
    ("CountEvents", "CountEventsDynamodbEventSource",
     _stream_source("EventsTable", "EventsStreamDeadLetterQueue")),
    # only a first write of an event id is counted: re-sent or expired events never invoke it
    ("CountBehaviour", "CountBehaviourDynamodbEventSource",
     _stream_source("BehaviourEventsTable", "BehaviourStreamDeadLetterQueue",
                    FilterCriteria={"Filters": [{"Pattern": '{"eventName": ["INSERT"]}'}]})),
    ("JobChunks", "JobChunksSqsEventSource", {
        "Queue": {"Fn::GetAtt": ["JobsQueue", "Arn"]},
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
    }),
)
STREAM_READ_ACTIONS = (
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
)
QUEUE_VISIBILITY_TIMEOUT_SECONDS = 180  # 6 x the 30 s Lambda timeout, as AWS advises for SQS

# The role chalice gives every function (it is shared when chalice manages one role per app).
ROLE = "DefaultRole"
POLICY_NAME = "DefaultRolePolicy"

LOG_ACTIONS = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")
# Item-level only. TransactWriteItems/TransactGetItems are authorised per item through these;
# no Scan, no table administration (CreateTable, DeleteTable, UpdateTable, DescribeTable, ...).
DYNAMODB_ITEM_ACTIONS = (
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
)
# X-Ray has no resource-level permissions: these are granted on "*" or not at all.
XRAY_ACTIONS = ("xray:PutTelemetryRecords", "xray:PutTraceSegments")
SQS_ACTIONS = (
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ReceiveMessage",
    "sqs:SendMessage",
)

LAMBDA_TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def logical_id(base_name: str, suffix: str) -> str:
    """`shelf_cards` + `Table` → `ShelfCardsTable` (CloudFormation ids are alphanumeric)."""
    parts = [p for p in re.split(r"[^0-9A-Za-z]+", base_name) if p]
    return "".join(p[:1].upper() + p[1:] for p in parts) + suffix


def physical_name(base_name: str) -> dict:
    return {"Fn::Sub": f"${{AWS::StackName}}-{base_name}"}


def table_resource(base_name: str, definition: dict, ttl_attribute: str | None) -> dict:
    """An AWS::DynamoDB::Table from table_definition's CreateTable shape."""
    properties: dict[str, Any] = {
        "TableName": physical_name(base_name),
        "AttributeDefinitions": definition["AttributeDefinitions"],
        "KeySchema": definition["KeySchema"],
        "BillingMode": definition["BillingMode"],
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "SSESpecification": {"SSEEnabled": True},
    }
    for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if definition.get(kind):
            properties[kind] = definition[kind]
    if ttl_attribute:
        properties["TimeToLiveSpecification"] = {"AttributeName": ttl_attribute, "Enabled": True}
    if "StreamSpecification" in definition:
        # CloudFormation has no StreamEnabled: giving a view type is what enables the stream.
        properties["StreamSpecification"] = {
            "StreamViewType": definition["StreamSpecification"]["StreamViewType"],
        }
    return {
        "Type": "AWS::DynamoDB::Table",
        # Data outlives the stack: deleting or replacing it never drops a table.
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": properties,
    }


def queue_resource(base_name: str) -> dict:
    return {
        "Type": "AWS::SQS::Queue",
        "Properties": {
            "QueueName": physical_name(base_name),
            "SqsManagedSseEnabled": True,
            "VisibilityTimeout": QUEUE_VISIBILITY_TIMEOUT_SECONDS,
            "RedrivePolicy": {
                "deadLetterTargetArn": {
                    "Fn::GetAtt": [logical_id(base_name, "DeadLetterQueue"), "Arn"]},
                "maxReceiveCount": QUEUE_MAX_RECEIVES,
            },
        },
    }


def dead_letter_queue_resource(base_name: str) -> dict:
    return {
        "Type": "AWS::SQS::Queue",
        "Properties": {
            "QueueName": physical_name(f"{base_name}-dead-letters"),
            "SqsManagedSseEnabled": True,
            "MessageRetentionPeriod": 14 * 24 * 3600,
        },
    }


def queue_env_var(base_name: str) -> str:
    return "SHELF_" + re.sub(r"[^0-9A-Za-z]+", "_", base_name).upper() + "_QUEUE_URL"


def role_policy(table_ids: list[str], indexed_table_ids: set[str], queue_ids: list[str],
                streamed_table_ids: list[str], failure_queue_ids: list[str]) -> dict:
    """The one inline policy of the functions' role, scoped to this stack's resources.

    `queue_ids` are read and written (SQS_ACTIONS); `failure_queue_ids`, where Lambda puts what
    failed, only sent to. The one `Resource: "*"` is X-Ray's, which has no resource-level
    permissions (tests/unit/test_template_security.py lists the allowed exceptions).
    """
    log_group = (
        "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/*"
    )
    statements: list[dict] = [
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": list(LOG_ACTIONS),
            "Resource": [{"Fn::Sub": log_group}, {"Fn::Sub": log_group + ":log-stream:*"}],
        }
    ]
    table_arns: list[dict] = []
    for table_id in table_ids:
        table_arns.append({"Fn::GetAtt": [table_id, "Arn"]})
        if table_id in indexed_table_ids:
            table_arns.append({"Fn::Sub": f"${{{table_id}.Arn}}/index/*"})
    if table_arns:
        statements.append(
            {
                "Sid": "DynamoDBItems",
                "Effect": "Allow",
                "Action": list(DYNAMODB_ITEM_ACTIONS),
                "Resource": table_arns,
            }
        )
    if streamed_table_ids:
        statements.append(
            {
                "Sid": "DynamoDBStreams",
                "Effect": "Allow",
                "Action": list(STREAM_READ_ACTIONS),
                "Resource": [{"Fn::GetAtt": [table_id, "StreamArn"]}
                             for table_id in streamed_table_ids],
            }
        )
    if queue_ids:
        statements.append(
            {
                "Sid": "Queues",
                "Effect": "Allow",
                "Action": list(SQS_ACTIONS),
                "Resource": [{"Fn::GetAtt": [queue_id, "Arn"]} for queue_id in queue_ids],
            }
        )
    if failure_queue_ids:
        statements.append(
            {
                "Sid": "DeadLetters",
                "Effect": "Allow",
                "Action": ["sqs:SendMessage"],
                "Resource": [{"Fn::GetAtt": [queue_id, "Arn"]} for queue_id in failure_queue_ids],
            }
        )
    # API Gateway traces requests (infra.hardening); the functions' runtime sends its segments
    statements.append(
        {
            "Sid": "XRay",
            "Effect": "Allow",
            "Action": list(XRAY_ACTIONS),
            "Resource": "*",
        }
    )
    return {
        "PolicyName": POLICY_NAME,
        "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
    }


def build_template(progress=print) -> dict:
    """The merge template, from the store's table definitions."""
    from chalicelib.store import tables

    resources: dict[str, dict] = {}
    outputs: dict[str, dict] = {}

    def add(resource_id: str, resource: dict, source: str) -> None:
        if resource_id in resources:
            raise SystemExit(
                f"infra.build: {source} maps to logical id {resource_id}, "
                "which another table or queue already uses"
            )
        resources[resource_id] = resource

    table_ids: list[str] = []
    indexed_table_ids: set[str] = set()
    streamed_table_ids: list[str] = []
    for base_name in sorted(tables.MODELS):
        definition = tables.table_definition(base_name)
        table_id = logical_id(base_name, "Table")
        resource = table_resource(base_name, definition, tables.TTL_ATTRIBUTES.get(base_name))
        add(table_id, resource, f"table {base_name!r}")
        table_ids.append(table_id)
        properties = resource["Properties"]
        gsis = len(properties.get("GlobalSecondaryIndexes", []))
        lsis = len(properties.get("LocalSecondaryIndexes", []))
        if gsis or lsis:
            indexed_table_ids.add(table_id)
        outputs[table_id + "Name"] = {
            "Description": f"Name of the {base_name} table",
            "Value": {"Ref": table_id},
        }
        extras = [f"{gsis} GSI", f"{lsis} LSI"]
        if "TimeToLiveSpecification" in properties:
            extras.append(f"TTL on {properties['TimeToLiveSpecification']['AttributeName']}")
        if "StreamSpecification" in properties:
            extras.append(f"stream {properties['StreamSpecification']['StreamViewType']}")
            streamed_table_ids.append(table_id)
        progress(f"  table {base_name} -> {table_id} ({', '.join(extras)})")

    variables: dict[str, Any] = {"SHELF_TABLE_PREFIX": {"Fn::Sub": "${AWS::StackName}-"}}
    variables.update({env_var: {"Ref": parameter} for parameter, env_var, _ in SECRETS})
    variables.update({env_var: {"Ref": parameter} for parameter, env_var, _ in OIDC_PARAMETERS})

    queue_ids: list[str] = []
    for base_name in sorted(QUEUES):
        queue_id = logical_id(base_name, "Queue")
        add(queue_id, queue_resource(base_name), f"queue {base_name!r}")
        add(logical_id(base_name, "DeadLetterQueue"), dead_letter_queue_resource(base_name),
            f"dead-letter queue of {base_name!r}")
        queue_ids.append(queue_id)
        variables[queue_env_var(base_name)] = {"Ref": queue_id}
        outputs[queue_id + "Url"] = {
            "Description": f"URL of the {base_name} queue",
            "Value": {"Ref": queue_id},
        }
        progress(f"  queue {base_name} -> {queue_id}")

    # the stream consumers' failure destinations (EVENT_SOURCES), and the scheduled functions'
    # dead-letter queue (infra.hardening): Lambda only sends to these
    failure_queue_ids: list[str] = []
    for stream in STREAM_FAILURE_QUEUES:
        failures_id = logical_id(stream, "DeadLetterQueue")
        add(failures_id, dead_letter_queue_resource(stream),
            f"failure destination of the {stream} consumer")
        failure_queue_ids.append(failures_id)
    schedule_failures_id = logical_id(hardening.SCHEDULE_FAILURE_QUEUE, "DeadLetterQueue")
    add(schedule_failures_id, dead_letter_queue_resource(hardening.SCHEDULE_FAILURE_QUEUE),
        "dead-letter queue of the scheduled functions")
    failure_queue_ids.append(schedule_failures_id)

    resources[ROLE] = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": LAMBDA_TRUST_POLICY,
            # A list, so the merge replaces chalice's policy-<stage>.json placeholder outright.
            "Policies": [role_policy(table_ids, indexed_table_ids, queue_ids,
                                     streamed_table_ids, failure_queue_ids)],
        },
    }
    for function_id, event_id, properties in EVENT_SOURCES:
        resources[function_id] = {"Properties": {"Events": {event_id: {
            "Properties": properties}}}}
        progress(f"  event source {function_id}.{event_id} -> this stack's resource")
    template = {
        "Parameters": {
            parameter: {
                "Type": "String",
                "NoEcho": True,
                "MinLength": SECRET_MIN_LENGTH,
                "Description": f"{description} (at least {SECRET_MIN_LENGTH} characters)",
            }
            for parameter, _, description in SECRETS
        } | {
            parameter: {"Type": "String", **properties}
            for parameter, _, properties in OIDC_PARAMETERS
        },
        "Globals": {"Function": {"Environment": {"Variables": variables}}},
        "Resources": resources,
        "Outputs": outputs,
    }
    # throttling, CORS, reserved concurrency, alarms, scanner suppressions (`make scan`)
    return hardening.apply(template, schedule_failures_id, progress)


def render(template: dict) -> str:
    """Deterministic text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(template, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _prepare_environment() -> None:
    """Let chalicelib import with SHELF_STAGE unset or set to anything.

    Table names are computed at import, and a deployed stage refuses to load settings without its
    secrets. Neither matters here (the template uses base names and CloudFormation parameters),
    so missing secrets get a placeholder that lives only in this process.
    """
    os.environ.setdefault("SHELF_STAGE", "prod")
    for _, env_var, _ in SECRETS:
        os.environ.setdefault(env_var, "infra-build-placeholder-never-deployed")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.build", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if infra/resources.json differs from the generated template",
    )
    args = parser.parse_args(argv)

    _prepare_environment()
    text = render(build_template())
    relative = "infra/resources.json"

    if args.check:
        if not RESOURCES_PATH.exists():
            print(
                f"error: {relative} does not exist. Run `python -m infra.build` and commit it.",
                file=sys.stderr,
            )
            return 1
        current = RESOURCES_PATH.read_text(encoding="utf-8")
        if current == text:
            print(f"{relative} is up to date")
            return 0
        diff = list(
            difflib.unified_diff(
                current.splitlines(keepends=True),
                text.splitlines(keepends=True),
                fromfile=f"{relative} (committed)",
                tofile=f"{relative} (generated)",
            )
        )
        sys.stderr.writelines(diff[:60])
        if len(diff) > 60:
            sys.stderr.write(f"... {len(diff) - 60} more diff lines\n")
        print(
            f"error: {relative} is out of date with chalicelib/store/tables.py "
            f"(or infra/build.py).\nRun `python -m infra.build` and commit {relative}.",
            file=sys.stderr,
        )
        return 1

    RESOURCES_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {relative}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
