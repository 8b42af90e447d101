"""Reply data → readable YAML in the seed's field order, every scalar written so that our safe loader reads back
exactly the same value (checked by the caller, which reloads the text)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import yaml

ORDER = ("issuer", "kind", "doc_number", "category", "signer", "disclosure", "session", "number", "subject",
         "title", "salutation", "opening", "body", "closing", "closing_block", "signature", "date", "contact", "notes",
         "cc", "printed", "attachments", "as_printed")
BLOCK_WIDTH = 60
"""Long text becomes a `|` block cut into lines of this many characters (the loader joins them back)."""


KEY_ORDER = {"achievements": ("intro", "items", "outro"), "next_steps": ("intro", "numbering", "tiers"),
             "as_printed": ("head", "salutation", "date", "notes", "cc", "printed")}


def to_yaml(data: dict[str, Any], header: str = "") -> str:
    ordered = {key: data[key] for key in ORDER if key in data}
    out = [f"# {line}" if line else "#" for line in header.splitlines()]
    for key, value in ordered.items():
        out += _entry(key, value, 0)
        if key in ("subject", "opening", "body", "date"):
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _entry(key: str, value: Any, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(value, dict) and value:
        if key in KEY_ORDER:
            value = {k: value[k] for k in KEY_ORDER[key] if k in value} | value
        return [f"{pad}{key}:", *_mapping(value, indent + 2)]
    if isinstance(value, list) and value:
        if all(isinstance(v, str) and len(v) <= 12 for v in value) and sum(map(len, value)) <= 40:
            flow = ", ".join(_scalar(v) for v in value)
            if yaml.safe_load(f"k: [{flow}]") == {"k": value}:
                return [f"{pad}{key}: [{flow}]"]
        return [f"{pad}{key}:", *_sequence(value, indent + 2)]
    if isinstance(value, str) and len(value) > BLOCK_WIDTH:
        return [f"{pad}{key}: |", *_block(value, indent + 2)]
    return [f"{pad}{key}: {_scalar(value)}"]


def _mapping(value: dict[str, Any], indent: int) -> list[str]:
    return [line for k, v in value.items() for line in _entry(k, v, indent)]


def _sequence(value: list[Any], indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    for item in value:
        if isinstance(item, dict) and item:
            inner = _mapping(item, indent + 2)
            out.append(f"{pad}- {inner[0].lstrip()}")
            out += inner[1:]
        elif isinstance(item, list) and item:
            inner = _sequence(item, indent + 2)
            out.append(f"{pad}- {inner[0].lstrip()}")
            out += inner[1:]
        elif isinstance(item, str) and len(item) > BLOCK_WIDTH:
            out += [f"{pad}- |", *_block(item, indent + 2)]
        else:
            out.append(f"{pad}- {_scalar(item)}")
    return out


def _block(text: str, indent: int) -> list[str]:
    """Lines of a `|` block. The loader strips each line and joins them, so a cut never falls beside a space."""
    pad = " " * indent
    lines, start = [], 0
    while len(text) - start > BLOCK_WIDTH:
        cut = start + BLOCK_WIDTH
        while cut < len(text) and (text[cut - 1].isspace() or text[cut].isspace()):
            cut += 1
        lines.append(text[start:cut])
        start = cut
    lines.append(text[start:])
    return [pad + line for line in lines if line]


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | dt.date):
        return str(value) if isinstance(value, int) else value.isoformat()
    if isinstance(value, list | dict):
        return "[]" if isinstance(value, list) else "{}"
    text = str(value)
    try:
        plain_ok = (yaml.safe_load(f"k: {text}") == {"k": text} and text == text.strip()
                    and not text.replace(".", "").replace("-", "").isdigit())
    except yaml.YAMLError:
        plain_ok = False
    return text if plain_ok else json.dumps(text, ensure_ascii=False)
