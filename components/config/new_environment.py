"""``ecr-share new-environment NAME --account ID --region R``: a new environment stack file, and the
account added to its build stack's grant.

The stack file comes from a commented template, like the committed environment files. The grant is a
text edit of the build stack file (one line added to ``ecr-share:access.accounts``), so every comment
and the layout stay as they are; the edit is kept only if the edited file reads back as the same
config with that one account more. Where the grant is an AWS Organization, the account is already
there, or the file is laid out so that one added line cannot do it, nothing is edited and the change
is printed instead (always, with ``--print``). Nothing is written unless every stack of the project,
the new one included, passes the program's checks and plans (``plan.project.plan_stacks``).
"""

from __future__ import annotations

import argparse
import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import yaml

from components.config import values
from components.config.files import (
    StackFileError,
    StackFileLoader,
    list_stacks,
    load_stack_config,
    stack_file,
)
from components.config.stack_names import STACK_NAME
from components.errors import ConfigError
from components.plan.project import ProjectError, plan_stacks
from components.project import BUILD, DIY_ORGANIZATION, PROJECT, key

EXIT_ERROR = 2

TEMPLATE = """\
# The {name} account: runs the shared images on Fargate. Deploy after the build stack ({build}).
# Written by `ecr-share new-environment`: set the services, then `ecr-share verify`.
config:
  aws:region: {region}
  aws:allowedAccountIds: ["{account}"]   # credentials for any other account cannot deploy this stack
  # The AWS profile that deploys this stack; leave it out where the credentials come from the
  # environment (a CI job's OIDC role, examples/github-actions/).
  aws:profile: {name}-deploy
  ecr-share:stackKind: environment
  ecr-share:buildStack: {build_reference}
  ecr-share:services:
    # One entry per image to run, from the build stack's repositories: set the tag your build pushed
    # (or imageDigest: sha256:..., which production stacks should use).
    - name: {service}
      repository: {repository}
      imageTag: v1.0.0
      cpu: 512
      memory: 1024
      containerPort: 8080
  # Existing roles of this account that pull the same images (an EKS node role, a CodeBuild role): each
  # gets the managed policy ecr-share-{name}-pull. Commented out: the roles must exist before `pulumi up`.
  # ecr-share:pullRoles:
  #   - eks-node-role
"""


class NewEnvironmentError(Exception):
    """Bad input or a project the new stack cannot join; the message says which and why."""


@dataclass(frozen=True)
class NewEnvironment:
    """What to write: the new stack file, and the build stack file edited (None: not edited, with
    ``grant_note`` saying what to do instead, or nothing when the grant needs no change)."""

    stack_path: Path
    stack_text: str
    build_path: Path
    build_text: str
    edited_build_text: str | None
    grant_note: str

    def build_diff(self) -> str:
        if self.edited_build_text is None:
            return ""
        name = self.build_path.name
        return "".join(
            difflib.unified_diff(
                self.build_text.splitlines(keepends=True),
                self.edited_build_text.splitlines(keepends=True),
                f"a/{name}",
                f"b/{name}",
            )
        )


def add_parser(commands: Any) -> None:
    command = commands.add_parser(
        "new-environment",
        help="write a new environment stack file and add its account to the build stack's grant",
        description=(
            "Write Pulumi.NAME.yaml for a new environment account, from a commented template, and add the "
            "account to the build stack's ecr-share:access.accounts (a one-line edit that keeps the file's "
            "comments and layout). Where the grant is an organization or cannot be edited safely, and with "
            "--print, nothing is edited and the change is printed. Nothing is written unless every stack, "
            "the new one included, passes the program's checks. Exit codes: 0 done; 2 error."
        ),
    )
    command.add_argument("name", metavar="NAME", help="the new stack's name, like qa")
    command.add_argument("--account", required=True, metavar="ID", help="the environment's AWS account ID")
    command.add_argument("--region", required=True, metavar="REGION", help="the Region its services run in")
    command.add_argument(
        "--stacks-dir", type=Path, default=Path("."), metavar="DIR", help="the project folder (default: .)"
    )
    command.add_argument(
        "--build-stack", metavar="NAME", help="the build stack to pull from (default: the project's only one)"
    )
    command.add_argument(
        "--print", action="store_true", help="write nothing: print the new file and the build stack's change"
    )


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        change = new_environment(args.stacks_dir, args.name, args.account, args.region, args.build_stack)
    except NewEnvironmentError as error:
        err.write(f"ecr-share new-environment: error: {error}\n")
        return EXIT_ERROR
    if not args.print:
        change.stack_path.write_text(change.stack_text, encoding="utf-8")
        if change.edited_build_text is not None:
            change.build_path.write_text(change.edited_build_text, encoding="utf-8")
    out.write(render_change(change, written=not args.print))
    return 0


