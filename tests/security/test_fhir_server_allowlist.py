import pytest

from cds.exceptions import Forbidden
from cds.security import check_fhir_server, is_loopback_host, parse_origin_patterns

LOOPBACK = (
    "http://127.0.0.1:*, https://127.0.0.1:*, http://localhost:*, https://localhost:*,"
    " http://[::1]:*, https://[::1]:*"
)


def allowed(url: str, raw: str | None = None) -> bool:
    try:
        check_fhir_server(url, parse_origin_patterns(raw))
    except Forbidden as exc:
        assert exc.field == "fhirServer"
        return False
    return True


def refusal(url: str, raw: str | None = None) -> str:
    with pytest.raises(Forbidden) as raised:
        check_fhir_server(url, parse_origin_patterns(raw))
    assert raised.value.field == "fhirServer"
    return raised.value.message


@pytest.mark.parametrize("raw", [None, "", " , "])
def test_by_default_no_server_is_allowed(raw: str | None) -> None:
    assert parse_origin_patterns(raw) == ()
    for url in [
        "http://127.0.0.1:8080/fhir",
        "https://localhost/fhir",
        "https://fhir.example.org/",
    ]:
        assert not allowed(url, raw), url


def test_loopback_origins_with_any_port() -> None:
    raw = LOOPBACK
    for url in [
        "http://127.0.0.1:8080/fhir",
        "https://127.0.0.1/fhir",
        "http://localhost:3000/fhir",
        "HTTP://LOCALHOST/fhir",
        "http://[::1]:8080/fhir",
        "https://[0:0:0:0:0:0:0:1]:8443/fhir",
    ]:
        assert allowed(url, raw), url
    for url in ["https://fhir.example.org/fhir", "http://127.0.0.2:8080/", "http://[::2]/"]:
        assert not allowed(url, raw), url


def test_patterns_are_normalised() -> None:
    raw = "HTTPS://FHIR.example.org:443/, https://fhir.example.org, http://[0::1]:80"
    assert parse_origin_patterns(raw) == ("https://fhir.example.org", "http://[::1]")


@pytest.mark.parametrize(
    "raw",
    [
        "fhir.example.org",
        "https://",
        "https://fhir.example.org/fhir",
        "https://fhir-*.example.org",
        "https://fhir.example.org:99999",
        "https://fhir.example.org:0",
        "https://user@fhir.example.org",
        "ftp://fhir.example.org",
        "https://[127.0.0.1]",
        "https://0x7f.1",
    ],
)
def test_malformed_patterns_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="fhirServer pattern"):
        parse_origin_patterns(raw)


@pytest.mark.parametrize("raw", ["http://fhir.example.org", "http://*.example.org:*"])
def test_http_patterns_are_refused_off_loopback(raw: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        parse_origin_patterns(raw)


def test_https_is_required_off_loopback() -> None:
    raw = "https://fhir.example.org:*"
    assert allowed("https://fhir.example.org/fhir", raw)
    assert refusal("http://fhir.example.org/fhir", raw) == "fhirServer must use https"
    assert refusal("http://fhir.example.org:443/fhir", raw) == "fhirServer must use https"


def test_wildcard_matches_whole_subdomain_labels() -> None:
    raw = "https://*.ehr.example"
    for url in [
        "https://a.ehr.example/fhir",
        "https://a.b.ehr.example/r4",
        "https://A.EHR.example",
    ]:
        assert allowed(url, raw), url
    for url in [
        "https://ehr.example/fhir",
        "https://evil-ehr.example/fhir",
        "https://a.ehr.example.evil.com/fhir",
        "https://a.ehr.example:8443/fhir",
        "https://1.2.3.4/fhir",
    ]:
        assert not allowed(url, raw), url
    assert not allowed("https://8.8.8.8/fhir", "https://*")


def test_port_wildcard_and_default_ports() -> None:
    assert allowed("https://fhir.example.org:8443/fhir", "https://fhir.example.org:*")
    assert allowed("https://fhir.example.org/fhir", "https://fhir.example.org:*")
    assert allowed("https://fhir.example.org:443/fhir", "https://fhir.example.org")
    assert not allowed("https://fhir.example.org:8443/fhir", "https://fhir.example.org")
    assert allowed("https://fhir.example.org:8443/fhir", "https://fhir.example.org:8443")
    assert not allowed("https://fhir.example.org/fhir", "https://fhir.example.org:8443")


@pytest.mark.parametrize(
    "url",
    [
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.5/fhir",
        "https://172.16.3.4/fhir",
        "https://192.168.1.10/fhir",
        "https://100.64.0.1/fhir",
        "https://0.0.0.0/fhir",
        "https://224.0.0.1/fhir",
        "https://[fc00::1]/fhir",
        "https://[fe80::1]/fhir",
        "https://[::]/fhir",
        "https://[ff02::1]/fhir",
        "https://[::ffff:169.254.169.254]/fhir",
    ],
)
def test_private_and_link_local_addresses_are_refused(url: str) -> None:
    assert refusal(url, "https://*, https://*:*") == "fhirServer is a private or link-local address"


def test_a_private_address_named_exactly_is_allowed() -> None:
    assert allowed("https://10.0.0.5:8443/fhir", "https://10.0.0.5:8443")
    assert not allowed("https://10.0.0.6:8443/fhir", "https://10.0.0.5:8443")


@pytest.mark.parametrize(
    "url",
    [
        "https://2852039166/latest",
        "https://0xa9fea9fe/latest",
        "https://169.254.43518/latest",
        "https://0251.0376.0251.0376/latest",
        "http://0x7f.1:8080/fhir",
    ],
)
def test_non_canonical_ip_addresses_are_refused(url: str) -> None:
    assert refusal(url, "https://*") == "fhirServer is not a valid URL"


@pytest.mark.parametrize(
    "url",
    [
        "https://user:secret@fhir.example.org/fhir",
        "http://127.0.0.1@evil.example/fhir",
        "http://evil.example@127.0.0.1:8080/fhir",
        "https://@fhir.example.org/fhir",
    ],
)
def test_userinfo_is_refused(url: str) -> None:
    raw = "https://fhir.example.org, http://127.0.0.1:*"
    assert refusal(url, raw) == "fhirServer must not contain credentials"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "gopher://127.0.0.1:70/_GET",
        "ftp://127.0.0.1/fhir",
        "javascript:alert(1)",
        "//127.0.0.1/fhir",
        "127.0.0.1:8080/fhir",
        "",
    ],
)
def test_other_schemes_are_refused(url: str) -> None:
    assert refusal(url) == "fhirServer must be an http or https URL"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1\\@evil.example/fhir",
        " http://127.0.0.1/fhir",
        "http://127.0.0.1/fh ir",
        "http://127.0.0.1\n.evil.example/",
        "http://127.0.0.1%2f@evil.example/",
        "http://[fe80::1%25eth0]/",
        "http:///fhir",
        "http://127.0.0.1:0/fhir",
        "http://127.0.0.1:99999/fhir",
        "http://[::1/fhir",
        "http://localhost./fhir",
        "http://l\u00f6calhost/fhir",
    ],
)
def test_malformed_urls_are_refused(url: str) -> None:
    assert not allowed(url)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("127.0.0.1", True),
        ("127.5.6.7", True),
        ("::1", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),
        ("localhost.evil.example", False),
        ("10.0.0.1", False),
        ("::", False),
        ("example.org", False),
    ],
)
def test_is_loopback_host(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback
