"""Draw the plain test seals the example profiles use (templates/seals/): a red ring, a star and text, on a
transparent background. They are obviously test seals (样章, 仅供测试) of fictional organs, never a copy of a real
organ's seal.

    .venv/bin/python scripts/test_seals.py [folder]

Needs Pillow and a CJK font (FandolHei, else Noto Sans CJK, found with fc-match).
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

RED = (230, 0, 18, 255)
DPI = 300
MM = DPI / 25.4


def _font(size: int) -> ImageFont.FreeTypeFont:
    for family in ("FandolHei:bold", "Noto Sans CJK SC:bold", "AR PL UKai CN"):
        path = subprocess.run(["fc-match", "-f", "%{file}", family], capture_output=True, text=True).stdout
        if path:
            return ImageFont.truetype(path, size)
    raise SystemExit("no CJK font found")


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    points = []
    for k in range(10):
        radius = r if k % 2 == 0 else r * 0.382
        angle = -math.pi / 2 + k * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    draw.polygon(points, fill=RED)


def _char_on_arc(image: Image.Image, char: str, font: ImageFont.FreeTypeFont, cx: float, cy: float, radius: float,
                 angle: float) -> None:
    """One character upright towards the centre, its centre `radius` from the seal's centre at `angle`."""
    size = int(font.size * 1.4)
    tile = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    ImageDraw.Draw(tile).text((size / 2, size / 2), char, font=font, fill=RED, anchor="mm")
    tile = tile.rotate(-math.degrees(angle) - 90, resample=Image.BICUBIC)
    x = cx + radius * math.cos(angle) - size / 2
    y = cy + radius * math.sin(angle) - size / 2
    image.alpha_composite(tile, (round(x), round(y)))


def organ_seal(text: str, diameter_mm: float, path: Path) -> None:
    """A round seal: ring, text along the upper arc, a star, 样章 under it."""
    size = round(diameter_mm * MM)
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    c, ring = size / 2, 1.2 * MM
    draw.ellipse((ring / 2, ring / 2, size - ring / 2, size - ring / 2), outline=RED, width=round(ring))
    font = _font(round(size * 0.13))
    span = math.radians(250)
    for k, char in enumerate(text):
        angle = -math.pi / 2 - span / 2 + span * (k + 0.5) / len(text)
        _char_on_arc(image, char, font, c, c, c - ring - font.size * 0.75, angle)
    _star(draw, c, c, size * 0.17)
    draw.text((c, c + size * 0.29), "样章仅供测试", font=_font(round(size * 0.07)), fill=RED, anchor="mm")
    image.save(path, optimize=True)


def signature_seal(name: str, side_mm: float, path: Path) -> None:
    """A square name seal (签名章): a frame and the name in two columns, red on transparent."""
    size = round(side_mm * MM)
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    frame = 0.8 * MM
    draw.rectangle((frame / 2, frame / 2, size - frame / 2, size - frame / 2), outline=RED, width=round(frame))
    chars = list(name + "之印")[:4]
    font = _font(round(size * 0.36))
    cells = [(0.72, 0.28), (0.72, 0.72), (0.28, 0.28), (0.28, 0.72)]  # read right column first, top to bottom
    for char, (x, y) in zip(chars, cells, strict=False):
        draw.text((x * size, y * size), char, font=font, fill=RED, anchor="mm")
    image.save(path, optimize=True)


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "templates" / "seals")
    folder.mkdir(parents=True, exist_ok=True)
    organ_seal("示例区交通运输局", 42, folder / "example-jtj.png")
    organ_seal("示例区文化和旅游局", 42, folder / "example-letter.png")
    signature_seal("王一川", 20, folder / "example-signer.png")


if __name__ == "__main__":
    main()
