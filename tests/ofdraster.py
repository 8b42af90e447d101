"""A small OFD rasteriser for the tests, independent of replygen's writer: it reads only the OFD package (the
XML, the embedded font files and images) and draws with Pillow (FreeType). It knows what replygen writes:
TextObjects with TextCode X/Y/DeltaX and a FillColor, PathObjects of M/L/B/C with fill or stroke, ImageObjects
whose CTM scales the unit square without rotating it (a MultiMedia PNG, composited by its alpha), objects drawn
in document order, no clipping.

easyofd renders too, but with one fixed system font (宋体) whatever the OFD embeds, and strokes every path
(fills none), so its pictures cannot show whether the OFD's own fonts and rules are right.
"""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree as ET

from PIL import Image, ImageDraw, ImageFont

NS = {"ofd": "http://www.ofdspec.org/2016"}


def _floats(text: str | None) -> list[float]:
    return [float(v) for v in (text or "").split()]


def _color(element, tag: str) -> tuple[int, int, int] | None:
    c = element.find(f"ofd:{tag}", NS)
    return tuple(int(v) for v in c.get("Value").split()) if c is not None else None  # type: ignore[return-value]


def render_pages(ofd: bytes, dpi: int) -> list[Image.Image]:
    z = zipfile.ZipFile(io.BytesIO(ofd))
    root = ET.fromstring(z.read("OFD.xml"))
    doc_path = root.find("ofd:DocBody/ofd:DocRoot", NS).text
    base = doc_path.rsplit("/", 1)[0]
    document = ET.fromstring(z.read(doc_path))
    res_path = f"{base}/{document.find('ofd:CommonData/ofd:PublicRes', NS).text}"
    res = ET.fromstring(z.read(res_path))
    res_base = f"{base}/{res.get('BaseLoc')}"
    fonts = {f.get("ID"): z.read(f"{res_base}/{f.find('ofd:FontFile', NS).text}")
             for f in res.findall("ofd:Fonts/ofd:Font", NS)}
    media: dict[str, bytes] = {}
    doc_res = document.find("ofd:CommonData/ofd:DocumentRes", NS)
    if doc_res is not None:
        res = ET.fromstring(z.read(f"{base}/{doc_res.text}"))
        media = {m.get("ID"): z.read(f"{base}/{res.get('BaseLoc')}/{m.find('ofd:MediaFile', NS).text}")
                 for m in res.findall("ofd:MultiMedias/ofd:MultiMedia", NS)}
    scale = dpi / 25.4
    cache: dict[tuple[str, int], ImageFont.FreeTypeFont] = {}
    images = []
    for page in document.findall("ofd:Pages/ofd:Page", NS):
        content = ET.fromstring(z.read(f"{base}/{page.get('BaseLoc')}"))
        box = _floats(content.find("ofd:Area/ofd:PhysicalBox", NS).text)
        image = Image.new("RGB", (round(box[2] * scale), round(box[3] * scale)), "white")
        draw = ImageDraw.Draw(image)
        for obj in content.iter():
            tag = obj.tag.split("}")[1]
            if tag not in ("TextObject", "PathObject", "ImageObject"):
                continue
            bx, by, _, _ = _floats(obj.get("Boundary"))
            if tag == "ImageObject":
                _image(image, media[obj.get("ResourceID")], bx, by, _floats(obj.get("CTM")), scale)
            elif tag == "TextObject":
                px = round(float(obj.get("Size")) * scale)
                key = (obj.get("Font"), px)
                if key not in cache:
                    cache[key] = ImageFont.truetype(io.BytesIO(fonts[key[0]]), px)
                fill = _color(obj, "FillColor") or (0, 0, 0)
                for code in obj.findall("ofd:TextCode", NS):
                    x, y = bx + float(code.get("X")), by + float(code.get("Y"))
                    deltas = _floats(code.get("DeltaX"))
                    for i, ch in enumerate(code.text or ""):
                        draw.text((x * scale, y * scale), ch, font=cache[key], fill=fill, anchor="ls")
                        x += deltas[i] if i < len(deltas) else 0
            else:
                tokens = (obj.find("ofd:AbbreviatedData", NS).text or "").split()
                polys, current, i = [], [], 0
                while i < len(tokens):
                    op = tokens[i]
                    n = {"M": 2, "L": 2, "B": 6, "C": 0}[op]
                    vals = [float(v) for v in tokens[i + 1:i + 1 + n]]
                    if op == "M":
                        if current:
                            polys.append(current)
                        current = [(vals[0], vals[1])]
                    elif op in "LB":
                        current.append((vals[-2], vals[-1]))
                    i += 1 + n
                if current:
                    polys.append(current)
                for poly in polys:
                    points = [((bx + x) * scale, (by + y) * scale) for x, y in poly]
                    if obj.get("Fill") == "true":
                        draw.polygon(points, fill=_color(obj, "FillColor") or (0, 0, 0))
                    if obj.get("Stroke", "true") == "true":
                        width = max(1, round(float(obj.get("LineWidth", "0.353")) * scale))
                        draw.line(points, fill=_color(obj, "StrokeColor") or (0, 0, 0), width=width)
        images.append(image)
    return images


def _image(page: Image.Image, data: bytes, bx: float, by: float, ctm: list[float], scale: float) -> None:
    a, b, c, d, e, f = ctm
    assert b == 0 and c == 0 and a > 0 and d > 0, "only unrotated, unflipped images"
    left, top = round((bx + e) * scale), round((by + f) * scale)
    size = (round((bx + e + a) * scale) - left, round((by + f + d) * scale) - top)
    picture = Image.open(io.BytesIO(data)).convert("RGBA").resize(size, Image.Resampling.LANCZOS)
    page.paste(picture.convert("RGB"), (left, top), mask=picture.getchannel("A"))
