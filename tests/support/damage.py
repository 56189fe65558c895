"""Damage to JSON trees for property tests: one change at a path anywhere in a tree (wrong
types, deletions, huge strings, deep nesting, odd unicode, unknown codes, duplicates)."""

import copy
import json
from collections.abc import Iterator
from typing import Any

from hypothesis import strategies as st

Path_ = tuple[str | int, ...]


def paths(value: Any, prefix: Path_ = ()) -> Iterator[Path_]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*prefix, index))


def value_at(value: Any, path: Path_) -> Any:
    for part in path:
        value = value[part]
    return value


def set_at(root: Any, path: Path_, new: Any) -> Any:
    if not path:
        return new
    value_at(root, path[:-1])[path[-1]] = new
    return root


def delete_at(root: Any, path: Path_) -> Any:
    if not path:
        return root
    del value_at(root, path[:-1])[path[-1]]
    return root


DEEP = "\x00deep:"
"""A string standing for nesting deeper than json.dumps can write; expanded in the JSON text."""


def dumps(body: Any) -> bytes:
    text = json.dumps(body)
    while (start := text.find(json.dumps(DEEP)[:-1])) != -1:
        end = text.index('"', start + 1)
        depth = int(text[start + len(json.dumps(DEEP)) - 1 : end])
        text = text[:start] + "[" * depth + "]" * depth + text[end + 1 :]
    return text.encode("utf-8", "surrogatepass")


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
unknown_codings = st.fixed_dictionaries(
    {
        "system": st.sampled_from(
            [
                "http://snomed.info/sct",
                "http://hl7.org/fhir/sid/icd-10-cm",
                "http://loinc.org",
                "urn:oid:1.2.3",
            ]
        ),
        "code": st.text(min_size=1, max_size=20),
    }
)
odd_text = st.text(
    st.characters(codec=None, exclude_categories=()),  # surrogates, controls, NUL, RTL marks
    min_size=1,
    max_size=50,
)


@st.composite
def damage(draw: st.DrawFn, value: Any) -> Any:
    """One damage to a JSON tree, at a path chosen anywhere in it."""
    path = draw(st.sampled_from(list(paths(value))))
    kind = draw(
        st.sampled_from(
            [
                "replace",
                "delete",
                "list-for-value",
                "dict-for-value",
                "huge-string",
                "deep-nesting",
                "odd-unicode",
                "unknown-coding",
                "duplicate",
                "not-json-number",
            ]
        )
    )
    current = value_at(value, path)
    if kind == "replace":
        return set_at(value, path, draw(json_values))
    if kind == "delete":
        return delete_at(value, path)
    if kind == "list-for-value":
        return set_at(value, path, [current])
    if kind == "dict-for-value":
        return set_at(value, path, {"value": current})
    if kind == "huge-string":
        size = draw(st.sampled_from([10_000, 200_000, 2_000_000]))
        return set_at(value, path, draw(st.sampled_from("xé🦴 ")) * size)
    if kind == "deep-nesting":
        return set_at(value, path, DEEP + str(draw(st.sampled_from([100, 900, 1100, 5000]))))
    if kind == "odd-unicode":
        return set_at(value, path, draw(odd_text))
    if kind == "not-json-number":
        return set_at(value, path, draw(st.sampled_from([float("nan"), float("inf")])))
    if kind == "unknown-coding":
        return set_at(value, path, {"coding": [draw(unknown_codings)], "text": draw(odd_text)})
    # duplicate: a list element twice, or a dict's member under a second key
    if isinstance(current, list) and current:
        current.append(copy.deepcopy(current[draw(st.integers(0, len(current) - 1))]))
    elif isinstance(current, dict) and current:
        key = draw(st.sampled_from(sorted(current)))
        current[f"{key}_"] = copy.deepcopy(current[key])
    return value
