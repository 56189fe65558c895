"""Labels quoted on cards, shortened for reading: at a word boundary, with an ellipsis."""

ELLIPSIS = "…"
_TRAILING = " ,;:-/("


def shortened(text: str, limit: int) -> str:
    """`text` when it fits in `limit` characters, else its longest run of whole words that fits
    with an ellipsis; a first word longer than that is cut."""
    if len(text) <= limit:
        return text
    room = text[: limit - len(ELLIPSIS)]
    if not text[len(room)].isspace():
        head, space, _ = room.rpartition(" ")
        room = head if space and head.strip() else room
    return room.rstrip(_TRAILING) + ELLIPSIS
