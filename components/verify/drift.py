"""Drift: where the documents in force differ from the ones ecr-share deploys.

Documents are compared by meaning, not by bytes: ECR and IAM may reorder lists, turn a one-item
list into a string, or store an account ID as its root ARN (IAM reference_policies_elements_principal.html:
"the service might convert it to the principal ARN").
"""

from __future__ import annotations

import json
from typing import Any

from components.aws.rules import ACCOUNT_ID
from components.config.model import EnvironmentStack
from components.verify.deployments import Deployment
from components.verify.evaluator.documents import PolicyDocument
from components.verify.evaluator.matching import as_list
from components.verify.intended import DeployedState, attached_role_key

_LISTS = ("Action", "NotAction", "Resource", "NotResource")


def normalize(document: PolicyDocument) -> dict[str, Any]:
    statements = [_statement(s) for s in as_list(document.get("Statement", []))]
    return {
        "Version": document.get("Version"),
        "Statement": sorted(statements, key=lambda s: json.dumps(s, sort_keys=True)),
    }


def _statement(statement: Any) -> Any:
    if not isinstance(statement, dict):
        return statement
    result: dict[str, Any] = {}
    for key, value in statement.items():
        if key in _LISTS:
            strings = [str(v) for v in as_list(value)]
            # Action names are case-insensitive (reference_policies_elements_action.html).
            result[key] = sorted({v.lower() for v in strings} if "Action" in key else set(strings))
        elif key in ("Principal", "NotPrincipal") and isinstance(value, dict):
            result[key] = {
                kind: sorted({_principal(str(v)) for v in as_list(vs)}) for kind, vs in value.items()
            }
        elif key == "Condition" and isinstance(value, dict):
            result[key] = {
                op: {k.lower(): sorted(str(v) for v in as_list(vs)) for k, vs in keys.items()}
                if isinstance(keys, dict)
                else keys
                for op, keys in value.items()
            }
        else:
            result[key] = value
    return result


def _principal(value: str) -> str:
    return f"arn:aws:iam::{value}:root" if ACCOUNT_ID.fullmatch(value) else value


def _compact(statement: Any) -> str:
    return json.dumps(statement, separators=(",", ":"), sort_keys=True)


def _by_meaning(document: PolicyDocument) -> dict[str, str]:
    """Each statement keyed by its normalized form, shown as it was written."""
    return {_compact(_statement(s)): _compact(s) for s in as_list(document.get("Statement", []))}


def _difference(intended: PolicyDocument, deployed: PolicyDocument) -> str:
    want, have = _by_meaning(intended), _by_meaning(deployed)
    parts = [f"deployed only: {have[k]}" for k in sorted(set(have) - set(want))]
    parts += [f"intended only: {want[k]}" for k in sorted(set(want) - set(have))]
    return "; ".join(parts) or "the Version differs"


def state_drift(deployment: Deployment, intended: DeployedState, live: DeployedState) -> tuple[str, ...]:
    found: list[str] = []
    for arn, want in intended.repositories.items():
        have = live.repositories[arn]
        if not have.exists:
            if not want.replica:  # replicas appear with the first replicated push: not drift
                found.append(
                    f"repository {want.label} does not exist in account {want.account_id} ({want.region})"
                )
        elif have.policy is None:
            if want.policy is not None:
                found.append(f"repository {want.label} has no repository policy (its plan deploys one)")
        elif want.policy is None:
            found.append(f"repository {want.label} has a repository policy its plan does not deploy")
        elif normalize(have.policy) != normalize(want.policy):
            found.append(
                f"repository policy of {want.label} differs from the one ecr-share deploys: "
                f"{_difference(want.policy, have.policy)}"
            )
    for env in deployment.environments:
        want_role, have_role = intended.roles[env.stack], live.roles[env.stack]
        role_name = want_role.arn.rsplit("/", 1)[1]
        if not have_role.exists:
            found.append(
                f"execution role {role_name} of {env.stack} does not exist in account {env.account_id}"
            )
            continue
        wanted = [normalize(p) for p in want_role.policies]
        deployed = [normalize(p) for p in have_role.policies]
        if any(p not in deployed for p in wanted):
            found.append(f"execution role {role_name} of {env.stack} lacks the policy ecr-share deploys")
        found += [
            f"execution role {role_name} of {env.stack} has {label}, which ecr-share does not deploy"
            for label, policy in zip(have_role.policy_names, deployed, strict=True)
            if policy not in wanted
        ]
        found += _attached_role_drift(env, intended, live)
    return tuple(found)


def _attached_role_drift(env: EnvironmentStack, intended: DeployedState, live: DeployedState) -> list[str]:
    """An existing role must exist and hold the policy the stack attaches; its other policies are its
    owner's, not drift (the matrix shows what they let it pull)."""
    found: list[str] = []
    for role in env.pull_roles:
        name = attached_role_key(env.stack, role.name)
        want, have = intended.roles[name], live.roles[name]
        if not have.exists:
            found.append(
                f"existing role {role.name} of {env.stack} does not exist in account {env.account_id}"
            )
        elif any(normalize(p) not in [normalize(h) for h in have.policies] for p in want.policies):
            found.append(
                f"existing role {role.name} of {env.stack} lacks the pull policy ecr-share attaches to it"
            )
    return found
