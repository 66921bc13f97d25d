"""Text that may enter the log: checked at the edge, for every string of a command.

Refused (`invalid`): a lone surrogate (not text; no database stores it), NUL and other
control characters but newline and tab (a CR LF pair becomes a newline), and a value made
only of invisible characters (zero-width spaces and joiners, a BOM) and blanks. Removed:
the bidirectional overrides, embeddings and isolates (U+202A–U+202E, U+2066–U+2069), which
let a title display as something other than what it says.
"""
from __future__ import annotations

import re

_BAD = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u180e]")
_WHY = {"\x00": "a NUL character"}
# the same characters as they appear in orjson's output (controls escaped as \u00XX or
# \b \f \r, the others as UTF-8): one search over a command's JSON finds the few commands
# that need the exact, slower walk; a false alarm (an escaped backslash) only costs time
SUSPICIOUS_JSON = re.compile(rb'\\u00|\\[bfr]|\x7f|\xc2[\x80-\x9f]|\xe2\x80[\x8b-\x8d\xaa-\xae]|'
                             rb'\xe2\x81[\xa0\xa6-\xa9]|\xef\xbb\xbf|\xe1\xa0\x8e')


class TextError(ValueError):
    """A string that may not enter the log; the message names the field."""


def _reason(ch: str) -> str:
    if "\ud800" <= ch <= "\udfff":
        return "a lone surrogate (not valid Unicode text)"
    return _WHY.get(ch, f"the control character U+{ord(ch):04X}")


def clean_text(value: str, where: str) -> str:
    """The string as it may be stored, or TextError."""
    if "\r" in value:
        value = value.replace("\r\n", "\n")
    bad = _BAD.search(value)
    if bad:
        raise TextError(f"{where} contains {_reason(bad.group())}, which is not allowed")
    if _BIDI.search(value):
        value = _BIDI.sub("", value)
    if _INVISIBLE.search(value) and not _INVISIBLE.sub("", value).strip():
        raise TextError(f"{where} holds only invisible characters")
    return value


def clean_args(args, path: str = ""):
    """A command's arguments with every string (keys included) checked by `clean_text`;
    the same object when nothing needed cleaning. `path` names the field in messages."""
    if isinstance(args, str):
        return clean_text(args, f"'{path}'" if path else "a value")
    if isinstance(args, dict):
        out = {}
        changed = False
        for k, v in args.items():
            ck = clean_text(k, f"a field name in '{path}'" if path else "a field name") if isinstance(k, str) else k
            cv = clean_args(v, f"{path}.{ck}" if path else str(ck))
            changed |= ck is not k or cv is not v
            out[ck] = cv
        return out if changed else args
    if isinstance(args, list):
        items = [clean_args(v, path) for v in args]
        return items if any(a is not b for a, b in zip(items, args)) else args
    return args


def check_id(command_id: str) -> None:
    """A command id is checked as text, and nothing is removed from it."""
    if clean_text(command_id, "the command id") != command_id:
        raise TextError("the command id contains a bidirectional control character, which is not allowed")
