"""Population evaluation: a FHIR Bulk Data export, every patient evaluated as a patient-view
call would be, summed up for the people deciding whether to switch the service on."""
