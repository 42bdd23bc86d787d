"""How a user's file goes wrong, as hypothesis strategies: cut short, bytes from elsewhere,
another encoding, a huge line, a value of the wrong type, an unknown key, a JSONL line that is
some other JSON. Each draws a function from the file's bytes to the damaged bytes."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from typing import Any

import tomlkit
from hypothesis import strategies as st

Mutation = Callable[[bytes], bytes]

# Values TOML can hold, of every type a setting might wrongly get.
SCALARS = st.one_of(
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=3),
    ),
    max_leaves=6,
)


def _cut(fraction: float) -> Mutation:
    return lambda data: data[: int(len(data) * fraction)]


def _insert(fraction: float, junk: bytes) -> Mutation:
    def mutate(data: bytes) -> bytes:
        at = int(len(data) * fraction)
        return data[:at] + junk + data[at:]

    return mutate


def _reencode(encoding: str) -> Mutation:
    return lambda data: data.decode("utf-8").encode(encoding, "replace")


def _huge_line(size: int) -> Mutation:
    return lambda data: data + b"x" * size + b"\n"


BYTE_MUTATIONS = st.one_of(
    st.builds(_cut, st.floats(0, 1)),
    st.builds(_insert, st.floats(0, 1), st.binary(min_size=1, max_size=16)),
    st.builds(lambda junk: lambda _: junk, st.binary(max_size=64)),
    st.builds(_reencode, st.sampled_from(["utf-16", "gbk", "latin-1", "utf-8-sig"])),
    st.builds(_huge_line, st.sampled_from([100_000, 1_000_000])),
)


def _paths(value: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every key path in a parsed TOML document (tables and their keys)."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*prefix, key))
    return found


def _set_toml(choice: int, new: Any, unknown: str | None) -> Mutation:
    def mutate(data: bytes) -> bytes:
        doc = tomllib.loads(data.decode("utf-8"))
        paths = _paths(doc)
        path = paths[choice % len(paths)] if paths else ("key",)
        table = doc
        for key in path[:-1]:
            table = table[key]
        if unknown is None:
            table[path[-1]] = new
        elif isinstance(table.get(path[-1]), dict):
            table[path[-1]][unknown] = new
        else:
            table[unknown] = new
        return tomlkit.dumps(doc).encode("utf-8")

    return mutate


TOML_MUTATIONS = st.one_of(
    BYTE_MUTATIONS,
    st.builds(_set_toml, st.integers(0, 10_000), VALUES, st.none()),
    st.builds(_set_toml, st.integers(0, 10_000), VALUES, st.text(min_size=1, max_size=12)),
)


def _set_line(choice: int, new: Any) -> Mutation:
    def mutate(data: bytes) -> bytes:
        lines = data.split(b"\n")
        lines[choice % len(lines)] = json.dumps(new, ensure_ascii=False).encode("utf-8")
        return b"\n".join(lines)

    return mutate


def _set_field(choice: int, new: Any) -> Mutation:
    def mutate(data: bytes) -> bytes:
        lines = data.split(b"\n")
        index = choice % len(lines)
        try:
            record = json.loads(lines[index])
        except ValueError:
            return data
        if isinstance(record, dict) and record:
            keys = sorted(record)
            record[keys[choice % len(keys)]] = new
            lines[index] = json.dumps(record, ensure_ascii=False).encode("utf-8")
        return b"\n".join(lines)

    return mutate


JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
JSONL_MUTATIONS = st.one_of(
    BYTE_MUTATIONS,
    st.builds(_set_line, st.integers(0, 100_000), JSON_VALUES),
    st.builds(_set_field, st.integers(0, 100_000), JSON_VALUES),
)


def mutations_for(name: str) -> st.SearchStrategy[Mutation]:
    """The ways the file called ``name`` can go wrong."""
    if name.endswith(".toml"):
        return TOML_MUTATIONS
    if name.endswith(".jsonl"):
        return JSONL_MUTATIONS
    return BYTE_MUTATIONS
