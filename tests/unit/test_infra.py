"""infra/resources.json: generated from the store models, and merged into a SAM template that
cfn-lint accepts and that grants the functions item-level DynamoDB access and nothing wider."""

from __future__ import annotations

import json
import re
import subprocess

from chalicelib.store.tables import MODELS, STREAM_VIEWS, TTL_ATTRIBUTES, table_definition
from infra import build
from tests.infra_support import BIN, ROOT, package_app

RESOURCES = ROOT / "infra" / "resources.json"
STACK_PREFIX = "${AWS::StackName}-"


def _committed() -> dict:
    return json.loads(RESOURCES.read_text(encoding="utf-8"))


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _tables(template: dict) -> dict[str, tuple[str, dict]]:
    """base name → (logical id, resource) for every DynamoDB table in the template."""
    tables = {}
    for resource_id, resource in template["Resources"].items():
        if resource.get("Type") != "AWS::DynamoDB::Table":  # event-source patches have none
            continue
        name = resource["Properties"]["TableName"]["Fn::Sub"]
        assert name.startswith(STACK_PREFIX), f"{resource_id} is not named after the stack"
        tables[name.removeprefix(STACK_PREFIX)] = (resource_id, resource)
    return tables


def _indexes(indexes: list[dict]) -> dict[str, tuple]:
    return {index["IndexName"]: (index["KeySchema"], index["Projection"]) for index in indexes}


def _policy_statements(template: dict) -> list[dict]:
    policies = template["Resources"][build.ROLE]["Properties"]["Policies"]
    return [
        statement
        for policy in policies
        for statement in _as_list(policy["PolicyDocument"]["Statement"])
    ]


def test_committed_template_is_what_the_generator_writes():
    generated = build.render(build.build_template(progress=lambda _line: None))
    assert RESOURCES.read_text(encoding="utf-8") == generated, (
        "infra/resources.json is stale: run `python -m infra.build` and commit it"
    )


def test_every_table_and_index_matches_its_store_model():
    template = _committed()
    tables = _tables(template)
    assert sorted(tables) == sorted(MODELS), "one table per MODELS entry, and no other"

    dynamodb_resources = [
        resource
        for statement in _policy_statements(template)
        if any(a.startswith("dynamodb:") for a in _as_list(statement["Action"]))
        for resource in _as_list(statement["Resource"])
    ]
    for base_name in MODELS:
        resource_id, resource = tables[base_name]
        expected = table_definition(base_name)
        properties = resource["Properties"]
        assert properties["KeySchema"] == expected["KeySchema"], base_name
        assert (
            sorted(properties["AttributeDefinitions"], key=lambda a: a["AttributeName"])
            == expected["AttributeDefinitions"]
        ), base_name
        assert properties["BillingMode"] == "PAY_PER_REQUEST", base_name
        for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            assert _indexes(properties.get(kind, [])) == _indexes(expected.get(kind, [])), (
                f"{base_name} {kind}"
            )
        if base_name in TTL_ATTRIBUTES:
            assert properties["TimeToLiveSpecification"] == {
                "AttributeName": TTL_ATTRIBUTES[base_name],
                "Enabled": True,
            }
        else:
            assert "TimeToLiveSpecification" not in properties, base_name
        if base_name in STREAM_VIEWS:
            assert properties["StreamSpecification"] == {"StreamViewType": STREAM_VIEWS[base_name]}
        else:
            assert "StreamSpecification" not in properties, base_name
        assert properties["PointInTimeRecoverySpecification"] == {
            "PointInTimeRecoveryEnabled": True
        }
        assert properties["SSESpecification"] == {"SSEEnabled": True}
        assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"

        # The functions may reach the table, and its indexes when it has any.
        assert {"Fn::GetAtt": [resource_id, "Arn"]} in dynamodb_resources, base_name
        if expected.get("GlobalSecondaryIndexes") or expected.get("LocalSecondaryIndexes"):
            assert {"Fn::Sub": f"${{{resource_id}.Arn}}/index/*"} in dynamodb_resources


def _is_scoped_dynamodb_resource(resource) -> bool:
    """A table ARN from GetAtt, or `${Table.Arn}/index/*`: never `*` nor a wildcard table."""
    if isinstance(resource, dict) and "Fn::GetAtt" in resource:
        return resource["Fn::GetAtt"][1] == "Arn"
    if isinstance(resource, dict) and isinstance(resource.get("Fn::Sub"), str):
        text = resource["Fn::Sub"]
        return "*" not in text or re.fullmatch(r"\$\{\w+\.Arn\}/index/\*", text) is not None
    return isinstance(resource, str) and "*" not in resource


