"""Issuer profiles (发文机关档案): what repeats across one office's replies, in templates/issuers/<id>.yaml."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr

from replygen.errors import Problem, ReplyError
from replygen.load import load_model
from replygen.model import CopyTo, Kind, empty_dict, empty_list
from replygen.paths import OutsideRoot, inside
from replygen.style import PT_PER_MM, Length
from replygen.yamlsource import DataPath, YamlSource, field_name

SEAL_MM = (20, 60)
"""Seal diameters an office uses lie in this range (42 mm is common for 机关 seals; 40 and 45 occur)."""
SEAL_MAX_BYTES = 4 * 1024 * 1024
"""A seal image is small; a bigger file is a mistake (a photo, a scan of a page), not a seal."""


def _seal_size(value: float) -> float:
    low, high = SEAL_MM
    if not low * PT_PER_MM - 0.01 <= value <= high * PT_PER_MM + 0.01:
        raise ValueError(f"印章尺寸应在 {low}–{high} mm 之间，实际是 {value / PT_PER_MM:g} mm")
    return value


SealLength = Annotated[Length, AfterValidator(_seal_size)]


class _Model(BaseModel):
    # defer_build: each validator is built when first used: Issuer's when a profile is first read (the nested
    # models' own, only where one is made on its own, as a default); defaults are factories, which build nothing
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, defer_build=True)


class OrganSeal(_Model):
    """发文机关印章: a round seal `diameter` across; `image` a PNG with transparency or an SVG in the templates
    folder (none: the space is left for a hand stamp)."""

    image: str | None = None
    diameter: SealLength = "42mm"


class SignatureSeal(_Model):
    """签发人签名章 (GB/T 9704 7.3.5.3): the signer's title printed beside it, its size, an optional image."""

    title: str
    image: str | None = None
    width: SealLength = "20mm"
    height: SealLength = "20mm"


Stamped = bool | Literal["seal", "signature"]
"""false: unstamped (7.3.5.2); true: stamped, space for a hand stamp (7.3.5.1); seal: the profile's seal image
drawn (7.3.5.1); signature: the signature seal (7.3.5.3)."""


class StampProfile(_Model):
    """How this office's replies are stamped, unless a reply says otherwise (its `stamped` field)."""

    stamped: Stamped = False
    seal: OrganSeal | None = None
    signature: SignatureSeal | None = None


class CategoryScheme(BaseModel):
    """How 答复类别 codes print: which label each code has per kind, and where it goes."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, defer_build=True)

    position: Literal["head", "number", "end", "hidden"] = "hidden"
    labels: dict[Kind, dict[str, str]] = Field(default_factory=empty_dict)


class Issuer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, defer_build=True)

    id: str = ""
    organ: str
    number_prefix: dict[Kind, str]
    signature: str
    office: str | None = None
    cc: list[CopyTo] = Field(default_factory=empty_list)
    header: Literal["none", "red", "letter"] = "none"
    header_text: str | None = None
    category: CategoryScheme = Field(default_factory=CategoryScheme)
    stamp: StampProfile = Field(default_factory=StampProfile)
    imprint_even_page: bool = True
    """版记 on an even page (double-sided printing): a page of its own is added when the text ends on an odd one"""
    _source: YamlSource | None = PrivateAttr(default=None)
    _images: dict[str, tuple[bytes, str]] = PrivateAttr(default_factory=dict)

    @property
    def mark(self) -> str:
        """发文机关标志: the organ name as printed in a red header or a letter's head (信函格式)."""
        return self.header_text or self.organ

    def image(self, name: str) -> tuple[bytes, str]:
        """A seal image the profile names, as (bytes, MIME type), read and checked when the profile was loaded."""
        return self._images[name]

    def problem(self, message: str, *at: str | int) -> ReplyError:
        """An error about a field of this profile, located in its file."""
        if self._source is None:
            return ReplyError(Problem(message, None, field_name(at)))
        return ReplyError(Problem(message, self._source.locate(at), field_name(at)))


def load_issuer(templates: Path, issuer_id: str) -> Issuer:
    """The profile `issuer_id` of a templates folder; callers pass only ids they found in its issuers/ folder.
    Seal images it names are read and checked now, so that a bad one stops every reply before anything is
    written."""
    name = f"issuers/{issuer_id}.yaml"
    try:
        path = inside(templates, name)
    except OutsideRoot as exc:
        raise ReplyError.at(f"{exc}，已拒绝：模板目录中的文件只能链接到目录之内", templates / name) from None
    issuer, source = load_model(path, Issuer, id=issuer_id)
    issuer._source = source
    problems = []
    for at, image in _seal_images(issuer):
        try:
            issuer._images[image] = _read_seal(templates, image)
        except ValueError as exc:
            problems.append(Problem(str(exc), source.locate(at), field_name(at)))
    if problems:
        raise ReplyError(problems)
    return issuer


def _seal_images(issuer: Issuer) -> list[tuple[DataPath, str]]:
    stamp = issuer.stamp
    found = []
    if stamp.seal and stamp.seal.image:
        found.append((("stamp", "seal", "image"), stamp.seal.image))
    if stamp.signature and stamp.signature.image:
        found.append((("stamp", "signature", "image"), stamp.signature.image))
    return found


def _read_seal(templates: Path, name: str) -> tuple[bytes, str]:
    """A seal image inside the templates folder: a PNG with transparency (the seal is drawn behind the text, so
    an opaque background would hide it) or an SVG. Raises ValueError with the Chinese reason."""
    try:
        path = inside(templates, name)
    except OutsideRoot as exc:
        raise ValueError(f"印章图像{exc}，已拒绝：印章图像应放在模板目录之内") from None
    try:
        with path.open("rb") as f:
            data = f.read(SEAL_MAX_BYTES + 1)
    except FileNotFoundError:
        raise ValueError(f"找不到印章图像“{name}”（{path}）") from None
    except OSError as exc:
        raise ValueError(f"无法读取印章图像“{name}”：{exc.strerror or exc}") from None
    if len(data) > SEAL_MAX_BYTES:
        raise ValueError(f"印章图像“{name}”超过 {SEAL_MAX_BYTES // 1024 // 1024} MB，不像是一枚印章")
    if name.lower().endswith(".svg"):
        return _svg(data, name), "image/svg+xml"
    return _png(data, name), "image/png"


def _png(data: bytes, name: str) -> bytes:
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ValueError(f"印章图像“{name}”无法读取：应为 PNG（带透明背景）或 SVG 文件") from None
    if image.format != "PNG":
        raise ValueError(f"印章图像“{name}”是 {image.format} 文件：应为 PNG（带透明背景）或 SVG")
    if "A" not in image.getbands() and "transparency" not in image.info:
        raise ValueError(f"印章图像“{name}”没有透明通道：印章压在文字下面，不透明的底色会遮住文字；"
                         "请用背景透明的 PNG")
    alpha = image.convert("RGBA").getchannel("A")
    if alpha.getextrema()[0] == 255:
        raise ValueError(f"印章图像“{name}”没有透明部分（背景不透明）：请用背景透明的 PNG")
    return data


def _svg(data: bytes, name: str) -> bytes:
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        raise ValueError(f"印章图像“{name}”不是有效的 SVG 文件") from None
    if root.tag not in ("svg", "{http://www.w3.org/2000/svg}svg"):
        raise ValueError(f"印章图像“{name}”不是 SVG 图像（根元素是 {root.tag[:40]}）")
    return data
