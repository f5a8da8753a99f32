"""Azure's limits on tags, for resources and resource groups alike: at most
50 tags, names up to 512 characters without the reserved characters
``< > % & \\ ? /`` or control characters (allowed in ``hidden-*`` and
``link:*`` names, which Azure services write), values up to 256 characters.

Confirmed from Azure's documentation (tag-resources#limits) and the
InvalidTagNameCharacters message az prints; the codes for the count and
length errors are inferred (Azure's own client-side checks use them)."""

from __future__ import annotations

from typing import Any

from .errors import ArmError

MAX_TAGS = 50
MAX_NAME = 512
MAX_VALUE = 256
RESERVED = frozenset('<>%&\\?/')


def _short(text: str, n: int = 64) -> str:
    return text if len(text) <= n else text[:n] + "…"


def check_tags(tags: Any) -> None:
    """Raise ARM's 400 for tags beyond Azure's limits (the shape is checked by the caller)."""
    if not isinstance(tags, dict):
        return
    if len(tags) > MAX_TAGS:
        raise ArmError(400, "InvalidTagsCount",
                       f"The number of tags ({len(tags)}) exceeds the maximum of {MAX_TAGS} tags per resource.",
                       target="tags")
    for name, value in tags.items():
        if len(name) > MAX_NAME:
            raise ArmError(400, "InvalidTagNameLength",
                           f"The tag name '{_short(name)}' exceeds the maximum length of {MAX_NAME} characters.",
                           target="tags")
        low = name.lower()
        if not (low.startswith("hidden") or low.startswith("link")) and \
                any(c in RESERVED or ord(c) < 32 or ord(c) == 127 for c in name):
            raise ArmError(400, "InvalidTagNameCharacters",
                           f"The tag names '{_short(name)}' have reserved characters '<,>,%,&,\\,?,/' or control "
                           "characters.", target="tags")
        if isinstance(value, str) and len(value) > MAX_VALUE:
            raise ArmError(400, "InvalidTagValueLength",
                           f"The tag value '{_short(value)}' of tag '{_short(name)}' exceeds the maximum length of "
                           f"{MAX_VALUE} characters.", target="tags")
