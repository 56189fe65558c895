"""Fast, exact reading of raw FHIR JSON: only the elements the facts code reads,
validated as fhir.resources would validate them."""
