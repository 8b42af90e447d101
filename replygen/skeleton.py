"""A new reply (新建答复): the commented skeleton in templates/skeleton.yaml, filled in for one issuer and kind.

The skeleton validates and renders, its placeholders in 【】 so that a draft is plain to see on the page.
"""

from __future__ import annotations

import datetime as dt
from string import Template

from replygen.compose import Templates
from replygen.errors import ReplyError
from replygen.model import Kind

SKELETON = "skeleton.yaml"


def new_reply(templates: Templates, issuer_id: str, kind: Kind, today: dt.date | None = None) -> str:
    """The YAML text of a new reply from `issuer_id`'s profile."""
    known = templates.issuer_ids()
    if issuer_id not in known:
        raise ReplyError.at(f"找不到发文机关档案“{issuer_id}”（现有：{'、'.join(known) or '无'}）",
                            templates.root / "issuers")
    issuer = templates.issuer(issuer_id)
    date = today or dt.date.today()
    prefix = issuer.number_prefix.get(kind)
    path = templates.file(SKELETON)
    return Template(path.read_text(encoding="utf-8")).substitute(
        issuer=issuer_id, kind=kind, organ=issuer.organ, date=date.isoformat(),
        number_example=f"{prefix}〔{date.year}〕245号" if prefix else "完整字号")
