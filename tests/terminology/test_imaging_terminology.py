"""The lumbar imaging value sets and rules: exact CPT codes, exclusions that name real concepts,
and new ICD prefixes that take no code away from an older concept."""

from __future__ import annotations

from cds.terminology import default_terminology
from cds.terminology.model import PREFIX_SYSTEMS

CPT = "http://www.ama-assn.org/go/cpt"
LUMBAR = {
    "xray": ["72100", "72110", "72114", "72120"],
    "mri": ["72148", "72149", "72158"],
    "ct": ["72131", "72132", "72133"],
}
NEIGHBOURS = ["72125", "72128", "72141", "72146", "72156", "72157", "72170", "72190", "721"]
IMAGING_CONCEPTS = ("lumbar-spine-xray", "lumbar-spine-mri", "lumbar-spine-ct")


def roles(system: str, code: str) -> set[str]:
    return {r for e in default_terminology().coded_matches(system, code) for r in e.concept.roles}


def test_each_lumbar_code_has_its_modality_and_no_neighbour_matches() -> None:
    term = default_terminology()
    for modality, codes in LUMBAR.items():
        for code in codes:
            [entry] = term.coded_matches(CPT, code)
            assert entry.attrs["modality"] == modality
    for code in NEIGHBOURS:
        assert "lumbar-imaging" not in roles(CPT, code), code


def test_dxa_and_lumbar_injections_are_not_counted() -> None:
    for code in ["77080", "64483", "62323", "64493"]:
        assert roles(CPT, code) == {"imaging-not-counted"}, code


def test_every_exclusion_names_concepts_that_exist() -> None:
    term = default_terminology()
    exclusions = term.rules.imaging.exclusions
    assert {e.name for e in exclusions} == {
        "cancer",
        "trauma",
        "iv-drug-use",
        "neurological-deficit",
        "immunosuppression",
        "steroids",
        "spondyloarthritis",
        "lumbar-surgery",
    }
    for exclusion in exclusions:
        assert exclusion.concepts <= term.concepts.keys(), exclusion.name


def test_new_icd_prefixes_take_no_code_away_from_an_older_concept() -> None:
    """The longest listed ICD prefix wins: an exclusion prefix longer than another concept's
    would hide that concept (a red flag, say) for the codes under it."""
    term = default_terminology()
    ours = {c.id for c in term.concepts.values() if c.id.startswith("imaging-")}
    for (system, prefix), entries in term.prefix.items():
        if system not in PREFIX_SYSTEMS or not {e.concept.id for e in entries} <= ours:
            continue
        for length in range(1, len(prefix)):
            shorter = term.prefix.get((system, prefix[:length]), ())
            hidden = {e.concept.id for e in shorter} - ours
            assert not hidden, f"{system} {prefix} hides {hidden}"


def test_exclusion_codes_keep_their_red_flag_meaning() -> None:
    term = default_terminology()
    icd = "http://hl7.org/fhir/sid/icd-10-cm"
    for code, both in [
        ("S32.009A", {"vertebral-fracture", "imaging-exclusion-trauma"}),
        ("F11.20", {"infection-risk", "imaging-exclusion-iv-drug-use"}),
        ("D84.9", {"infection-risk", "imaging-exclusion-immunosuppression"}),
        ("Z79.52", {"fracture-risk", "imaging-exclusion-steroids", "corticosteroid-systemic"}),
    ]:
        assert {e.concept.id for e in term.coded_matches(icd, code)} == both, code
