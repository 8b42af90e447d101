"""@font-face fonts handed to fontconfig where they are, not copied: 31 MB less to read and write for the first
PDF of every process (some 25 ms of CPU and 60–200 ms on a busy disk).

For each @font-face rule, WeasyPrint's FontConfiguration.add_font_face fetches the font, writes it into a
temporary folder, and registers that copy with fontconfig, with a configuration naming the copy's path that gives
it the rule's family, weight and style. replygen's rules (fonts.font_face_css) name font files on this machine,
in file: URLs the stylesheet's fetcher allows (writers/pdf.py): for those, the same configuration is written
naming the file itself, and the file is registered as it is. Any other rule (another URL, a WOFF font, a
descriptor beyond family, weight and style, a fetcher that would refuse the URL) goes to WeasyPrint's own method.
The fonts fontconfig loads are the same files, so the PDFs are byte for byte what they were.

Imported only once WeasyPrint is (writers/pdf.py).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element, SubElement, tostring

from weasyprint.text import fonts as wfonts
from weasyprint.text.ffi import ffi, fontconfig, pangoft2

_PLAIN = frozenset({"src", "font_family", "font_weight", "font_style"})
"""the descriptors this module configures as WeasyPrint would"""


def _local_file(rule_descriptors: dict, url_fetcher: object) -> Path | None:
    """The font file a rule names, when it is a plain rule over one local non-WOFF file that `url_fetcher`
    would fetch; else None."""
    if not set(rule_descriptors) <= _PLAIN or len(rule_descriptors.get("src") or ()) != 1:
        return None
    kind, url = rule_descriptors["src"][0]
    allowed = getattr(url_fetcher, "allowed", ())
    if kind != "external" or not isinstance(url, str) or url not in allowed or not url.startswith("file://"):
        return None
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost") or parts.query or parts.fragment:
        return None
    path = Path(unquote(parts.path))
    try:
        with path.open("rb") as f:
            if f.read(3) == b"wOF":  # WOFF: WeasyPrint decompresses it into its copy
                return None
    except OSError:
        return None
    return path


def _configuration(path: Path, rule_descriptors: dict) -> bytes:
    """The fontconfig configuration WeasyPrint's add_font_face writes for a plain rule, naming `path`."""
    mode = "assign_replace"
    root = Element("fontconfig")
    match = SubElement(root, "match", target="scan")
    test = SubElement(match, "test", name="file", compare="eq")
    SubElement(test, "string").text = path.as_posix()
    edit = SubElement(match, "edit", name="family", mode="prepend")
    SubElement(edit, "string").text = rule_descriptors["font_family"]
    if "font_style" in rule_descriptors:
        edit = SubElement(match, "edit", name="slant", mode=mode)
        SubElement(edit, "const").text = wfonts.FONTCONFIG_STYLE[rule_descriptors["font_style"]]
    if "font_weight" in rule_descriptors:
        edit = SubElement(match, "edit", name="weight", mode=mode)
        SubElement(edit, "int").text = str(wfonts.FONTCONFIG_WEIGHT[rule_descriptors["font_weight"]])
    match = SubElement(root, "match", target="font")
    test = SubElement(match, "test", name="file", compare="eq")
    SubElement(test, "string").text = path.as_posix()
    features = wfonts.font_features(font_feature_settings="normal")
    if features:
        edit = SubElement(match, "edit", name="fontfeatures", mode=mode)
        for key, value in features.items():
            SubElement(edit, "string").text = f"{key} {value}"
    header = (b'<?xml version="1.0"?>', b'<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">')
    return b"\n".join((*header, tostring(root, encoding="utf-8")))


class InPlaceFontConfiguration(wfonts.FontConfiguration):
    """WeasyPrint's font configuration, registering replygen's own font files where they are."""

    def __init__(self) -> None:
        super().__init__()
        self._in_place: set[str] = set()

    def add_font_face(self, rule_descriptors, url_fetcher):
        if not hasattr(self, "_config") or not hasattr(self, "font_map") or "font_family" not in rule_descriptors:
            return super().add_font_face(rule_descriptors, url_fetcher)  # laid out otherwise than known here
        path = _local_file(rule_descriptors, url_fetcher)
        if path is None:
            return super().add_font_face(rule_descriptors, url_fetcher)
        key = str(rule_descriptors)
        if key in self._in_place:  # as WeasyPrint's method: a rule seen before is not added again
            return None
        encoded = path.as_posix().encode(wfonts.PREFERRED_ENCODING)
        fontconfig.FcConfigParseAndLoadFromMemory(self._config, _configuration(path, rule_descriptors), True)
        if not fontconfig.FcConfigAppFontAddFile(self._config, encoded):
            return super().add_font_face(rule_descriptors, url_fetcher)
        self._in_place.add(key)
        return pangoft2.pango_fc_font_map_config_changed(ffi.cast("PangoFcFontMap *", self.font_map))