def render_change(change: NewEnvironment, *, written: bool) -> str:
    if written:
        lines = [f"Wrote {change.stack_path}."]
        if change.edited_build_text is not None:
            lines.append(f"Added the account to ecr-share:access.accounts in {change.build_path}.")
    else:
        lines = [f"{change.stack_path} would be:", "", change.stack_text.rstrip("\n"), ""]
        if change.edited_build_text is not None:
            lines += [f"and {change.build_path} would change:", "", change.build_diff().rstrip("\n"), ""]
    if change.grant_note:
        lines.append(change.grant_note)
    return "\n".join(lines) + "\n"


def new_environment(
    project_dir: Path, name: str, account: str, region: str, build: str | None = None
) -> NewEnvironment:
    """The new stack file and the build stack's edit, checked; writes nothing."""
    _check_name(name)
    try:
        values.account_id("--account", account)
        values.region("--region", region)
        stacks = list_stacks(project_dir)
        raw = {stack: load_stack_config(project_dir, stack) for stack in stacks}
    except (ConfigError, StackFileError) as error:
        raise NewEnvironmentError(str(error)) from None
    path = stack_file(project_dir, name)
    existing = [p for p in (path, path.with_suffix(".yml")) if p.exists()]
    if existing or name in raw:
        raise NewEnvironmentError(
            f"{(existing or [path])[0]} exists: choose another NAME (nothing is overwritten)"
        )
    build = _build_stack(raw, build)
    build_path = stack_file(project_dir, build)
    build_text = build_path.read_text(encoding="utf-8")
    edited, note = grant_account(build_text, raw[build], account, name)
    stack_text = environment_file(name, account, region, build, raw)
    proposed = dict(raw)
    proposed[name] = _read(stack_text)
    # Planned as granted: by the edited file, or as it will read once the line is added by hand.
    proposed[build] = _read(edited) if edited is not None else with_account(raw[build], account)
    try:
        plan_stacks(proposed, lambda stack: str(stack_file(project_dir, stack)))
    except ProjectError as error:
        raise NewEnvironmentError(f"the new stack would not pass the program's checks: {error}") from None
    return NewEnvironment(path, stack_text, build_path, build_text, edited, note)


def _check_name(name: str) -> None:
    if STACK_NAME.fullmatch(name) is None or name.strip(".") == "":
        raise NewEnvironmentError(
            f'NAME: "{name}" is not a stack name: letters, digits, "-", "_" and "." (like "qa")'
        )


def _build_stack(raw: Mapping[str, Mapping[str, Any]], chosen: str | None) -> str:
    builds = sorted(stack for stack, config in raw.items() if config.get(key("stackKind")) == BUILD)
    if chosen is not None:
        if chosen not in builds:
            raise NewEnvironmentError(
                f'--build-stack: "{chosen}" is not a build stack of this project (build stacks: '
                f"{', '.join(builds) or 'none'})"
            )
        return chosen
    if len(builds) != 1:
        raise NewEnvironmentError(
            f"the project has {len(builds)} build stacks ({', '.join(builds) or 'none'}): "
            "choose one with --build-stack"
        )
    return builds[0]


def environment_file(
    name: str, account: str, region: str, build: str, raw: Mapping[str, Mapping[str, Any]]
) -> str:
    """The new stack file: its first service runs the build stack's first repository."""
    repositories = raw[build].get(key("repositories")) or []
    first = repositories[0] if repositories else "web-app"
    repository = first if isinstance(first, str) else str(first.get("name", "web-app"))
    return TEMPLATE.format(
        name=name,
        account=account,
        region=region,
        build=build,
        build_reference=_build_reference(build, raw),
        service=re.sub(r"[^A-Za-z0-9_-]", "-", repository.rsplit("/", 1)[-1]),
        repository=repository,
    )


def _build_reference(build: str, raw: Mapping[str, Mapping[str, Any]]) -> str:
    """How the project's environment stacks name this build stack already, or the DIY backend's
    fully qualified name."""
    for config in raw.values():
        reference = config.get(key("buildStack"))
        if isinstance(reference, str) and reference.rsplit("/", 1)[-1] == build:
            return reference
    return f"{DIY_ORGANIZATION}/{PROJECT}/{build}"


