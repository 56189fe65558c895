"""Every error the service raises on purpose, mapped to HTTP in one place (`cds.api.app`).

CdsError
├── InvalidRequest            400  the body breaks the CDS Hooks spec or the hook definition
│   └── HookMismatch          400  `hook` is not the one the service answers
├── Unauthorized              401  missing or invalid bearer JWT
├── Forbidden                 403  fhirServer not allowed
├── UnknownService            404
├── PayloadTooLarge           413  the body is over CDS_MAX_BODY_BYTES
│   └── TooManyResources            a prefetch key's resources, prefetched or fetched, are over
│                                   CDS_MAX_RESOURCES_PER_PREFETCH
├── UnsupportedMediaType      415
├── PrefetchUnavailable       412  data the engine needs could be neither prefetched nor fetched
│   └── FhirServerError             the FHIR server failed (status, time-out, not FHIR)
└── StoreUnavailable          503  the feedback/audit store cannot be reached

InvalidDocument                    not a CdsError, never HTTP: a file the offline `cds evaluate`
                                   cannot read as a request, scenario or Bundle
"""


class CdsError(Exception):
    status_code = 500
    error = "internal"

    def __init__(
        self, message: str, *, field: str | None = None, reason: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.reason = reason  # a code for the logs (`aud-mismatch`), never sent to the client

    def body(self) -> dict[str, str]:
        body = {"error": self.error, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        return body


class InvalidRequest(CdsError):
    status_code = 400
    error = "invalid-request"


class HookMismatch(InvalidRequest):
    error = "hook-mismatch"


class Unauthorized(CdsError):
    status_code = 401
    error = "unauthorized"


class Forbidden(CdsError):
    status_code = 403
    error = "forbidden"


class UnknownService(CdsError):
    status_code = 404
    error = "unknown-service"


class PayloadTooLarge(CdsError):
    status_code = 413
    error = "payload-too-large"


class TooManyResources(PayloadTooLarge):
    """The same 413 whether the EHR prefetched the resources or the FHIR server returned them:
    asking again cannot help (unlike a 412), and the engine never judges a record cut short."""

    def __init__(self, key: str, limit: int) -> None:
        super().__init__(
            f"prefetch.{key} holds more than {limit} resources", field=f"prefetch.{key}"
        )


class UnsupportedMediaType(CdsError):
    status_code = 415
    error = "unsupported-media-type"


class PrefetchUnavailable(CdsError):
    status_code = 412
    error = "prefetch-unavailable"


class FhirServerError(PrefetchUnavailable):
    error = "fhir-server-error"


class StoreUnavailable(CdsError):
    status_code = 503
    error = "store-unavailable"


class InvalidDocument(Exception):
    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
