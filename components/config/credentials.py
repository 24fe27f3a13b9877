"""A stack's AWS credentials as its own provider gets them, for every boto3 read outside ``pulumi up``
(``verify --live``, ``verify --live --pull``, ``--access-analyzer``, the pipeline's registry reads).

The AWS provider (pulumi-aws 7, terraform-provider-aws 6) builds its credentials in this order:

1. the base credentials: ``aws:assumeRoleWithWebIdentity`` if set, else ``aws:profile`` if set, else
   the default credential chain (environment variables, ``AWS_PROFILE``, the web identity token of
   ``AWS_ROLE_ARN`` and ``AWS_WEB_IDENTITY_TOKEN_FILE`` that CI's OIDC sets, instance and container
   roles);
2. then each role of ``aws:assumeRoles`` (pulumi-aws 7's list, assumed in order, each with the
   credentials of the one before: role chaining), after ``aws:assumeRole`` (pulumi-aws 6's single
   role) if a stack file still sets it.

``stack_credentials`` parses those settings once, with the config checks' messages, and
``stack_session`` turns them into one boto3 session. Sources: pulumi-aws 7.51.1's provider config
(``pulumi_aws/config/vars.py``: ``assumeRoles``, ``assumeRoleWithWebIdentity``, ``profile``; the
fields of ``config/outputs.py``'s ``AssumeRoles`` and ``AssumeRoleWithWebIdentity``); STS AssumeRole and
AssumeRoleWithWebIdentity (DurationSeconds 900 to 43200).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from components.aws.rules import lazy_pattern
from components.config import values
from components.errors import ConfigError

PROFILE_KEY = "aws:profile"
ASSUME_ROLE_KEY = "aws:assumeRole"
ASSUME_ROLES_KEY = "aws:assumeRoles"
WEB_IDENTITY_KEY = "aws:assumeRoleWithWebIdentity"
CREDENTIAL_KEYS = (PROFILE_KEY, ASSUME_ROLE_KEY, ASSUME_ROLES_KEY, WEB_IDENTITY_KEY)

ROLE_FIELDS = frozenset(
    {
        "roleArn",
        "sessionName",
        "externalId",
        "duration",
        "policy",
        "policyArns",
        "sourceIdentity",
        "tags",
        "transitiveTagKeys",
    }
)
WEB_IDENTITY_FIELDS = frozenset(
    {"roleArn", "sessionName", "duration", "policy", "policyArns", "webIdentityToken", "webIdentityTokenFile"}
)
NOT_TEXT = frozenset({"roleArn", "policyArns", "tags", "transitiveTagKeys"})
DEFAULT_SESSION_NAME = "ecr-share"
# STS: a role session lasts 900 s to 43200 s (12 h); the provider's `duration` is a Go duration.
MIN_DURATION, MAX_DURATION = 900, 43200
GO_DURATION = lazy_pattern(r"(?:[0-9]+(?:\.[0-9]*)?(?:ns|us|µs|ms|s|m|h))+")
GO_DURATION_PART = lazy_pattern(r"([0-9]+(?:\.[0-9]*)?)(ns|us|µs|ms|s|m|h)")
SECONDS_PER_UNIT = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


@functools.cache
def _models() -> Any:
    """The AWS service models, parsed once for every session a process creates. boto3 is imported
    here, on first use, not with the module: the program checks the credential settings at
    ``pulumi up`` and needs no boto3 for that (requirements.txt holds only what ``pulumi up`` needs)."""
    import botocore.loaders

    return botocore.loaders.create_loader()


@dataclass(frozen=True)
class AssumedRole:
    """One role the provider assumes (an ``aws:assumeRoles`` entry, or ``aws:assumeRoleWithWebIdentity``)."""

    role_arn: str
    session_name: str = DEFAULT_SESSION_NAME
    external_id: str | None = None
    duration_seconds: int | None = None
    policy: str | None = None
    policy_arns: tuple[str, ...] = ()
    source_identity: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    transitive_tag_keys: tuple[str, ...] = ()
    web_identity_token: str | None = None
    web_identity_token_file: str | None = None

    def request(self) -> dict[str, Any]:
        """The STS AssumeRole (or AssumeRoleWithWebIdentity) parameters."""
        wanted: dict[str, Any] = {
            "RoleArn": self.role_arn,
            "RoleSessionName": self.session_name,
            "ExternalId": self.external_id,
            "DurationSeconds": self.duration_seconds,
            "Policy": self.policy,
            "PolicyArns": [{"arn": arn} for arn in self.policy_arns] or None,
            "SourceIdentity": self.source_identity,
            "Tags": [{"Key": k, "Value": v} for k, v in self.tags] or None,
            "TransitiveTagKeys": list(self.transitive_tag_keys) or None,
        }
        return {name: value for name, value in wanted.items() if value is not None}


@dataclass(frozen=True)
class StackCredentials:
    """How a stack's provider reaches its account: base credentials, then a chain of roles."""

    profile: str | None = None
    web_identity: AssumedRole | None = None
    roles: tuple[AssumedRole, ...] = field(default=())

    def with_profile(self, profile: str | None) -> StackCredentials:
        """The same roles on top of another profile (``--profile``; None: the default chain)."""
        return replace(self, profile=profile, web_identity=None)

    def describe(self) -> str:
        if self.web_identity is not None:
            how = [f"web identity role {self.web_identity.role_arn}"]
        else:
            how = [f"profile {self.profile}" if self.profile else "default credentials"]
        return " then ".join(how + [f"role {role.role_arn}" for role in self.roles])


