"""Issuer profiles (发文机关档案): what repeats across one office's replies, in templates/issuers/<id>.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from replygen.errors import ReplyError
from replygen.load import load_model
from replygen.model import CopyTo, Kind
from replygen.paths import OutsideRoot, inside


class CategoryScheme(BaseModel):
    """How 答复类别 codes print: which label each code has per kind, and where it goes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    position: Literal["head", "number", "end", "hidden"] = "hidden"
    labels: dict[Kind, dict[str, str]] = Field(default_factory=dict)


class Issuer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = ""
    organ: str
    number_prefix: dict[Kind, str]
    signature: str
    office: str | None = None
    cc: list[CopyTo] = Field(default_factory=list)
    header: Literal["none", "red", "letter"] = "none"
    header_text: str | None = None
    category: CategoryScheme = CategoryScheme()

    @property
    def mark(self) -> str:
        """发文机关标志: the organ name as printed in a red header or a letter's head (信函格式)."""
        return self.header_text or self.organ


def load_issuer(templates: Path, issuer_id: str) -> Issuer:
    """The profile `issuer_id` of a templates folder; callers pass only ids they found in its issuers/ folder."""
    name = f"issuers/{issuer_id}.yaml"
    try:
        path = inside(templates, name)
    except OutsideRoot as exc:
        raise ReplyError.at(f"{exc}，已拒绝：模板目录中的文件只能链接到目录之内", templates / name) from None
    return load_model(path, Issuer, id=issuer_id)[0]
