"""Getting a patient's data: the EHR's prefetch, its FHIR server, or a file for the CLI."""