def test_chalice_package_merges_into_a_lint_clean_least_privilege_template(tmp_path):
    sam = tmp_path / "packaged" / "sam.json"
    template = package_app(sam.parent)
    resources = template["Resources"]

    functions = {rid: r for rid, r in resources.items() if r["Type"] == "AWS::Serverless::Function"}
    assert functions
    role = {"Fn::GetAtt": [build.ROLE, "Arn"]}
    elsewhere = {
        rid: r["Properties"].get("Role")
        for rid, r in functions.items()
        if r["Properties"].get("Role") != role
    }
    assert not elsewhere, (
        f"functions not running as {build.ROLE} never get the merged policy: {elsewhere}. "
        "chalice shares one DefaultRole only when the stage's autogen_policy is true; with "
        "false it makes one <Function>Role per function from policy-<stage>.json"
    )

    actions = set()
    for statement in _policy_statements(template):
        statement_actions = _as_list(statement["Action"])
        actions.update(statement_actions)
        if set(statement_actions) <= set(build.STREAM_READ_ACTIONS):
            # stream reads: only on this stack's tables' streams
            for resource in _as_list(statement["Resource"]):
                assert resource.get("Fn::GetAtt", [None, None])[1] == "StreamArn", resource
        elif any(a.startswith("dynamodb:") for a in statement_actions):
            assert set(statement_actions) <= set(build.DYNAMODB_ITEM_ACTIONS), statement_actions
            for resource in _as_list(statement["Resource"]):
                assert _is_scoped_dynamodb_resource(resource), resource
    assert "dynamodb:Scan" not in actions
    assert not {a for a in actions if a.endswith("*")}, "no wildcard actions"
    assert set(build.DYNAMODB_ITEM_ACTIONS) <= actions

    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["SHELF_TABLE_PREFIX"] == {"Fn::Sub": STACK_PREFIX}
    assert variables["SHELF_CURSOR_SECRET"] == {"Ref": "CursorSecret"}
    for parameter, env_var, _ in build.SECRETS:
        assert variables[env_var] == {"Ref": parameter}
        assert template["Parameters"][parameter]["NoEcho"] is True
        assert template["Parameters"][parameter]["MinLength"] >= 32
    # deployed stages verify RS256 tokens from the OIDC issuer: no HS256 secret reaches them
    assert "SHELF_JWT_SECRET" not in variables and "JwtSecret" not in template["Parameters"]
    oidc = {env_var: parameter for parameter, env_var, _ in build.OIDC_PARAMETERS}
    assert set(oidc) == {"SHELF_OIDC_ISSUER", "SHELF_OIDC_CLIENT_IDS", "SHELF_OIDC_TOKEN_USE",
                         "SHELF_OIDC_ROLE_CLAIM", "SHELF_OIDC_JWKS_URL"}
    for env_var, parameter in oidc.items():
        assert variables[env_var] == {"Ref": parameter}
    parameters = template["Parameters"]
    assert "Default" not in parameters[oidc["SHELF_OIDC_ISSUER"]]  # no stack without an issuer
    assert "Default" not in parameters[oidc["SHELF_OIDC_CLIENT_IDS"]]
    assert parameters[oidc["SHELF_OIDC_TOKEN_USE"]]["AllowedValues"] == ["access", "id"]
    assert sorted(_tables(template)) == sorted(MODELS)

    # event sources read this stack's stream and queue, not chalice's placeholders, and
    # report partial batch failures
    for function_id, event_id, _ in build.EVENT_SOURCES:
        source = resources[function_id]["Properties"]["Events"][event_id]["Properties"]
        target = source.get("Stream") or source.get("Queue")
        assert isinstance(target, dict) and set(target) == {"Fn::GetAtt"}, source
        assert target["Fn::GetAtt"][0] in resources
        assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]

    # No --ignore-checks: chalice's SAM output merged with infra/resources.json lints clean.
    linted = subprocess.run(
        [str(BIN / "cfn-lint"), str(sam)], capture_output=True, text=True, timeout=300
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_oidc_parameters_take_a_cognito_pool_and_refuse_what_settings_would():
    """CloudFormation refuses these before a function starts; settings would refuse them after."""
    parameters = _committed()["Parameters"]

    def allowed(parameter: str, value: str) -> bool:
        return re.fullmatch(parameters[parameter]["AllowedPattern"], value) is not None

    assert allowed("OidcIssuer", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123")
    for issuer in ("http://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123", "",
                   "https://", "https://pool id"):
        assert not allowed("OidcIssuer", issuer), issuer
    assert allowed("OidcClientIds", "4tq0abc") and allowed("OidcClientIds", "web1,ios2")
    for ids in ("", "web1, ios2", "web1,", ","):
        assert not allowed("OidcClientIds", ids), ids
    assert allowed("OidcJwksUrl", "") and not allowed("OidcJwksUrl", "http://keys/jwks.json")
    assert allowed("OidcRoleClaim", "custom:role") and not allowed("OidcRoleClaim", "")
