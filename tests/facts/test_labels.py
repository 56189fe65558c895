"""Order names quoted on cards are shortened at a word boundary, never mid-word."""

from cds.facts.labels import shortened
from tests.engine.test_engine import cards, cond, knee_xray, run

MRI = (
    "Magnetic resonance (eg, proton) imaging, any joint of lower extremity; "
    "without contrast material(s)"
)


def test_a_long_order_name_on_a_card_ends_with_whole_words_and_an_ellipsis() -> None:
    order = knee_xray()
    order["code"] = {"text": MRI}
    result = run(
        [cond("M54.41"), cond("M25.561"), cond("R20.2")], "order-sign", draft_orders=[order]
    )
    (card,) = cards(result)
    assert "lower extremity; without… (`ServiceRequest/xr`)" in card["detail"]
    assert "material" not in card["detail"]


def test_shortened_keeps_what_fits_and_cuts_only_an_overlong_word() -> None:
    assert shortened("XR knee 2 views", 80) == "XR knee 2 views"
    assert shortened("XR knee 2 views", 9) == "XR knee…"
    assert shortened("XR knee, 2 views", 10) == "XR knee…"
    assert shortened("Arthrography", 8) == "Arthrog…"
    assert len(shortened(MRI, 80)) <= 80
