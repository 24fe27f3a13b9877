"""Every rejection names the config key, the bad value and what was expected."""

from __future__ import annotations

import pytest

from components.config import values as validation
from components.errors import ConfigError


def rejects(check: object, *args: object, match: str) -> ConfigError:
    with pytest.raises(ConfigError, match=match) as caught:
        check(*args)  # type: ignore[operator]
    return caught.value


def test_error_message_names_key_value_and_expectation() -> None:
    error = rejects(validation.account_id, "ecr-share:access.accounts[2]", "12345", match="12-digit")
    assert str(error) == 'ecr-share:access.accounts[2]: "12345" is not a 12-digit AWS account ID'
    assert (error.key, error.value) == ("ecr-share:access.accounts[2]", "12345")


@pytest.mark.parametrize("value", ["222222222222", 222222222222])
def test_account_ids_accepted_as_string_or_intact_number(value: object) -> None:
    assert validation.account_id("k", value) == "222222222222"


@pytest.mark.parametrize("value", ["12345", "2222222222223", "22222222222a", None, True, ""])
def test_account_id_rejected(value: object) -> None:
    rejects(validation.account_id, "k", value, match="is not a 12-digit AWS account ID")


def test_unquoted_account_id_that_lost_its_leading_zero_explains_quoting() -> None:
    # YAML reads 012345678901 as the number 12345678901: the zero is gone.
    rejects(validation.account_id, "k", 12345678901, match="quote account IDs in YAML")


@pytest.mark.parametrize("value", ["o-abc123def4", "o-" + "a" * 32])
def test_organization_id_accepted(value: str) -> None:
    assert validation.organization_id("k", value) == value


@pytest.mark.parametrize("value", ["o-abc", "o-ABC123DEF4", "abc123def4", "o-" + "a" * 33])
def test_organization_id_rejected(value: str) -> None:
    rejects(validation.organization_id, "k", value, match="not an AWS Organizations ID")


@pytest.mark.parametrize(
    "value",
    [
        "o-abc123def4/r-ab12/ou-ab12-11111111/",
        "o-abc123def4/r-ab12/ou-ab12-11111111/*",
        "o-abc123def4/r-ab12/ou-ab12-11111111/ou-*",
        "o-abc123def4/r-ab12/ou-ab12-11111111/ou-ab12-22222222/",
        "o-abc123def4/*",
    ],
)
def test_organization_path_accepted(value: str) -> None:
    assert validation.organization_path("k", value, "o-abc123def4") == value


@pytest.mark.parametrize(
    "value",
    ["o-abc123def4/r-ab12/ou-ab12-11111111", "r-ab12/ou-ab12-11111111/", "o-abc123def4/ou-ab12-11111111/", 7],
)
def test_organization_path_rejected(value: object) -> None:
    rejects(validation.organization_path, "k", value, match="is not an organization path")


def test_organization_path_must_be_inside_the_granted_organization() -> None:
    rejects(
        validation.organization_path,
        "k",
        "o-zzz999zzz9/r-ab12/",
        "o-abc123def4",
        match='is not inside the organization "o-abc123def4"',
    )


@pytest.mark.parametrize("value", ["team-a/web", "a_b", "1abc", "web-app", "a.b/c-d/e_f", "ab"])
def test_repository_name_accepted(value: str) -> None:
    assert validation.repository_name("k", value) == value


@pytest.mark.parametrize("value", ["Team", "-a", "a-", "a/", "/a", "a//b", "a--b", "a__b", "a b"])
def test_repository_name_pattern_rejected(value: str) -> None:
    rejects(validation.repository_name, "k", value, match="lowercase letters and digits")


@pytest.mark.parametrize("value", ["a", "a" * 257, 5, None])
def test_repository_name_length_rejected(value: object) -> None:
    rejects(validation.repository_name, "k", value, match="2 to 256 characters")


@pytest.mark.parametrize("value", ["v1.2.3", "latest", "_x", "a" * 128, "abc1234"])
def test_image_tag_accepted(value: str) -> None:
    assert validation.image_tag("k", value) == value


@pytest.mark.parametrize("value", ["", ".v1", "-v1", "a" * 129, "v1:2", "v1/2", "é"])
def test_image_tag_rejected(value: str) -> None:
    rejects(validation.image_tag, "k", value, match="is not a Docker image tag")


def test_unquoted_numeric_image_tag_asks_for_quotes() -> None:
    rejects(validation.image_tag, "k", 123456, match="is a number, not a tag: quote it in YAML")


def test_image_digest() -> None:
    digest = "sha256:" + "a" * 64
    assert validation.image_digest("k", digest) == digest
    for bad in ["sha256:" + "a" * 63, "sha256:" + "A" * 64, "md5:" + "a" * 64, "a" * 64]:
        rejects(validation.image_digest, "k", bad, match="is not an image digest")


@pytest.mark.parametrize("value", ["us-east-1", "eu-west-1", "us-gov-west-1", "ap-southeast-2"])
def test_region_accepted(value: str) -> None:
    assert validation.region("k", value) == value


@pytest.mark.parametrize("value", ["useast1", "US-EAST-1", "us-east", None])
def test_region_rejected(value: object) -> None:
    rejects(validation.region, "k", value, match="is not an AWS Region name")


@pytest.mark.parametrize(
    ("cpu", "memory"), [(256, 512), (512, 4096), (1024, 8192), (4096, 30720), (16384, 122880)]
)
def test_fargate_sizes_accepted(cpu: int, memory: int) -> None:
    validation.fargate_size("svc", cpu, memory)


def test_fargate_cpu_rejected() -> None:
    error = rejects(validation.fargate_size, "svc", 300, 512, match="is not a Fargate CPU size")
    assert error.key == "svc.cpu"


@pytest.mark.parametrize(("cpu", "memory"), [(256, 4096), (1024, 1024), (8192, 18432), (512, 5120)])
def test_fargate_memory_rejected(cpu: int, memory: int) -> None:
    error = rejects(validation.fargate_size, "svc", cpu, memory, match=f"for cpu {cpu}")
    assert error.key == "svc.memory"


def test_port_integer_boolean_and_choices() -> None:
    assert validation.port("k", 8080) == 8080
    rejects(validation.port, "k", 0, match="TCP port")
    rejects(validation.port, "k", 70000, match="TCP port")
    rejects(validation.integer, "k", True, match="whole number")
    rejects(validation.integer, "k", "12a", match="whole number")
    assert validation.boolean("k", "true") is True
    rejects(validation.boolean, "k", "yes", match="is not a boolean")
    rejects(
        validation.one_of,
        "k",
        "immutable",
        ("IMMUTABLE", "MUTABLE"),
        match="is not one of IMMUTABLE, MUTABLE",
    )


def test_unknown_keys_duplicates_and_empty_lists() -> None:
    error = rejects(
        validation.mapping, "ecr-share:access", {"acounts": []}, ("accounts",), match="known setting"
    )
    assert error.key == "ecr-share:access.acounts"
    error = rejects(
        validation.unique, "ecr-share:repositories", ["a", "b", "a"], "repository name", match="duplicate"
    )
    assert error.key == "ecr-share:repositories[2]"
    rejects(validation.sequence, "k", [], match="is empty")
    rejects(validation.sequence, "k", "web-app", match="is not a list")
