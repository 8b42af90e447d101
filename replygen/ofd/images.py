"""An image XObject of the PDF as the file an OFD MultiMedia resource holds: PNG (its transparency included) or JPEG.

WeasyPrint stores a PNG's pixels as the PNG's own compressed rows (FlateDecode with PNG predictors, which is what a
PNG's IDAT holds) and its alpha channel as a soft mask beside them. An image without a mask is rewrapped as a PNG
without decoding; one with a mask (every seal: a seal is red ink on a transparent ground) is decoded, given its
mask as alpha and encoded once per process: a batch stamps every reply with the same few seals.
"""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

from replygen.errors import Problem, ReplyError
from replygen.ofd.pdffile import ImageData

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_COLOR_TYPES = {("DeviceGray", 1): 0, ("DeviceRGB", 3): 2}
_CACHE: dict[tuple[bytes, bytes | None], tuple[bytes, str]] = {}
_CACHE_LIMIT = 32


def picture_file(image: ImageData, page: int) -> tuple[bytes, str]:
    """(file bytes, "PNG" or "JPEG") for `image`, drawn on page `page` (named in the error)."""
    key = (image.data, image.mask_data)
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        _CACHE[key] = _file(image, page)
    return _CACHE[key]


def _file(image: ImageData, page: int) -> tuple[bytes, str]:
    main = _encoded(image.info, image.data, page)
    if image.mask_info is None or image.mask_data is None:
        return main
    mask = _encoded(image.mask_info, image.mask_data, page)
    if mask[1] != "PNG" or image.mask_info.get("ColorSpace") != "DeviceGray":
        raise _refuse(page, "软蒙版不是灰度图")
    from PIL import Image

    with Image.open(io.BytesIO(main[0])) as picture, Image.open(io.BytesIO(mask[0])) as alpha:
        rgba = picture.convert("RGBA" if picture.mode in ("RGB", "CMYK", "P") else "LA")
        alpha = alpha.convert("L")
        if alpha.size != rgba.size:
            alpha = alpha.resize(rgba.size)
        rgba.putalpha(alpha)
        out = io.BytesIO()
        rgba.save(out, format="PNG", compress_level=6)
    return out.getvalue(), "PNG"


def _encoded(info: dict[str, Any], data: bytes, page: int) -> tuple[bytes, str]:
    """The stream as an image file, without decoding its pixels."""
    filters = info.get("Filter")
    filters = filters if isinstance(filters, list) else [filters] if filters else []
    if "Decode" in info or info.get("ImageMask"):
        raise _refuse(page, "带 Decode 数组或图像蒙版")
    if filters == ["DCTDecode"]:
        return data, "JPEG"
    params = info.get("DecodeParms") or {}
    bits = info.get("BitsPerComponent", 8)
    colors = params.get("Colors", 1)
    color_type = _COLOR_TYPES.get((info.get("ColorSpace"), colors))
    if (filters != ["FlateDecode"] or params.get("Predictor", 1) < 10 or color_type is None
            or params.get("BitsPerComponent", 8) != bits or bits != 8 or params.get("Columns", 1) != info.get("Width")):
        raise _refuse(page, f"编码 {filters} {params} {info.get('ColorSpace')}")
    header = struct.pack(">IIBBBBB", info["Width"], info["Height"], bits, color_type, 0, 0, 0)
    return _SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b""), "PNG"


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _refuse(page: int, what: str) -> ReplyError:
    return ReplyError(Problem(f"第{page}页的图片（{what}）OFD 暂不支持，未生成 OFD"))
