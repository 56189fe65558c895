"""PatientRecord (raw FHIR JSON) → Facts: select cheaply, validate what is read of the few."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from cds.facts.actions import RedFlagAction, action_kind, has_imaging_category, red_flag_action
from cds.facts.conditions import condition_facts
from cds.facts.fhir.dates import to_date, today_of, years_between
from cds.facts.fhir.validate import CONDITION, OBSERVATION, SERVICE_REQUEST, InvalidResource
from cds.facts.imaging import imaging_order, may_be_imaging
from cds.facts.medicines import medicine_facts
from cds.facts.model import (
    DraftOrder,
    Fact,
    Facts,
    ImagingOrder,
    Measurement,
    PatientInfo,
    Referral,
    SkippedResource,
)
from cds.facts.notes import has_text, note_matches, presence_result
from cds.facts.observations import USABLE, effective_date, measurement, observation_facts
from cds.facts.orders import draft_order, existing_referrals, referral_kinds
from cds.facts.pregnancy import pregnancy_status
from cds.facts.record import PatientRecord
from cds.facts.select import match_codeable, raw_reference, standard_coded
from cds.terminology import CodeMatch, Terminology
from cds.types import Hook

GENDERS = frozenset({"male", "female", "other", "unknown"})


class _Collector:
    def __init__(self, record: PatientRecord, hook: Hook, now: datetime, term: Terminology):
        self.record = record
        self.hook = hook
        self.today = today_of(now)
        self.term = term
        self.facts: list[Fact] = []
        self.measurements: list[Measurement] = []
        self.referrals: list[Referral] = []
        self.orders: list[DraftOrder] = []
        self.imaging_orders: list[ImagingOrder] = []
        self.actions: list[RedFlagAction] = []
        self.spinal_orders: list[str] = []
        self.skipped: list[SkippedResource] = []
        self.ignored: list[str] = []
        self.patient: PatientInfo | None = None

    def run(self) -> Facts:
        self._patient()
        birth = self.patient.birth_date if self.patient else None
        for i, raw in enumerate(_as_list(self.record.conditions)):
            self._condition(i, raw, birth)
        for i, raw in enumerate(_as_list(self.record.observations)):
            self._observation(i, raw)
        for i, raw in enumerate(_as_list(self.record.service_requests)):
            self._service_request(i, raw, "serviceRequests", draft=False)
        if self.hook != "patient-view":
            for i, raw in enumerate(_as_list(self.record.draft_orders)):
                self._service_request(i, raw, "draftOrders", draft=True)
        medications = self.record.medications
        for i, raw in enumerate(_as_list(medications)):
            self.facts.extend(medicine_facts(raw, i, self.term))
        return Facts(
            patient_id=self.record.patient_id,
            patient=self.patient,
            facts=tuple(self.facts),
            measurements=tuple(self.measurements),
            referrals=tuple(self.referrals),
            orders=tuple(self.orders),
            skipped=tuple(self.skipped),
            ignored=tuple(self.ignored),
            imaging_orders=tuple(self.imaging_orders),
            medicines_available=medications is not None,
            actions=tuple(self.actions),
            spinal_orders=tuple(self.spinal_orders),
        )

    def _skip(self, source: str, index: int, raw: Any, rtype: str, reason: str) -> None:
        self.skipped.append(
            SkippedResource(source, index, raw_reference(raw, rtype, source, index), reason)
        )

    def _patient(self) -> None:
        """Only id, birthDate and gender are read, so only they are checked (no model)."""
        raw = self.record.patient
        if not isinstance(raw, dict):
            return
        if raw.get("resourceType") != "Patient":
            self._skip("patient", 0, raw, "Patient", "not a Patient")
            return
        pid, gender = raw.get("id"), raw.get("gender")
        birth = to_date(raw.get("birthDate"))
        age = years_between(birth, self.today) if birth else None
        self.patient = PatientInfo(
            reference=f"Patient/{pid if isinstance(pid, str) and pid else self.record.patient_id}",
            age=age if age is not None and 0 <= age <= 130 else None,
            sex=gender if isinstance(gender, str) and gender in GENDERS else None,
            birth_date=birth,
        )

    def _condition(self, index: int, raw: Any, birth: Any) -> None:
        matches = _selected(raw, "Condition", self.term)
        if matches is None:
            return
        try:
            model = CONDITION.read(raw)
        except InvalidResource as exc:
            self._skip("conditions", index, raw, "Condition", exc.reason)
            return
        reference = raw_reference(raw, "Condition", "conditions", index)
        read = note_matches(model.note, None, self.term)
        facts = condition_facts(model, reference, matches, self.term, birth, read)
        code_text = model.code.text if model.code is not None and model.code.text else ""
        named = [(m, code_text, None) for m in matches] + [(n.match, n.label, n.time) for n in read]
        self._text_results(reference, named)
        if facts is None:
            self.ignored.append(reference)
        else:
            self.facts.extend(facts)

    def _observation(self, index: int, raw: Any) -> None:
        matches = _selected(raw, "Observation", self.term)
        if matches is None:
            return
        status = raw.get("status")
        if not isinstance(status, str) or status not in USABLE:
            self.ignored.append(raw_reference(raw, "Observation", "observations", index))
            return
        try:
            model = OBSERVATION.read(raw)
        except InvalidResource as exc:
            self._skip("observations", index, raw, "Observation", exc.reason)
            return
        reference = raw_reference(raw, "Observation", "observations", index)
        effective = effective_date(model)
        lookback = self.term.rules.observation_lookback_days
        if effective is not None and (self.today - effective).days > lookback:
            self.ignored.append(reference)
            return
        read = note_matches(model.note, model.valueString, self.term)
        for match in matches:
            if "marker" in match.concept.roles:
                self.measurements.append(measurement(model, reference, match, self.term, effective))
        self._text_results(reference, [(n.match, n.label, n.time or effective) for n in read])
        findings = tuple(m for m in matches if "marker" not in m.concept.roles)
        facts = observation_facts(model, reference, findings, read, self.term, effective)
        self.facts.extend(
            pregnancy_status(model, f) if "pregnancy-status" in f.roles else f for f in facts
        )

    def _text_results(
        self, reference: str, named: list[tuple[CodeMatch, str, date | None]]
    ) -> None:
        """Presence tests named in text with their result ("HLA-B27 positive")."""
        for match, clause, when in named:
            result = presence_result(match, clause, self.term)
            if result is not None:
                marker = match.attrs.get("marker", match.concept.id)
                self.measurements.append(
                    Measurement(reference, marker, clause[:80], None, "", result, when)
                )

    def _service_request(self, index: int, raw: Any, source: str, *, draft: bool) -> None:
        if not isinstance(raw, dict) or raw.get("resourceType") != "ServiceRequest":
            return
        reference = raw_reference(raw, "ServiceRequest", source, index)
        if draft and self._selected(reference) and action_kind(raw, self.term) == "spinal-imaging":
            self.spinal_orders.append(reference)
        action = None if draft else red_flag_action(raw, reference, self.term)
        if action is not None:
            self.actions.append(action)
        matches = match_codeable(raw.get("code"), self.term, text_with_standard_codes=True)
        wanted = bool(referral_kinds(matches))
        if draft and not wanted:
            wanted = (
                any("order-watched" in m.concept.roles for m in matches)
                or may_be_imaging(matches)
                or has_imaging_category(raw, self.term)
            )
        if not wanted:
            return
        try:
            model = SERVICE_REQUEST.read(raw)
        except InvalidResource as exc:
            self._skip(source, index, raw, "ServiceRequest", exc.reason)
            return
        self.referrals.extend(existing_referrals(model, reference, matches))
        if draft and self._selected(reference):
            order = draft_order(model, reference, matches, self.term)
            if order is not None:
                self.orders.append(order)
            imaging = imaging_order(model, reference, matches, self.term)
            if imaging is not None:
                self.imaging_orders.append(imaging)

    def _selected(self, reference: str) -> bool:
        selections = self.record.selections
        if self.hook != "order-select" or not selections:
            return True
        return reference in selections


def _selected(raw: Any, resource_type: str, term: Terminology) -> tuple[CodeMatch, ...] | None:
    """The concepts a resource's code matches; () when none does but its notes and string value
    are still read (no standard code says it is about something else); None: not read."""
    if type(raw) is not dict or raw.get("resourceType") != resource_type:
        return None
    matches = match_codeable(raw.get("code"), term)
    if matches or (has_text(raw) and not standard_coded(raw)):
        return matches
    return None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def extract_facts(record: PatientRecord, hook: Hook, now: datetime, term: Terminology) -> Facts:
    return _Collector(record, hook, now, term).run()