def _read(text: str) -> dict[str, Any]:
    document = yaml.load(text, Loader=StackFileLoader)  # a SafeLoader
    config: dict[str, Any] = document["config"]
    return config


# The access key at the top of ``config:``, an ``accounts:`` key below it, and a sequence item.
_ACCESS = re.compile(rf"^(?P<indent> *){re.escape(key('access'))}:\s*(#.*)?$")
_ACCOUNTS = re.compile(r"^(?P<indent> *)accounts:\s*(?P<flow>\[[^\]#]*\])?\s*(?P<comment>#.*)?$")
_ITEM = re.compile(r"^(?P<indent> *)- (?P<value>[\"']?\d{12}[\"']?)(?P<gap> *)(?P<comment>#.*)?$")


def grant_account(text: str, config: Mapping[str, Any], account: str, name: str) -> tuple[str | None, str]:
    """The build stack file with ``account`` added to its grant, and a note; or None and what to do
    instead, where one added line cannot do it safely."""
    access = config.get(key("access"))
    accounts = access.get("accounts") if isinstance(access, dict) else None
    by_hand = f'Add it by hand, then run `ecr-share verify`: {key("access")}.accounts gets "{account}".'
    if isinstance(access, dict) and "organizationId" in access:
        return None, (
            f"The build stack grants the organization {access['organizationId']}: nothing to add if "
            f"account {account} is a member (and within organizationPaths, if set); `ecr-share verify` "
            "shows whether it can pull."
        )
    if account in map(str, config.get("aws:allowedAccountIds") or ()):
        return (
            None,
            f"Account {account} is the build stack's own: it owns the repositories and needs no grant.",
        )
    if isinstance(accounts, list) and account in map(str, accounts):
        return None, f"The build stack already grants account {account}."
    if not isinstance(accounts, list):
        return None, f"The build stack's grant has no accounts list to add the account to. {by_hand}"
    edited = _add_line(text, account, name)
    if edited is None or _read(edited) != with_account(config, account):
        return (
            None,
            f"The build stack's accounts list is laid out in a way this command does not edit. {by_hand}",
        )
    return edited, ""


def with_account(config: Mapping[str, Any], account: str) -> dict[str, Any]:
    """The build stack's config with ``account`` in its accounts list, as the edit (or the same edit by
    hand) makes it; as is where the account needs no entry (an organization grant, the build account)."""
    access = config.get(key("access"))
    if not isinstance(access, dict) or "organizationId" in access:
        return dict(config)
    accounts = access.get("accounts") or []
    owners = config.get("aws:allowedAccountIds") or ()
    if not isinstance(accounts, list) or account in map(str, [*accounts, *owners]):
        return dict(config)
    return {**config, key("access"): {**access, "accounts": [*accounts, account]}}


def _add_line(text: str, account: str, name: str) -> str | None:
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if _ACCESS.match(line)]
    if len(starts) != 1:
        return None
    access_indent = _indent(lines[starts[0]])
    for index in range(starts[0] + 1, len(lines)):
        line = lines[index]
        if line.strip() and not line.lstrip().startswith("#") and _indent(line) <= access_indent:
            return None  # past the access block
        found = _ACCOUNTS.match(line)
        if found is None:
            continue
        if found.group("flow"):
            flow = found.group("flow")
            items = flow[1:-1].strip()
            added = f'{flow[:-1].rstrip()}{", " if items else ""}"{account}"]'
            return "".join([*lines[:index], line.replace(flow, added, 1), *lines[index + 1 :]])
        return _append_item(lines, index, _indent(line), account, name)
    return None


def _append_item(
    lines: Sequence[str], accounts_index: int, indent: int, account: str, name: str
) -> str | None:
    """After the last ``- "<id>"`` item of the block sequence that starts below ``accounts:``."""
    last = None
    for index in range(accounts_index + 1, len(lines)):
        line = lines[index]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if _ITEM.match(line) and _indent(line) >= indent:
            last = index
            continue
        if _indent(line) <= indent:
            break
        return None  # an item this command does not understand
    if last is None:
        return None
    item = _ITEM.match(lines[last])
    assert item is not None
    quote = "'" if item.group("value").startswith("'") else '"'
    new = f"{item.group('indent')}- {quote}{account}{quote}"
    if item.group("comment"):
        new += f"{item.group('gap') or ' '}# {name}"
    # The file's last line may lack its newline: the new line then ends the file the same way.
    ending = "\n" if lines[last].endswith("\n") else ""
    return "".join([*lines[:last], lines[last].rstrip("\n") + "\n", new + ending, *lines[last + 1 :]])


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))
