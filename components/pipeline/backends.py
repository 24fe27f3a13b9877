"""Which state backend a run uses, and which stacks need a passphrase for their secrets.

The backend, in this order (the CLI's own order, docs "State and backends"): ``--backend``, then
``$PULUMI_BACKEND_URL``, then ``backend.url`` in ``Pulumi.yaml``, then the backend the CLI is logged in
to (``pulumi whoami``). A new local state (a ``file://`` folder that does not exist yet) is created
only when ``--backend`` names it: a folder named anywhere else must exist, so a typo never starts an
empty state beside the real one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import yaml

from components.config.files import PASSPHRASE, PROJECT_FILE
from components.pipeline.stacks import PipelineError, StackInfo, is_diy

FLAG = "--backend"
VARIABLE = "PULUMI_BACKEND_URL"
PROJECT_SETTING = f"backend.url in {PROJECT_FILE}"
LOGIN = "the CLI's login"
PASSPHRASE_VARIABLES = ("PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE")
NO_BACKEND = (
    "no state backend chosen and the Pulumi CLI is not logged in: pass --backend URL (e.g. "
    "https://api.pulumi.com, s3://bucket/prefix, or file://PATH, which starts a new local state there), "
    f"set {VARIABLE}, set backend.url in {PROJECT_FILE}, or run `pulumi login`"
)
# The forms `pulumi stack init --secrets-provider` documents (docs "pulumi stack init", "pulumi stack
# change-secrets-provider"): default is Pulumi Cloud's own, passphrase the DIY backends' default.
SERVICE = "default"
SECRETS_PROVIDERS = {
    "awskms": (
        re.compile(
            r"awskms://(alias/[\w/.-]+|[\w-]+|/arn:aws[\w-]*:kms:[\w-]+:\d{12}:(key|alias)/[\w/.-]+)(\?\S*)?"
        ),
        "awskms://alias/NAME?region=R, awskms://KEY_ID?region=R or awskms:///arn:aws:kms:...",
    ),
    "azurekeyvault": (
        re.compile(r"azurekeyvault://[\w-]+\.vault\.azure\.net/keys/[\w-]+(/[\w-]+)?"),
        "azurekeyvault://VAULT.vault.azure.net/keys/KEY",
    ),
    "gcpkms": (
        re.compile(r"gcpkms://projects/[^/\s]+/locations/[^/\s]+/keyRings/[^/\s]+/cryptoKeys/[^/\s]+"),
        "gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K",
    ),
    "hashivault": (re.compile(r"hashivault://[\w.-]+"), "hashivault://KEY"),
}


@dataclass(frozen=True)
class BackendChoice:
    url: str | None
    """None: ask the CLI which backend it is logged in to."""
    source: str
    """Where the URL came from (``--backend``, ``PULUMI_BACKEND_URL``...), for the messages."""
    new_state: Path | None = None
    """The folder of a new local state ``--backend`` asks for, created once every check passed."""

    def create_new_state(self) -> None:
        if self.new_state is None:
            return
        try:
            self.new_state.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise PipelineError(
                f"{FLAG} {self.url}: cannot create the folder {self.new_state} ({error.strerror})"
            ) from None


def choose_backend(flag: str | None, env: Mapping[str, str], project: Path) -> BackendChoice:
    """The backend as far as it is known without the CLI. A ``file://`` folder must exist, unless
    ``--backend`` names it: that is the one way to ask for a new local state."""
    for url, source in (
        (flag, FLAG),
        (env.get(VARIABLE) or None, VARIABLE),
        (_project_backend(project), PROJECT_SETTING),
    ):
        if url is not None:
            return BackendChoice(url, source, checked_local_state(url, source, project))
    return BackendChoice(None, LOGIN)


def _project_backend(project: Path) -> str | None:
    try:
        document = yaml.safe_load((project / PROJECT_FILE).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None  # discover() has reported a missing or broken project file already
    backend = document.get("backend") if isinstance(document, dict) else None
    url = backend.get("url") if isinstance(backend, dict) else None
    if url is None:
        return None
    if not isinstance(url, str) or not url.strip():
        raise PipelineError(f"{PROJECT_SETTING}: {url!r} is not a backend URL, like https://api.pulumi.com")
    return url


def local_folder(url: str, project: Path) -> Path | None:
    """The folder of a ``file://`` backend (``~`` is the home folder and a relative path is the
    project's, as for the CLI started in the project folder); None for any other backend."""
    if not url.startswith("file://"):
        return None
    path = unquote(url[len("file://") :].split("?", 1)[0])
    return (project / Path(path).expanduser()).resolve()


