"""A stack's AWS credentials as its provider builds them (``components.config.credentials``): the
settings' checks, and the sessions, against moto's STS (which answers AssumeRole and
AssumeRoleWithWebIdentity with credentials of the role's account) and botocore's Stubber where the
exact request matters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from components.config.credentials import AssumedRole, StackCredentials, stack_credentials, stack_session
from components.errors import ConfigError

DEV_ROLE = "arn:aws:iam::222222222222:role/deploy"
AUDIT_ROLE = "arn:aws:iam::333333333333:role/audit"


def test_profile_then_both_role_settings_in_order() -> None:
    config = {
        "aws:profile": "ci",
        "aws:assumeRole": {"roleArn": DEV_ROLE, "sessionName": "one"},
        "aws:assumeRoles": [{"roleArn": AUDIT_ROLE, "externalId": "x-1", "duration": "1h30m"}],
    }
    credentials = stack_credentials(config)
    assert credentials == StackCredentials(
        "ci",
        None,
        (
            AssumedRole(DEV_ROLE, session_name="one"),
            AssumedRole(AUDIT_ROLE, external_id="x-1", duration_seconds=5400),
        ),
    )
    assert credentials.describe() == f"profile ci then role {DEV_ROLE} then role {AUDIT_ROLE}"
    assert stack_credentials({}).describe() == "default credentials"


def test_the_engines_json_text_reads_as_the_files_values() -> None:
    """Under ``pulumi config --json`` and the engine, structured values arrive as JSON text."""
    roles = [
        {"roleArn": DEV_ROLE, "policyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"], "tags": {"ci": "1"}}
    ]
    assert stack_credentials({"aws:assumeRoles": json.dumps(roles)}) == stack_credentials(
        {"aws:assumeRoles": roles}
    )


def test_with_profile_keeps_the_roles() -> None:
    credentials = stack_credentials({"aws:profile": "dev-deploy", "aws:assumeRoles": [{"roleArn": DEV_ROLE}]})
    assert credentials.with_profile(None).describe() == f"default credentials then role {DEV_ROLE}"
    assert credentials.with_profile("audit").describe() == f"profile audit then role {DEV_ROLE}"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"aws:profile": ""}, 'aws:profile: "" is not an AWS profile name (a non-empty string)'),
        (
            {"aws:assumeRoles": {"roleArn": DEV_ROLE}},
            f'aws:assumeRoles: {{"roleArn": "{DEV_ROLE}"}} is not a list of roles (each with a roleArn)',
        ),
        (
            {"aws:assumeRoles": [{"roleArn": "deploy"}]},
            'aws:assumeRoles[0].roleArn: "deploy" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>, '
            "or role/<path>/<name>)",
        ),
        (
            {"aws:assumeRole": {"roleArn": DEV_ROLE, "role_arn": DEV_ROLE}},
            f'aws:assumeRole.role_arn: "{DEV_ROLE}" is not a setting of the provider here (duration, externalId, '
            "policy, policyArns, roleArn, sessionName, sourceIdentity, tags, transitiveTagKeys)",
        ),
        (
            {"aws:assumeRoles": [{"roleArn": DEV_ROLE, "duration": "3600"}]},
            'aws:assumeRoles[0].duration: "3600" is not a duration like "1h" or "45m" (units h, m, s)',
        ),
        (
            {"aws:assumeRoles": [{"roleArn": DEV_ROLE, "duration": "13h"}]},
            'aws:assumeRoles[0].duration: "13h" is not between 15 minutes and 12 hours (STS role sessions)',
        ),
        (
            {"aws:assumeRoles": [{"roleArn": DEV_ROLE, "sessionName": 7}]},
            "aws:assumeRoles[0].sessionName: 7 is not a non-empty string",
        ),
        (
            {"aws:assumeRoleWithWebIdentity": {"roleArn": DEV_ROLE}},
            f'aws:assumeRoleWithWebIdentity: {{"roleArn": "{DEV_ROLE}"}} names no token: set webIdentityToken or '
            "webIdentityTokenFile (or use the default credential chain's AWS_ROLE_ARN and "
            "AWS_WEB_IDENTITY_TOKEN_FILE)",
        ),
        ({"aws:assumeRoles": "[{"}, 'aws:assumeRoles: "[{" is not a role object (roleArn, sessionName...)'),
    ],
)
def test_each_bad_setting_is_one_message(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        stack_credentials(config)
    assert str(raised.value) == message


def caller(session: Any) -> str:
    return str(session.client("sts", region_name="us-east-1").get_caller_identity()["Arn"])


def test_the_roles_are_assumed_in_order_from_the_base_credentials(aws: None) -> None:
    credentials = stack_credentials(
        {"aws:assumeRoles": [{"roleArn": DEV_ROLE, "sessionName": "first"}, {"roleArn": AUDIT_ROLE}]}
    )
    bases: list[str | None] = []

    def base(profile: str | None, region: str) -> Any:
        bases.append(profile)
        return boto3.Session(region_name=region)

    session = stack_session(credentials, "us-east-1", base)
    assert bases == [None]
    assert caller(session) == "arn:aws:sts::333333333333:assumed-role/audit/ecr-share"


def test_no_roles_is_the_base_session_itself(aws: None) -> None:
    base_session = boto3.Session(region_name="eu-west-1")
    assert (
        stack_session(StackCredentials("ci"), "eu-west-1", lambda profile, region: base_session)
        is base_session
    )


def test_the_assume_role_request_carries_every_setting() -> None:
    """moto does not keep what an AssumeRole asked for: botocore's Stubber checks the request."""
    credentials = stack_credentials(
        {
            "aws:assumeRoles": [
                {
                    "roleArn": DEV_ROLE,
                    "sessionName": "ci-run",
                    "externalId": "x-1",
                    "duration": "15m",
                    "policyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                    "sourceIdentity": "alice",
                    "tags": {"team": "platform"},
                    "transitiveTagKeys": ["team"],
                }
            ]
        }
    )
    sts = boto3.client("sts", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    stubber = Stubber(sts)
    answer = {
        "Credentials": {
            "AccessKeyId": "ASIAEXAMPLEEXAMPLE",
            "SecretAccessKey": "secret",
            "SessionToken": "token",
            "Expiration": "2030-01-01T00:00:00Z",
        }
    }
    stubber.add_response(
        "assume_role",
        answer,
        {
            "RoleArn": DEV_ROLE,
            "RoleSessionName": "ci-run",
            "ExternalId": "x-1",
            "DurationSeconds": 900,
            "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
            "SourceIdentity": "alice",
            "Tags": [{"Key": "team", "Value": "platform"}],
            "TransitiveTagKeys": ["team"],
        },
    )

    class Base:
        def client(self, service: str, region_name: str) -> Any:
            assert (service, region_name) == ("sts", "us-east-1")
            return sts

    with stubber:
        session = stack_session(credentials, "us-east-1", lambda profile, region: Base())
    stubber.assert_no_pending_responses()
    frozen = session.get_credentials().get_frozen_credentials()
    assert (frozen.access_key, frozen.token) == ("ASIAEXAMPLEEXAMPLE", "token")


def test_a_web_identity_token_file_is_exchanged_for_the_role(aws: None, tmp_path: Path) -> None:
    """``aws:assumeRoleWithWebIdentity`` (an OIDC token, as CI writes it) replaces the profile and the
    default chain; the roles of ``aws:assumeRoles`` are assumed on top of it."""
    token = tmp_path / "token"
    token.write_text("eyJ.token.sig\n", encoding="utf-8")
    credentials = stack_credentials(
        {
            "aws:profile": "ignored",
            "aws:assumeRoleWithWebIdentity": {"roleArn": DEV_ROLE, "webIdentityTokenFile": str(token)},
            "aws:assumeRoles": [{"roleArn": AUDIT_ROLE}],
        }
    )
    assert credentials.describe() == f"web identity role {DEV_ROLE} then role {AUDIT_ROLE}"
    bases: list[str | None] = []

    def base(profile: str | None, region: str) -> Any:
        bases.append(profile)
        return boto3.Session(region_name=region)

    assert caller(stack_session(credentials, "us-east-1", base)) == (
        "arn:aws:sts::333333333333:assumed-role/audit/ecr-share"
    )
    assert bases == [None]  # the base session only carries the unsigned AssumeRoleWithWebIdentity


def test_a_profile_of_the_aws_config_reaches_its_account(
    aws: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default base session: boto3's own profile resolution (a profile that assumes a role)."""
    config = tmp_path / "aws-config"
    config.write_text(
        f"[default]\nregion = us-east-1\n\n[profile dev-deploy]\nrole_arn = {DEV_ROLE}\nsource_profile = default\n",
        encoding="utf-8",
    )
    credentials_file = tmp_path / "aws-credentials"
    credentials_file.write_text("[default]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials_file))
    session = stack_session(stack_credentials({"aws:profile": "dev-deploy"}), "us-east-1")
    assert caller(session).startswith("arn:aws:sts::222222222222:assumed-role/deploy/")
