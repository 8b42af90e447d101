"""The replygen command line: thin commands that call the library, print in Chinese and choose the exit code."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from replygen import __version__
from replygen.errors import ReplyError

T = TypeVar("T")

EXIT_INPUT = 1
EXIT_INTERNAL = 2

_templates_option = click.option(
    "--templates", "templates_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
    help="模板目录（默认：随程序提供的 templates/）。Templates folder.")


def _templates(path: Path | None):
    from replygen.compose import DEFAULT_TEMPLATES, Templates

    return Templates.open(path or DEFAULT_TEMPLATES)


def _guard(what: str, action: Callable[[], T]) -> tuple[T | None, bool]:
    """Run one unit of work; report its problems in Chinese. Returns (result, ok)."""
    try:
        return action(), True
    except ReplyError as err:
        for problem in err.problems:
            click.echo(f"错误：{problem}", err=True)
        return None, False
    except Exception as exc:
        click.echo(f"内部错误（{what}）：{type(exc).__name__}: {exc}", err=True)
        if os.environ.get("REPLYGEN_DEBUG"):
            traceback.print_exc()
        else:
            click.echo("  设置环境变量 REPLYGEN_DEBUG=1 可查看详细信息。", err=True)
        return None, False


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", message="replygen %(version)s")
def main() -> None:
    """replygen：把 YAML 写成的提案、建议答复生成为符合 GB/T 9704-2012 的 DOCX 和 PDF。

    常用：replygen validate content/ 检查内容；replygen render content/ 生成到 output/。
    """


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              default=Path("output"), show_default=True, help="输出目录。Output folder.")
@click.option("--format", "formats", default="docx,pdf", show_default=True,
              help="输出格式，逗号分隔：docx、pdf。Formats.")
@_templates_option
def render(files: tuple[Path, ...], out_dir: Path, formats: str, templates_dir: Path | None) -> None:
    """生成答复：每个 YAML 文件写出 <输出目录>/<文件名>.docx 和 .pdf；给出目录时处理其中全部 YAML。"""
    from replygen.render import FORMATS, render_file, reply_files

    wanted = [f.strip().lower() for f in formats.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise click.BadParameter(f"不支持的格式：{'、'.join(unknown) or '（空）'}；可选 docx、pdf", param_hint="--format")
    templates, ok = _guard("打开模板", lambda: _templates(templates_dir))
    if not ok:
        sys.exit(EXIT_INPUT)
    failed = done = 0
    for path, rel in reply_files(files):
        written, ok = _guard(str(path), lambda p=path, r=rel: render_file(p, templates, out_dir / r, wanted))
        if ok:
            done += 1
            click.echo(f"已生成：{path} → {'、'.join(str(w) for w in written)}")
        else:
            failed += 1
    if failed:
        click.echo(f"完成 {done} 份，失败 {failed} 份。", err=True)
        sys.exit(EXIT_INPUT)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@_templates_option
def validate(files: tuple[Path, ...], templates_dir: Path | None) -> None:
    """检查答复内容：格式、字段、模板能否生成；不写任何文件。"""
    from replygen.render import document_for, reply_files

    templates, ok = _guard("打开模板", lambda: _templates(templates_dir))
    if not ok:
        sys.exit(EXIT_INPUT)
    failed = 0
    for path, _ in reply_files(files):
        _, ok = _guard(str(path), lambda p=path: document_for(p, templates))
        if ok:
            click.echo(f"通过：{path}")
        else:
            failed += 1
    if failed:
        click.echo(f"{failed} 个文件有错误。", err=True)
        sys.exit(EXIT_INPUT)


@main.command()
@_templates_option
@click.option("--fontconfig", is_flag=True,
              help="输出 fontconfig 配置，让 LibreOffice 等用本机替代字体显示 DOCX 中的字体名。")
def fonts(templates_dir: Path | None, fontconfig: bool) -> None:
    """显示每个字体角色由本机哪个字体文件提供，以及缺少什么。"""
    from replygen.fonts import fontconfig_aliases, harfbuzz_subset_available, resolve

    templates, ok = _guard("打开模板", lambda: _templates(templates_dir))
    if not ok:
        sys.exit(EXIT_INPUT)
    resolved = resolve(templates.style)
    if fontconfig:
        click.echo(fontconfig_aliases(resolved), nl=False)
        return
    missing = 0
    for font in resolved.values():
        click.echo(f"{font.role:<13} DOCX 字体名：{font.docx_name}")
        if font.face is None:
            missing += 1
            click.echo(f"{'':<13} PDF：缺失！已尝试：{'、'.join(font.tried)}")
        else:
            bold = " 粗体" if font.face.bold else ""
            click.echo(f"{'':<13} PDF：{font.face.family}{bold}  {font.face.file}")
    if harfbuzz_subset_available():
        click.echo("字体子集化：HarfBuzz（libharfbuzz-subset0）可用。")
    else:
        click.echo("警告：缺少 libharfbuzz-subset0，PDF 写出会慢约 30 倍；请运行 apt-get install libharfbuzz-subset0。")
    if missing:
        click.echo(f"缺少 {missing} 个字体角色；请安装 fonts-noto-cjk 等字体（见 README），或设置 REPLYGEN_FONTS。", err=True)
        sys.exit(EXIT_INPUT)
