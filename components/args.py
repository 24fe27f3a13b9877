"""The components' boundary: args as another program hands them over, checked before anything is
registered.

A Python program passes a component a plain dict in Python names (``image_tag_mutability``); the
provider does the same for a program in any other language, after mapping the schema names. Each
component checks its args with the program's own config checks (``config.values`` and the feature
``config`` modules): they key every error by schema name, camelCase like the engine, the generated
SDKs and this project's config keys (``repositories[0].imageTagMutability``). The provider reports
that error as an input property error; a Python caller gets an ``ArgsError`` in Python names. The
check returns the feature's model, what the component registers from: args become a model once, here;
the program's own plan builds the models directly, so they are never checked twice.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from components.aws.rules import lazy_pattern
from components.catalog import args_check
from components.errors import ConfigError
from components.plan.model import engine_name

_HUMP = lazy_pattern(r"(?<=[a-z0-9])([A-Z])")
_WORD = lazy_pattern(r"[A-Za-z][A-Za-z0-9]*")


class ArgsError(ConfigError, pulumi.RunError):
    """Args a component refuses. It names the component, the arg, the value and what was expected;
    as a ``RunError`` it ends a Pulumi program with that message alone, not a traceback."""

    def __init__(self, where: str, error: ConfigError) -> None:
        super().__init__(error.key, error.value, error.problem)
        self.where = where
        self.args = (f"{where}: {self.args[0]}",)


@dataclass(frozen=True)
class ComponentArgs:
    """How one component turns its args into its feature's model, once, at its boundary."""

    args_type: type
    """The component's args ``TypedDict``."""
    type_token: str
    """The component's type: its check is the catalog's (``check``)."""
    model: type
    """The model's type. A model the plan built is registered as it is: it was never args."""
    render: Callable[[Any], Mapping[str, Any]]
    """The model -> the args in Python names that stand for it (``check`` takes them back to it)."""
    outputs: Collection[str] = ()
    """Python names of the args that may be ``Output``s (``pulumi.Input[...]``); every other arg is
    planned before deploying, so it must be a plain value."""

    @property
    def check(self) -> Callable[[dict[str, Any]], Any]:
        """The args in schema names -> the model (defaults filled in); a refusal is a ``ConfigError``.
        Imported when first asked (``catalog.args_check``): a program registering the components its
        plan built never checks args, so it never loads the feature's ``args`` module."""
        return args_check(self.type_token)

    def checked(self, where: str, args: Any) -> Any:
        """The model of the args, or an ``ArgsError`` in Python names."""
        if not isinstance(args, Mapping):
            raise ArgsError(where, ConfigError("args", type(args).__name__, "is not a dict of args"))
        known = list(self.args_type.__annotations__)
        required: frozenset[str] = getattr(self.args_type, "__required_keys__", frozenset())
        for name, value in args.items():
            if name not in known:
                raise ArgsError(
                    where, ConfigError(name, _shown(value), f"is not an arg ({', '.join(known)})")
                )
        for name in known:
            if name in required and args.get(name) is None:
                raise ArgsError(where, ConfigError(name, None, "is missing"))
        try:
            return self.check_schema_args(args)
        except ConfigError as error:
            raise ArgsError(where, self.in_python_names(error)) from None

    def check_schema_args(self, args: Mapping[str, Any]) -> Any:
        """The model of args given in Python names; a refusal is a ``ConfigError`` in schema names."""
        return self.check(schema_args(args, self.outputs))

    def normalized(self, where: str, args: Any) -> Mapping[str, Any]:
        """The args as their model stands for them: checked, defaults filled in, in Python names."""
        return self.render(self.checked(where, args))

    def in_python_names(self, error: ConfigError) -> ConfigError:
        """The same refusal with the key, the value and the args its problem names in Python names."""
        renamed = {engine_name(n): n for n in _field_names(self.args_type) if engine_name(n) != n}
        problem = _WORD.sub(lambda m: renamed.get(m.group(), m.group()), error.problem)
        return ConfigError(
            _WORD.sub(lambda m: python_name(m.group()), error.key), _python_keys(error.value), problem
        )


def schema_args(args: Mapping[str, Any], outputs: Collection[str] = ()) -> dict[str, Any]:
    """Args in schema names at every level, as the config checks read them: an arg set to ``None`` is
    left out (as if not set), tuples become lists, and an ``Output`` is refused where the plan needs
    the value itself."""
    return {
        engine_name(name): value if name in outputs else _plain(engine_name(name), value)
        for name, value in args.items()
        if value is not None
    }


def _plain(key: str, value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            engine_name(k): _plain(f"{key}.{engine_name(k)}", v) for k, v in value.items() if v is not None
        }
    if isinstance(value, list | tuple):
        return [_plain(f"{key}[{i}]", v) for i, v in enumerate(value)]
    if isinstance(value, str | int | float):
        return value
    if isinstance(value, pulumi.Output):
        raise ConfigError(
            key,
            "<Output>",
            "is an Output, known only once deployed: the component renders its policies and names "
            "before deploying, so pass the value itself",
        )
    raise ConfigError(
        key, f"<{type(value).__name__}>", "is not a plain value (string, number, boolean, list or dict)"
    )


def python_name(schema_name: str) -> str:
    """``imageTagMutability`` -> ``image_tag_mutability``."""
    return _HUMP.sub(lambda m: "_" + m.group(1).lower(), schema_name)


def _python_keys(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {python_name(k): _python_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_python_keys(v) for v in value]
    return value


def _field_names(annotation: Any) -> Iterator[str]:
    """Every field name of an args ``TypedDict`` and of the ``TypedDict``s nested in it."""
    if typing.is_typeddict(annotation):
        for name, field in annotation.__annotations__.items():
            yield name
            yield from _field_names(field)
    for argument in typing.get_args(annotation):
        yield from _field_names(argument)


def _shown(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | list | dict) or value is None else "<value>"
