"""Weights, thresholds and time windows (rules.json), typed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cds.terminology.imaging_rules import ImagingRules, parse_imaging_rules


@dataclass(frozen=True, slots=True)
class IndicatorRule:
    key: str
    weight: float
    strong: bool
    label: str


@dataclass(frozen=True, slots=True)
class UnitConversion:
    units: frozenset[str]
    """Lower case, as written in Quantity.unit or .code."""
    to: str
    add: float = 0.0
    multiply: float = 1.0
    divide: float = 1.0
    round: int | None = None

    def convert(self, value: float) -> float:
        if self.add:
            value = value + self.add
        value = value * self.multiply / self.divide
        return value if self.round is None else round(value, self.round)


@dataclass(frozen=True, slots=True)
class Rules:
    indicators: tuple[IndicatorRule, ...]
    warning_min_indicators: int
    warning_needs_strong: bool
    info_min_indicators: int
    supporting_weight: Mapping[str, float]
    chronic_days: int
    new_neuro_days: int
    new_back_pain_days: int
    fever_days: int
    observation_lookback_days: int
    history_lookback_days: int
    fever_celsius: float
    age_concern: int
    ng65_min_duration_days: int
    ng65_onset_before_age: int
    ng65_early_onset_age: int
    ng65_min_features: int
    ng65_min_features_with_hla: int
    marker_upper: Mapping[str, tuple[float, str]]
    bilateral_sciatica_is_cauda_equina: bool
    thoracic_pain_is_red_flag: bool
    pattern_joints: Mapping[str, frozenset[str]]
    pattern_regions: Mapping[str, frozenset[str]]
    pattern_postures: Mapping[str, frozenset[str]]
    upper_limb: frozenset[str]
    lower_limb: frozenset[str]
    hip_referred: frozenset[str]
    """Lower-limb sites whose card adds the hip examination."""
    max_text_chars: int
    max_cards: int
    imaging: ImagingRules
    upper_regions: frozenset[str]
    lower_back_regions: frozenset[str]
    """Regions of sciatica, and of new bilateral sciatica that is cauda equina ("unspecified":
    not known)."""
    unit_conversions: Mapping[str, tuple[UnitConversion, ...]]
    """By marker."""
    child_age: int
    steroid_days: int
    joint_flag_days: int
    pregnancy_days: int
    nsaid_age: int
    thoracic_age_under: int
    thoracic_age_from: int
    pmr_age: int
    pmr_crp: float
    myeloma_age: int
    start_back_low_max: int
    start_back_high_psychosocial: int
    _by_key: Mapping[str, IndicatorRule] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_key = {r.key: r for r in reversed(self.indicators)}
        object.__setattr__(self, "_by_key", by_key)

    def indicator(self, key: str) -> IndicatorRule:
        return self._by_key[key]


def merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def parse_rules(raw: Mapping[str, Any]) -> Rules:
    days = raw["days"]
    levels = raw["levels"]
    ng65 = raw["ng65"]
    patient = raw["patient"]
    patterns = {k: v for k, v in raw["patterns"].items() if isinstance(v, dict)}
    return Rules(
        indicators=tuple(
            IndicatorRule(k, float(v["weight"]), bool(v["strong"]), str(v["label"]))
            for k, v in raw["indicators"].items()
            if isinstance(v, dict)
        ),
        warning_min_indicators=int(levels["warningMinIndicators"]),
        warning_needs_strong=bool(levels["warningNeedsStrong"]),
        info_min_indicators=int(levels["infoMinIndicators"]),
        supporting_weight={
            k: float(v) for k, v in raw["supportingWeight"].items() if not k.startswith("_")
        },
        chronic_days=int(days["chronic"]),
        new_neuro_days=int(days["newNeurological"]),
        new_back_pain_days=int(days["newBackPain"]),
        fever_days=int(days["fever"]),
        observation_lookback_days=int(days["observationLookback"]),
        history_lookback_days=int(days["historyLookback"]),
        fever_celsius=float(raw["temperatureFeverCelsius"]),
        age_concern=int(raw["ageConcern"]),
        ng65_min_duration_days=int(ng65["minDurationDays"]),
        ng65_onset_before_age=int(ng65["onsetBeforeAge"]),
        ng65_early_onset_age=int(ng65["earlyOnsetAge"]),
        ng65_min_features=int(ng65["minFeatures"]),
        ng65_min_features_with_hla=int(ng65["minFeaturesWithHlaB27"]),
        marker_upper={
            k: (float(v["upper"]), str(v["unit"]))
            for k, v in raw["markers"].items()
            if isinstance(v, dict)
        },
        bilateral_sciatica_is_cauda_equina=bool(raw["redFlags"]["bilateralSciaticaIsCaudaEquina"]),
        thoracic_pain_is_red_flag=bool(raw["redFlags"]["thoracicBackPainIsRedFlag"]),
        pattern_joints={k: frozenset(v.get("joints", ())) for k, v in patterns.items()},
        pattern_regions={k: frozenset(v.get("regions", ())) for k, v in patterns.items()},
        pattern_postures={k: frozenset(v.get("postures", ())) for k, v in patterns.items()},
        upper_limb=frozenset(raw["limbs"]["upper"]),
        lower_limb=frozenset(raw["limbs"]["lower"]),
        hip_referred=frozenset(raw["limbs"]["hipReferred"]),
        max_text_chars=int(raw["maxTextChars"]),
        max_cards=int(raw["maxCards"]),
        imaging=parse_imaging_rules(raw["imagingAppropriateness"]),
        upper_regions=frozenset(raw["regions"]["upper"]),
        lower_back_regions=frozenset(raw["regions"]["lowerBack"]),
        unit_conversions={
            marker: tuple(_conversion(c) for c in conversions)
            for marker, conversions in raw["unitConversions"].items()
            if not marker.startswith("_")
        },
        child_age=int(patient["childAge"]),
        steroid_days=int(patient["steroidDays"]),
        joint_flag_days=int(patient["jointFlagDays"]),
        pregnancy_days=int(patient["pregnancyDays"]),
        nsaid_age=int(patient["nsaidAge"]),
        thoracic_age_under=int(patient["thoracicAgeUnder"]),
        thoracic_age_from=int(patient["thoracicAgeFrom"]),
        pmr_age=int(patient["pmrAge"]),
        pmr_crp=float(patient["pmrCrp"]),
        myeloma_age=int(patient["myelomaAge"]),
        start_back_low_max=int(patient["startBackLowMax"]),
        start_back_high_psychosocial=int(patient["startBackHighPsychosocial"]),
    )


def _conversion(raw: Mapping[str, Any]) -> UnitConversion:
    return UnitConversion(
        units=frozenset(raw["units"]),
        to=str(raw["to"]),
        add=float(raw.get("add", 0)),
        multiply=float(raw.get("multiply", 1)),
        divide=float(raw.get("divide", 1)),
        round=None if raw.get("round") is None else int(raw["round"]),
    )
