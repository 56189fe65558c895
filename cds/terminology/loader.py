"""Reads the terminology JSON files (package directory, then CDS_TERMINOLOGY_DIR)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from cds.terminology.context_rules import ContextRule, ContextRuleError, parse_context_rules
from cds.terminology.model import (
    ICD10,
    ICD10CM,
    PREFIX_SYSTEMS,
    CodeEntry,
    CodeSystemConcept,
    Concept,
    ConceptMaps,
    SiteMeaning,
    Terminology,
    normalise_icd,
)
from cds.terminology.rules import merge, parse_rules
from cds.terminology.text import build_keywords

PACKAGE_DIR = Path(__file__).parent
ENGINE_EXTENSION = "https://spinal-origin-cds.example.org/StructureDefinition/engine-concept"
UNVERIFIED = "unverified"
WHO_SHARED_LENGTH = 4
"""ICD-10-CM codes of up to 4 characters (R33, M54.5, R20.0) mean the same in WHO ICD-10 and
are matched in both; longer ones are not (WHO's 5th character is a site: M62.81 is not
"muscle weakness" there)."""
MULTI_ATTRS = frozenset({"role", "unless-region", "explains"})
CM_REGION_JOINT = "https://spinal-origin-cds.example.org/ConceptMap/spine-region-to-joint"
CM_BODY_SITE = "https://spinal-origin-cds.example.org/ConceptMap/body-site"
CM_SYMPTOM_SITE = "https://spinal-origin-cds.example.org/ConceptMap/symptom-at-body-site"
CS_BASE = "https://spinal-origin-cds.example.org/CodeSystem/"


class TerminologyError(Exception):
    """A terminology file is unreadable or inconsistent."""


def load_terminology(extra_dir: Path | None = None) -> Terminology:
    files = sorted(PACKAGE_DIR.glob("*.json"))
    if extra_dir is not None:
        if not extra_dir.is_dir():
            raise TerminologyError(f"CDS_TERMINOLOGY_DIR is not a directory: {extra_dir}")
        files += sorted(extra_dir.glob("*.json"))
    value_sets: dict[str, dict[str, Any]] = {}
    concept_maps: dict[str, dict[str, Any]] = {}
    code_systems: dict[str, dict[str, Any]] = {}
    keyword_files: list[Mapping[str, object]] = []
    context_files: list[Mapping[str, Any]] = []
    rules: dict[str, Any] = {}
    for path in files:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise TerminologyError(f"cannot read {path}: {exc}") from exc
        if not isinstance(data, dict):
            raise TerminologyError(f"{path}: not a JSON object")
        if data.get("kind") == "keywords":
            keyword_files.append(data)
        elif data.get("kind") == "context-rules":
            context_files.append(data)
        elif data.get("kind") == "rules":
            rules = merge(rules, data)
        else:
            for resource in _resources(data):
                _collect(resource, value_sets, concept_maps, code_systems)
    if not rules:
        raise TerminologyError("no rules file found")
    parsed_rules = parse_rules(rules)
    concepts, exact, prefix, excluded = _index_value_sets(value_sets.values())
    return Terminology(
        concepts=concepts,
        exact=exact,
        prefix=prefix,
        excluded=excluded,
        maps=_concept_maps(concept_maps),
        keywords=build_keywords(keyword_files, parsed_rules.max_text_chars),
        code_systems={
            url: tuple(
                CodeSystemConcept(url, str(c["code"]), str(c.get("display", c["code"])))
                for c in cs.get("concept", [])
            )
            for url, cs in code_systems.items()
        },
        rules=parsed_rules,
        context_rules=_context_rules(context_files),
        sources=tuple(str(p) for p in files),
    )


def _context_rules(files: list[Mapping[str, Any]]) -> tuple[ContextRule, ...]:
    try:
        return parse_context_rules(files)
    except ContextRuleError as exc:
        raise TerminologyError(str(exc)) from exc


def _resources(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if data.get("resourceType") == "Bundle":
        for entry in data.get("entry", []):
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if isinstance(resource, dict):
                yield resource
    else:
        yield data


def _collect(
    resource: dict[str, Any],
    value_sets: dict[str, dict[str, Any]],
    concept_maps: dict[str, dict[str, Any]],
    code_systems: dict[str, dict[str, Any]],
) -> None:
    kind = resource.get("resourceType")
    url = resource.get("url")
    if not isinstance(url, str):
        raise TerminologyError(f"{kind} {resource.get('id')!r} has no url")
    if kind == "ValueSet":
        if url in value_sets:
            _merge_value_set(value_sets[url], resource)
        else:
            value_sets[url] = json.loads(json.dumps(resource))
    elif kind == "ConceptMap":
        concept_maps.setdefault(url, {"group": []})["group"].extend(resource.get("group", []))
    elif kind == "CodeSystem":
        code_systems.setdefault(url, {"concept": []})["concept"].extend(resource.get("concept", []))


def _merge_value_set(base: dict[str, Any], extra: dict[str, Any]) -> None:
    """A site file with the same ValueSet url adds its codes (and may add exclusions)."""
    compose = base.setdefault("compose", {})
    for part in ("include", "exclude"):
        compose.setdefault(part, []).extend(extra.get("compose", {}).get(part, []))


def _engine_attrs(element: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, list[str]]]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for ext in element.get("extension", []):
        if not isinstance(ext, dict) or ext.get("url") != ENGINE_EXTENSION:
            continue
        for sub in ext.get("extension", []):
            key, value = sub.get("url"), sub.get("valueCode")
            if not isinstance(key, str) or not isinstance(value, str):
                continue
            if key in MULTI_ATTRS:
                multi.setdefault(key, []).append(value)
            else:
                single[key] = value
    return single, multi


def _index_value_sets(
    value_sets: Iterable[dict[str, Any]],
) -> tuple[
    dict[str, Concept],
    dict[tuple[str, str], tuple[CodeEntry, ...]],
    dict[tuple[str, str], tuple[CodeEntry, ...]],
    dict[tuple[str, str], frozenset[str]],
]:
    concepts: dict[str, Concept] = {}
    exact: dict[tuple[str, str], list[CodeEntry]] = {}
    prefix: dict[tuple[str, str], list[CodeEntry]] = {}
    excluded: dict[tuple[str, str], set[str]] = {}
    shared: list[tuple[str, CodeEntry]] = []
    for vs in value_sets:
        attrs, multi = _engine_attrs(vs)
        roles = frozenset(multi.pop("role", []))
        if not roles:
            raise TerminologyError(f"ValueSet {vs['url']} has no engine role")
        concept_id = str(vs.get("id") or vs["url"].rsplit("/", 1)[-1])
        concept = Concept(
            id=concept_id,
            url=vs["url"],
            title=str(vs.get("title") or concept_id),
            roles=roles,
            attrs=MappingProxyType(attrs),
            multi=MappingProxyType({k: tuple(v) for k, v in multi.items()}),
        )
        concepts[concept_id] = concept
        compose = vs.get("compose", {})
        for include in compose.get("include", []):
            system = include.get("system")
            if not isinstance(system, str):
                continue
            for item in include.get("concept", []):
                code = item.get("code")
                if not isinstance(code, str):
                    continue
                own, _ = _engine_attrs(item)
                entry = CodeEntry(
                    concept=concept,
                    system=system,
                    code=code,
                    display=str(item.get("display") or code),
                    attrs=MappingProxyType({**attrs, **own}) if own else concept.attrs,
                    verified=not _unverified(item),
                )
                if system in PREFIX_SYSTEMS:
                    prefix.setdefault((system, normalise_icd(code)), []).append(entry)
                    if system == ICD10CM and len(normalise_icd(code)) <= WHO_SHARED_LENGTH:
                        shared.append((normalise_icd(code), entry))
                else:
                    exact.setdefault((system, code), []).append(entry)
        for exclude in compose.get("exclude", []):
            system = exclude.get("system")
            for item in exclude.get("concept", []):
                code = item.get("code")
                if isinstance(system, str) and isinstance(code, str):
                    key = (system, normalise_icd(code) if system in PREFIX_SYSTEMS else code)
                    excluded.setdefault(key, set()).add(concept_id)
                    if system == ICD10CM and len(key[1]) <= WHO_SHARED_LENGTH:
                        excluded.setdefault((ICD10, key[1]), set()).add(concept_id)
    for code, entry in shared:
        bucket = prefix.setdefault((ICD10, code), [])
        if all(e.concept.id != entry.concept.id for e in bucket):
            bucket.append(dataclasses.replace(entry, system=ICD10))
    return (
        concepts,
        {k: tuple(v) for k, v in exact.items()},
        {k: tuple(v) for k, v in prefix.items()},
        {k: frozenset(v) for k, v in excluded.items()},
    )


def _unverified(item: Mapping[str, Any]) -> bool:
    for designation in item.get("designation", []):
        use = designation.get("use", {}) if isinstance(designation, dict) else {}
        if isinstance(use, dict) and use.get("code") == UNVERIFIED:
            return True
    return False


def _concept_maps(maps: Mapping[str, dict[str, Any]]) -> ConceptMaps:
    region_joints: dict[str, set[str]] = {}
    region_roots: dict[str, list[str]] = {}
    body_joint: dict[tuple[str, str], str] = {}
    body_region: dict[tuple[str, str], str] = {}
    laterality: dict[tuple[str, str], str] = {}
    for group in maps.get(CM_REGION_JOINT, {}).get("group", []):
        target = group.get("target", "")
        for element in group.get("element", []):
            codes = [t["code"] for t in element.get("target", []) if "code" in t]
            if target.endswith("/joint"):
                region_joints.setdefault(element["code"], set()).update(codes)
            elif target.endswith("/nerve-root"):
                region_roots.setdefault(element["code"], []).extend(codes)
    for group in maps.get(CM_BODY_SITE, {}).get("group", []):
        source, target = group.get("source", ""), group.get("target", "")
        table = {
            CS_BASE + "joint": body_joint,
            CS_BASE + "spine-region": body_region,
            CS_BASE + "laterality": laterality,
        }.get(target)
        if table is None:
            continue
        for element in group.get("element", []):
            for t in element.get("target", []):
                table[(source, element["code"])] = t["code"]
    return ConceptMaps(
        region_joints={k: frozenset(v) for k, v in region_joints.items()},
        region_roots={k: tuple(v) for k, v in region_roots.items()},
        body_site_joint=body_joint,
        body_site_region=body_region,
        laterality=laterality,
        symptom_sites=_symptom_sites(maps.get(CM_SYMPTOM_SITE, {})),
    )


def _symptom_sites(cm: Mapping[str, Any]) -> dict[tuple[str, str], tuple[SiteMeaning, ...]]:
    """Each target: the concept meant, when the symptom (dependsOn `concept`) is found at the
    element's body site, on one of the dependsOn `side` values (any side when none)."""
    table: dict[tuple[str, str], list[SiteMeaning]] = {}
    for group in cm.get("group", []):
        source = group.get("source", "")
        for element in group.get("element", []):
            for target in element.get("target", []):
                needs: dict[str, set[str]] = {}
                for dep in target.get("dependsOn", []):
                    needs.setdefault(dep.get("property", ""), set()).add(dep.get("value", ""))
                for symptom in needs.get("concept", ()):
                    meaning = SiteMeaning(symptom, target["code"], frozenset(needs.get("side", ())))
                    table.setdefault((source, element["code"]), []).append(meaning)
    return {k: tuple(v) for k, v in table.items()}
