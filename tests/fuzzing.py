"""Shared by the fuzzing tests: hypothesis settings, odd values, TOML written from Python
values, and mutations of a parsed YAML, TOML or JSON document."""

from __future__ import annotations

import copy
import dataclasses
import datetime
import json
import math
import typing
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from dcaudit.config import ALL_FORMATS, Settings


def fuzz_settings(examples: int) -> settings:
    """Few examples, no deadline, the same examples on every run (CI reproduces a failure
    as it was found) and no example database written into the work tree."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# text that has broken parsers before: regex syntax, numbers as words, URL pieces, markup
TRAPS = (
    "",
    " ",
    "0",
    "-1",
    "1e999",
    "inf",
    "-inf",
    "nan",
    "NaN",
    "true",
    "null",
    "0x10",
    "1_000",
    "9" * 30,
    "(",
    "[a-",
    "*",
    "\\",
    "(?P<",
    "a{99999999999}",
    "http://[::1/",
    "http://127.0.0.1:99999/",
    "::",
    "%00",
    "\t",
    "two\nlines",
    "é",
    "\u202e",
    "<script>",
    "${HOME}",
    "{}",
    "[]",
)
trap_text = st.one_of(st.sampled_from(TRAPS), st.text(max_size=24))
scalars = st.one_of(
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    trap_text,
)


def nested(leaves: st.SearchStrategy[Any], max_leaves: int = 6) -> st.SearchStrategy[Any]:
    """Lists and mappings of ``leaves``, a few levels deep."""
    return st.recursive(
        leaves,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=max_leaves,
    )


# -- TOML, written by hand (the standard library only reads it) --------------------------
def toml_string(text: str) -> str:
    # JSON's escapes are TOML's, except that TOML also wants DEL escaped
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        pairs = (f"{toml_string(str(k))} = {toml_value(v)}" for k, v in value.items())
        return "{" + ", ".join(pairs) + "}"
    raise TypeError(f"no TOML for {type(value).__name__}")


def toml_document(table: dict[str, Any]) -> str:
    return "".join(f"{toml_string(k)} = {toml_value(v)}\n" for k, v in table.items())


toml_scalars = st.one_of(
    scalars,
    st.datetimes(min_value=datetime.datetime(1000, 1, 1)),
    st.dates(min_value=datetime.date(1000, 1, 1)),
    st.times(),
)


# -- mutations of a parsed document -------------------------------------------------------
def _places(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every value inside ``node`` (keys and list indexes), ``()`` for the root."""
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(_places(value, (*path, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_places(value, (*path, index)))
    return found


def _leaves(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return [leaf for value in node.values() for leaf in _leaves(value)]
    if isinstance(node, list):
        return [leaf for value in node for leaf in _leaves(value)]
    return [node]


@st.composite
def mutated(draw: Callable[..., Any], document: Any, leaves: st.SearchStrategy[Any]) -> Any:
    """``document`` with one to three changes: a value replaced (by an odd one, or by a value
    found elsewhere in the document, which is nearly right), removed, or an unknown key added."""
    result = copy.deepcopy(document)
    own = _leaves(document)
    replacement = st.one_of(nested(leaves), st.sampled_from(own)) if own else nested(leaves)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_places(result)))
        action = draw(st.sampled_from(("replace", "replace", "remove", "add")))
        if not path:
            if action == "replace":
                result = draw(replacement)
            continue
        *head, last = path
        parent = result
        for step in head:
            parent = parent[step]
        if action == "replace":
            parent[last] = draw(replacement)
        elif action == "remove":
            del parent[last]
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=10))] = draw(replacement)
        else:
            parent.append(draw(replacement))
    return result


# -- settings, as a config file holds them ------------------------------------------------
FIELDS = [f.name for f in dataclasses.fields(Settings)]
HINTS = typing.get_type_hints(Settings)
setting_names = st.one_of(
    st.sampled_from(FIELDS),
    st.sampled_from(FIELDS).map(lambda name: name.replace("_", "-")),
    st.text(min_size=1, max_size=12),
)
# a plausible value for each setting, or an odd one
plausible = {
    int: st.integers(-3, 10_000),
    float: st.floats(-1, 5_000, allow_nan=False),
    bool: st.booleans(),
    str: trap_text,
    tuple[str, ...]: st.lists(st.one_of(st.sampled_from(ALL_FORMATS), trap_text), max_size=3),
}


@st.composite
def documents(draw: Callable[..., Any]) -> dict[str, Any]:
    names = draw(st.lists(setting_names, max_size=6, unique=True))
    table: dict[str, Any] = {}
    for name in names:
        hint = HINTS.get(name.replace("-", "_"))
        odd = nested(toml_scalars, max_leaves=4)
        table[name] = draw(plausible[hint] | odd if hint in plausible else odd)
    return table