def stack_credentials(config: Mapping[str, Any]) -> StackCredentials:
    """The credential settings of one stack's config (file values or the engine's JSON text)."""
    profile = config.get(PROFILE_KEY)
    if profile is not None and (not isinstance(profile, str) or not profile):
        raise ConfigError(PROFILE_KEY, profile, "is not an AWS profile name (a non-empty string)")
    roles: list[AssumedRole] = []
    single = _structured(config, ASSUME_ROLE_KEY)
    if single is not None:
        roles.append(_role(ASSUME_ROLE_KEY, single, ROLE_FIELDS))
    chain = _structured(config, ASSUME_ROLES_KEY)
    if chain is not None:
        if not isinstance(chain, list):
            raise ConfigError(ASSUME_ROLES_KEY, chain, "is not a list of roles (each with a roleArn)")
        roles += [_role(f"{ASSUME_ROLES_KEY}[{i}]", role, ROLE_FIELDS) for i, role in enumerate(chain)]
    web = _structured(config, WEB_IDENTITY_KEY)
    web_identity = None if web is None else _role(WEB_IDENTITY_KEY, web, WEB_IDENTITY_FIELDS)
    return StackCredentials(profile or None, web_identity, tuple(roles))


BaseSession = Callable[[str | None, str], Any]
"""(profile or None, region) -> a boto3 Session with the base credentials."""


def base_session(profile: str | None, region: str) -> Any:
    return _boto3_session(region, profile=profile)


def stack_session(credentials: StackCredentials, region: str, base: BaseSession = base_session) -> Any:
    """A boto3 session with the credentials the stack's provider would use, in ``region``. The roles
    are assumed here, once; their credentials last the role's session (1 hour by default)."""
    if credentials.web_identity is not None:
        role = credentials.web_identity
        request = {**role.request(), "WebIdentityToken": _web_identity_token(role)}
        # AssumeRoleWithWebIdentity is not signed: no base credentials are needed.
        sts = base(None, region).client("sts", region_name=region)
        session = _session_with(sts.assume_role_with_web_identity(**request)["Credentials"], region)
    else:
        session = base(credentials.profile, region)
    for role in credentials.roles:
        answer = session.client("sts", region_name=region).assume_role(**role.request())
        session = _session_with(answer["Credentials"], region)
    return session


def _session_with(credentials: Mapping[str, Any], region: str) -> Any:
    return _boto3_session(
        region, keys=(credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])
    )


def _boto3_session(region: str, profile: str | None = None, keys: tuple[str, str, str] | None = None) -> Any:
    """A boto3 session on the shared models: a profile's (or the default chain's), or these keys."""
    import boto3
    import botocore.session

    core = botocore.session.Session(profile=profile)
    core.register_component("data_loader", _models())
    if keys is not None:
        core.set_credentials(*keys)
    return boto3.Session(botocore_session=core, region_name=region)


def _web_identity_token(role: AssumedRole) -> str:
    if role.web_identity_token:
        return role.web_identity_token
    assert role.web_identity_token_file is not None  # _role requires one of the two
    return Path(role.web_identity_token_file).read_text(encoding="utf-8").strip()


def _structured(config: Mapping[str, Any], key: str) -> Any:
    """A structured value as the file gives it, or as JSON text as the engine gives it."""
    value = config.get(key)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise ConfigError(key, value, "is not a role object (roleArn, sessionName...)") from None
    return value


def _role(key: str, value: Any, fields: frozenset[str]) -> AssumedRole:
    if not isinstance(value, Mapping):
        raise ConfigError(key, value, "is not a role object with a roleArn")
    unknown = sorted(set(value) - fields)
    if unknown:
        raise ConfigError(
            f"{key}.{unknown[0]}",
            value[unknown[0]],
            f"is not a setting of the provider here ({', '.join(sorted(fields))})",
        )
    arn = values.role_arn(f"{key}.roleArn", value.get("roleArn"))
    text = {name: _text(f"{key}.{name}", value.get(name)) for name in fields - NOT_TEXT}
    if fields == WEB_IDENTITY_FIELDS and not (text["webIdentityToken"] or text["webIdentityTokenFile"]):
        raise ConfigError(
            key,
            dict(value),
            "names no token: set webIdentityToken or webIdentityTokenFile (or use the "
            "default credential chain's AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE)",
        )
    return AssumedRole(
        role_arn=arn,
        session_name=text["sessionName"] or DEFAULT_SESSION_NAME,
        external_id=text.get("externalId"),
        duration_seconds=_duration(f"{key}.duration", text["duration"]),
        policy=text["policy"],
        policy_arns=_strings(f"{key}.policyArns", value.get("policyArns")),
        source_identity=text.get("sourceIdentity"),
        tags=tuple(sorted(_tags(f"{key}.tags", value.get("tags")).items())),
        transitive_tag_keys=_strings(f"{key}.transitiveTagKeys", value.get("transitiveTagKeys")),
        web_identity_token=text.get("webIdentityToken"),
        web_identity_token_file=text.get("webIdentityTokenFile"),
    )


def _text(key: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError(key, value, "is not a non-empty string")
    return value


def _strings(key: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(key, value, "is not a list of strings")
    return tuple(value)


def _tags(key: str, value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError(key, value, "is not a map of tag names to string values")
    return dict(value)


def _duration(key: str, value: str | None) -> int | None:
    """The provider's Go duration ("1h", "90m", "1h30m") in whole seconds, within STS's bounds."""
    if value is None:
        return None
    if GO_DURATION.fullmatch(value) is None:
        raise ConfigError(key, value, 'is not a duration like "1h" or "45m" (units h, m, s)')
    seconds = sum(float(n) * SECONDS_PER_UNIT[unit] for n, unit in GO_DURATION_PART.findall(value))
    if not MIN_DURATION <= seconds <= MAX_DURATION:
        raise ConfigError(key, value, "is not between 15 minutes and 12 hours (STS role sessions)")
    return int(seconds)
