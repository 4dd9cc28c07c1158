"""JSON text by C encoders built once, the same text `json.dumps` writes.

`json.dumps` with any setting of its own (no ASCII escapes, other separators, sorted keys)
builds a `JSONEncoder` and its C encoder on every call, about half the cost of a short object.
A run encodes several objects a request (the cache key, the request body, ~30 store lines):
`dumps_function` builds the encoder once for a setting and returns the encoding function.
"""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable
from typing import Any, cast


def dumps_function(
    *, separators: tuple[str, str] = (", ", ": "), sort_keys: bool = False
) -> Callable[[Any], str]:
    """`json.dumps(obj, ensure_ascii=False, separators=separators, sort_keys=sort_keys)` as a
    function. Without a cycle check (`markers` None): the objects are plain data, never
    circular, and no state is shared by the threads that encode."""
    item_separator, key_separator = separators
    make = getattr(json.encoder, "c_make_encoder", None)

    def slow(obj: Any) -> str:
        return json.dumps(obj, ensure_ascii=False, separators=separators, sort_keys=sort_keys)

    if make is None:  # pragma: no cover - CPython has the C accelerator
        return slow
    encoder = cast(
        "Callable[[Any, int], list[str]]",
        make(None, json.JSONEncoder().default, json.encoder.encode_basestring, None,
             key_separator, item_separator, sort_keys, False, True),
    )  # fmt: skip

    def dumps(obj: Any) -> str:
        if isinstance(obj, dict):
            return "".join(encoder(obj, 0))
        return slow(obj)

    return dumps