def checked_local_state(url: str, source: str, project: Path) -> Path | None:
    """The folder to create for a new local state (None: nothing to create)."""
    if not urlparse(url).scheme:
        raise PipelineError(
            f"{source} {url}: not a backend URL; expected https://..., s3://..., azblob://..., gs://..., "
            "postgres://... or file://PATH"
        )
    folder = local_folder(url, project)
    if folder is None or folder.is_dir():
        return None
    if source != FLAG:
        raise PipelineError(
            f"{source} {url}: the folder {folder} does not exist; to start a new local state there, "
            f"pass {FLAG} {url}"
        )
    return folder


def login_backend(who_am_i_url: str | None) -> BackendChoice:
    if not who_am_i_url:
        raise PipelineError(NO_BACKEND)
    return BackendChoice(who_am_i_url, LOGIN)


# --- secrets providers ------------------------------------------------------------------------


def checked_secrets_provider(value: str, backend_url: str | None) -> str:
    if value == PASSPHRASE:
        return value
    if value == SERVICE:
        if backend_url is not None and is_diy(backend_url):
            raise PipelineError(
                f"--secrets-provider {value}: Pulumi Cloud's secrets provider needs a Pulumi Cloud backend, "
                f"not {backend_url}; choose passphrase or a key (awskms://...)"
            )
        return value
    scheme = value.split("://", 1)[0] if "://" in value else ""
    if scheme in SECRETS_PROVIDERS:
        pattern, form = SECRETS_PROVIDERS[scheme]
        if pattern.fullmatch(value):
            return value
        raise PipelineError(f"--secrets-provider {value}: expected {form}")
    raise PipelineError(
        f"--secrets-provider {value}: expected passphrase, default (Pulumi Cloud), awskms://..., "
        "azurekeyvault://..., gcpkms://... or hashivault://..."
    )


def secrets_provider_of(stack: StackInfo, backend_url: str, requested: str | None) -> str:
    """The provider that encrypts a stack's secrets: the one its stack file records (an existing
    stack: ``secretsprovider``, or ``encryptionsalt`` for the passphrase), else the one it will be
    created with (``--secrets-provider``, else the backend's default)."""
    if stack.secrets_provider is not None:
        return stack.secrets_provider
    if requested is not None:
        return requested
    return PASSPHRASE if is_diy(backend_url) else SERVICE


def check_passphrase(
    stacks: Iterable[StackInfo],
    backend_url: str,
    requested: str | None,
    env: Mapping[str, str],
    remedy: str = "set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE",
) -> None:
    """A passphrase is needed only where a stack's secrets provider is the passphrase."""
    if any(name in env for name in PASSPHRASE_VARIABLES):
        return
    needing = [s for s in stacks if secrets_provider_of(s, backend_url, requested) == PASSPHRASE]
    if not needing:
        return
    recorded = [s.name for s in needing if s.secrets_provider == PASSPHRASE]
    new = [s.name for s in needing if s.secrets_provider is None]
    reasons = []
    if recorded:
        reasons.append(f"{', '.join(recorded)} (the stack file holds encryptionsalt)")
    if new:
        why = (
            "--secrets-provider passphrase"
            if requested == PASSPHRASE
            else f"the default of the DIY backend {backend_url}"
        )
        reasons.append(f"{', '.join(new)} ({why})")
    hint = (
        "" if recorded or requested == PASSPHRASE else ", or choose another provider with --secrets-provider"
    )
    raise PipelineError(
        f"{'; '.join(reasons)} encrypt{'s' if len(needing) == 1 else ''} secrets with a passphrase: "
        f"{remedy}{hint}"
    )


def checked_secrets(
    stacks: Iterable[StackInfo],
    backend_url: str,
    requested: str | None,
    env: Mapping[str, str],
    remote_env: Iterable[str] | None = None,
) -> list[str]:
    """Once the backend is known: ``--secrets-provider`` fits it, and every stack whose secrets the
    passphrase encrypts has one (with ``--remote``: among the variables the runner is sent, whose
    ``remote_env`` names them). Returns the warnings."""
    touched = list(stacks)
    if requested is not None:
        checked_secrets_provider(requested, backend_url)
    if remote_env is None:
        check_passphrase(touched, backend_url, requested, env)
    else:
        remedy = "send it to the runner with --remote-secret-env PULUMI_CONFIG_PASSPHRASE"
        check_passphrase(touched, backend_url, requested, dict.fromkeys(remote_env, ""), remedy)
    return kept_providers(touched, requested)


def kept_providers(stacks: Iterable[StackInfo], requested: str | None) -> list[str]:
    """Warnings: ``--secrets-provider`` applies to new stacks; an existing one keeps its own."""
    if requested is None:
        return []
    return [
        f"warning: {s.name} keeps its secrets provider {s.secrets_provider} (--secrets-provider applies to "
        f"the stacks the pipeline creates; `pulumi stack change-secrets-provider` changes an existing one)"
        for s in stacks
        if s.secrets_provider is not None and s.secrets_provider != requested
    ]
