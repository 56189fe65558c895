"""The demo FHIR server and the card preview (`CDS_DEMO=true`)."""
