"""The replygen command line: thin commands that call the library, print in Chinese and choose the exit code."""

from __future__ import annotations

# regexcache starts before the imports below, to keep the patterns they compile:
# ruff: noqa: E402
from replygen import regexcache

regexcache.start_for_command()

import gc
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from replygen import __version__
from replygen.errors import ReplyError, shown

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
        click.echo(f"内部错误（{what}）：{type(exc).__name__}: {shown(exc, 100)}", err=True)
        if os.environ.get("REPLYGEN_DEBUG"):
            traceback.print_exc()
        else:
            click.echo("  设置环境变量 REPLYGEN_DEBUG=1 可查看详细信息。", err=True)
        return None, False


_pdf_standard_option = click.option(
    "--pdf-standard", type=click.Choice(["pdfa-2b", "none"]), default=None,
    help="PDF 标准：pdfa-2b（PDF/A-2b，归档用）或 none（普通 PDF）；默认按 style.yaml 的 pdf_standard。")


def _pdf_standard(value: str | None, templates_dir: Path | None) -> str | None:
    """The command line's choice, else the style's default (none → None: plain PDF)."""
    if value is None:
        value = _style(templates_dir).pdf_standard
    return None if value in (None, "none") else value


_check_option = click.option("--check", "check_output", is_flag=True,
                             help="生成后按 GB/T 9704-2012 检查写出的文件（同 replygen check）。")


def _formats(given: tuple[str, ...]) -> list[str]:
    """`--format pdf,docx` and `--format pdf --format docx` alike, each format once, in the order given."""
    from replygen.render import FORMATS

    wanted = list(dict.fromkeys(f.strip().lower() for text in given for f in text.split(",") if f.strip()))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise click.BadParameter(f"不支持的格式：{'、'.join(unknown) or '（空）'}；可选 docx、pdf、ofd", param_hint="--format")
    return wanted


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", message="replygen %(version)s")
@click.pass_context
def main(ctx: click.Context) -> None:
    """replygen：把 YAML 写成的提案、建议答复生成为符合 GB/T 9704-2012 的 DOCX 和 PDF。

    常用：replygen validate content/ 检查内容；replygen render content/ 生成到 output/。
    """
    if ctx.invoked_subcommand in ("render", "validate"):
        _without_pydantic_plugins()
        if gc.isenabled():
            _pause_gc(ctx)
        ctx.call_on_close(regexcache.finish)  # at the latest; normally after the first reply (_startup_done)
    else:
        regexcache.finish()


def _without_pydantic_plugins() -> None:
    """replygen's models use no pydantic plugins: pydantic is told so (PYDANTIC_DISABLE_PLUGINS), and its plugin
    loader is imported without importlib.metadata, which only looking plugins up needs (together some 10 % of a
    cold validate)."""
    from replygen.deferred import deferred_imports

    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    with deferred_imports({"importlib.metadata": ("entry_points",)}):
        import pydantic.plugin._loader  # noqa: F401


def _pause_gc(ctx: click.Context) -> None:
    """No cyclic garbage collection until the first reply is done (_each_reply): starting up (imports, pydantic's
    schemas, WeasyPrint's stylesheets) allocates hundreds of thousands of objects that all live on, and the
    collector walking them again and again cost some 15 % of a cold render's CPU time on a busy machine (few
    instructions: the walk waits on memory). Back on when the command ends, however it ends."""
    gc.disable()
    ctx.meta[_GC_PAUSED] = True
    ctx.call_on_close(lambda: _resume_gc(ctx))


_GC_PAUSED = "replygen.gc_paused"


def _startup_done() -> None:
    """After the first reply: garbage collection back on (paused for the start-up, _pause_gc: a folder of replies
    would pile up garbage), and re's own compiler back, the start-up's patterns kept (regexcache)."""
    _resume_gc()
    regexcache.finish()


def _freeze_startup() -> None:
    """What the start-up made while the collector was paused (modules, classes, templates: it lives as long as the
    process) is moved out of the collector's sight (gc.freeze), so that its first collection after the pause walks
    only what the replies make, not the start-up's tens of thousands of objects again (some 5 % of a cold
    validate, spent as it ended). Cyclic garbage the start-up left stays until the process ends: a few hundred
    objects."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.find_root().meta.get(_GC_PAUSED):
        gc.freeze()


def _resume_gc(ctx: click.Context | None = None) -> None:
    ctx = ctx or click.get_current_context(silent=True)
    if ctx is not None and ctx.find_root().meta.pop(_GC_PAUSED, False):
        gc.enable()


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              default=Path("output"), show_default=True, help="输出目录。Output folder.")
@click.option("--format", "formats", multiple=True, default=("docx,pdf",), show_default=True,
              help="输出格式：docx、pdf、ofd，逗号分隔或重复本选项。Formats.")
@_pdf_standard_option
@_templates_option
@_check_option
def render(files: tuple[Path, ...], out_dir: Path, formats: tuple[str, ...], pdf_standard: str | None,
           templates_dir: Path | None, check_output: bool) -> None:
    """生成答复：每个 YAML 文件写出 <输出目录>/<文件名>.docx 和 .pdf；给出目录时处理其中全部 YAML。"""
    from replygen.render import load_writers, render_file

    wanted = _formats(formats)
    standard = _pdf_standard(pdf_standard, templates_dir)
    limits = _render_limits()
    load_writers(wanted)
    outputs: list[Path] = []

    def one(path: Path, rel: Path, templates) -> str:
        written, notes = render_file(path, templates, out_dir / rel, wanted, limits, standard)
        outputs.extend(written)
        return "\n".join([f"已生成：{path} → {'、'.join(str(w) for w in written)}", *(f"  版面调整：{n}" for n in notes)])

    _each_reply(files, templates_dir, one, "完成 {done} 份，失败 {failed} 份。")
    if check_output and not _check_and_report(outputs, _style(templates_dir), None):
        sys.exit(EXIT_INPUT)


def _render_limits():
    """The per-reply limits, with this process's memory capped: `render` is a one-shot process that exists to
    render, so a reply that runs away is stopped here as in a batch worker."""
    from replygen.limits import Limits, limit_process_memory

    limits, ok = _guard("读取限制", Limits.from_env)
    if not ok or limits is None:
        sys.exit(EXIT_INPUT)
    limit_process_memory(limits)
    return limits


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@_templates_option
def validate(files: tuple[Path, ...], templates_dir: Path | None) -> None:
    """检查答复内容：格式、字段、模板能否生成；不写任何文件。"""
    from replygen.render import document_for

    def one(path: Path, rel: Path, templates) -> str:
        document_for(path, templates)
        return f"通过：{path}"

    _each_reply(files, templates_dir, one, "{failed} 个文件有错误。")


def _each_reply(files: tuple[Path, ...], templates_dir: Path | None, action: Callable[..., str],
                summary: str) -> None:
    """Open the templates, run `action` on every reply file (folders: every YAML below), report each, and exit
    non-zero when any failed; one file's failure never stops the others."""
    from replygen.render import reply_files

    templates, ok = _guard("打开模板", lambda: _templates(templates_dir))
    if not ok:
        sys.exit(EXIT_INPUT)
    _freeze_startup()
    failed = done = 0
    for path, rel in reply_files(files):
        message, ok = _guard(str(path), lambda p=path, r=rel: action(p, r, templates))
        _startup_done()
        if ok:
            done += 1
            click.echo(message)
        else:
            failed += 1
    if failed:
        click.echo(summary.format(done=done, failed=failed), err=True)
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
    _freeze_startup()
    resolved, ok = _guard("查找字体", lambda: resolve(templates.style))
    if not ok or resolved is None:
        sys.exit(EXIT_INPUT)
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


_wait_option = click.option(
    "--wait", "wait", type=click.FloatRange(min=0), default=600, show_default=True, metavar="秒",
    help="输出目录正由另一个 replygen 进程使用时，最多等待的秒数；超时则不做任何改动并退出。")


def _workers(jobs: int | None) -> int:
    """--jobs, never more than the cores this process may use (a huge number would fork a process each)."""
    from replygen.parallel import usable_cores

    cores = usable_cores()
    if jobs is not None and jobs > cores:
        click.echo(f"注意：--jobs {jobs} 超过本机可用的 {cores} 个 CPU 核，按 {cores} 个进程运行。", err=True)
    return min(jobs or cores, cores)


@main.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="归档输出目录（按源目录结构输出，并写 manifest.json）。")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="并行进程数（默认：CPU 核数）。")
@click.option("--format", "formats", multiple=True, default=("docx,pdf",), show_default=True,
              help="输出格式：docx、pdf、ofd，逗号分隔或重复本选项。")
@_pdf_standard_option
@_templates_option
@click.option("--force", is_flag=True, help="全部重新生成，不论是否有变化（也重试上次失败的答复、重建损坏的清单）。")
@click.option("--shard", default=None, metavar="I/N", help="只处理第 I 份（共 N 份，稳定划分），用于多机分担。")
@click.option("--scheduler", default=None, metavar="tcp://主机:端口",
              help="在 Dask 集群上生成：调度器地址（见 README）；不写则在本机生成。")
@_wait_option
@_check_option
def batch(sources: tuple[Path, ...], out_dir: Path, jobs: int | None, formats: tuple[str, ...], pdf_standard: str | None,
          templates_dir: Path | None, force: bool, shard: str | None, scheduler: str | None, wait: float,
          check_output: bool) -> None:
    """批量重新生成归档：并行、只处理有变化的答复、输出可复现，结束时给出汇总。"""
    from replygen import batch as batching
    from replygen.compose import DEFAULT_TEMPLATES

    wanted = _formats(formats)
    try:
        shard_spec = batching.parse_shard(shard) if shard else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--shard") from None
    if scheduler is not None:
        from replygen.cluster import parse_address

        try:
            scheduler = parse_address(scheduler)
        except ValueError as exc:
            click.echo(f"错误：{exc}", err=True)
            sys.exit(EXIT_INPUT)
    workers = _workers(jobs)
    progress = _Progress()
    summary, ok = _guard("批量生成", lambda: batching.batch(
        list(sources), out_dir, templates_root=templates_dir or DEFAULT_TEMPLATES, formats=wanted,
        workers=workers, force=force, shard=shard_spec, wait=wait, on_wait=lambda m: click.echo(m, err=True),
        pdf_standard=_pdf_standard(pdf_standard, templates_dir), scheduler=scheduler,
        on_connect=progress.note, on_plan=progress.start, on_result=progress.update))
    progress.close()
    if not ok or summary is None:
        sys.exit(EXIT_INPUT)
    if summary.swept:
        click.echo(f"已清除上次中断留下的 {summary.swept} 个临时文件。")
    written = sum(r.written for r in summary.rendered)
    known = sum(r.known for r in summary.failed)
    click.echo(f"汇总：生成 {len(summary.rendered)} 份（写出 {written} 个文件），未变跳过 {summary.skipped} 份，"
               f"失败 {len(summary.failed)} 份" + (f"（其中 {known} 份未变，沿用上次的结果）" if known else "") + "。")
    for result in summary.failed:
        for problem in result.problems:
            click.echo(f"  失败：{problem}", err=True)
    if known:
        click.echo("  未变的失败答复没有重新生成；改正后会自动重试，也可用 --force 全部重试。", err=True)
    rendered = [out_dir / rel for result in summary.rendered for rel in result.hashes]
    if check_output and rendered and not _check_and_report(rendered, _style(templates_dir), workers):
        sys.exit(EXIT_INPUT)
    if summary.failed:
        sys.exit(EXIT_INPUT)


class _Progress:
    """A progress bar on a terminal; one plain line per reply otherwise (logs, CI)."""

    def __init__(self) -> None:
        self.bar = None

    def start(self, todo: int, skipped: int, failed: int) -> None:
        click.echo(f"待生成 {todo} 份，未变 {skipped} 份" + (f"，无法生成 {failed} 份" if failed else "") + "。")
        if todo and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=todo, unit="份", dynamic_ncols=True)

    def note(self, message: str) -> None:
        """A line that does not break the bar (the cluster and its dashboard)."""
        if self.bar is not None:
            self.bar.write(message, file=sys.stderr)
        else:
            click.echo(message, err=True)

    def update(self, result) -> None:
        if self.bar is not None:
            self.bar.update()
            for note in result.notes:
                self.bar.write(f"{result.job.source}：版面调整：{note}", file=sys.stderr)
        elif result.problems:
            click.echo(f"失败：{result.job.source}", err=True)
        else:
            click.echo(f"已生成：{result.job.source}")
            for note in result.notes:
                click.echo(f"  版面调整：{note}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@main.command()
@click.argument("archive", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--deep", is_flag=True, help="按清单记录的源文件和模板重新生成（不写文件），逐字节比较：证明本机能复现归档。")
@click.option("--sample", type=click.IntRange(min=1), default=None, metavar="N",
              help="与 --deep 同用：只重新生成固定抽取的 N 份答复（每次抽到的相同）。")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="--deep 的并行进程数（默认：CPU 核数）。")
def verify(archive: Path, deep: bool, sample: int | None, jobs: int | None) -> None:
    """按 manifest.json 核对归档：列出缺失、被改动、清单之外的文件，以及由不同生成环境生成的文件。"""
    from replygen.manifest import MANIFEST_NAME, Manifest
    from replygen.manifest import verify as check

    if not (archive / MANIFEST_NAME).exists():
        click.echo(f"错误：{archive} 中没有 {MANIFEST_NAME}，不是 replygen batch 生成的归档。", err=True)
        sys.exit(EXIT_INPUT)
    if sample is not None and not deep:
        raise click.BadParameter("只能与 --deep 同用", param_hint="--sample")
    manifest, ok = _guard("读取清单", lambda: Manifest.load(archive))
    findings, ok = _guard("核对归档", lambda: check(archive)) if ok else (None, False)
    if not ok or manifest is None or findings is None:
        sys.exit(EXIT_INPUT)
    if deep:
        from replygen.batch import reproduce

        def planned(todo: int, total: int) -> None:
            click.echo(f"深度核对：重新生成 {todo} 份答复" + (f"（从 {total} 份中固定抽取）" if todo < total else "") + "……")

        more, ok = _guard("深度核对", lambda: reproduce(archive, sample=sample, workers=_workers(jobs), on_plan=planned))
        if not ok or more is None:
            sys.exit(EXIT_INPUT)
        findings += more
    for finding in findings:
        click.echo(f"{finding}", err=True)
    for stem, failure in sorted(manifest.failures.items()):
        click.echo(f"注意：{stem} 上次生成失败，归档中没有它的最新结果：{failure.problems[0]}")
    total = len(manifest.outputs)
    if findings:
        click.echo(f"核对未通过：{len(findings)} 处问题（清单共 {total} 个文件）。", err=True)
        sys.exit(EXIT_INPUT)
    click.echo(f"核对通过：{total} 个文件与清单一致" + ("，本机重新生成的结果逐字节相同" if deep else "") + "。")


@main.group()
def manifest() -> None:
    """归档清单（manifest.json）操作。"""


@manifest.command("merge")
@click.argument("archives", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="合并后的清单写到该目录的 manifest.json。")
@_wait_option
def manifest_merge(archives: tuple[Path, ...], out_dir: Path, wait: float) -> None:
    """合并分片（--shard）生成的多个清单。"""
    from replygen.manifest import Manifest, locked

    def merge() -> Manifest:
        others = [Manifest.load(folder) for folder in archives]  # every one readable before anything changes
        with locked(out_dir, wait, lambda m: click.echo(m, err=True)):
            merged = Manifest.load(out_dir)
            for other in others:
                merged.merge(other)
            merged.save(out_dir)
        return merged

    merged, ok = _guard("合并清单", merge)
    if not ok or merged is None:
        sys.exit(EXIT_INPUT)
    click.echo(f"已合并 {len(archives)} 个清单：共 {len(merged.outputs)} 个文件。")


def _style(templates_dir: Path | None):
    from replygen.compose import DEFAULT_TEMPLATES
    from replygen.style import load_style

    style, ok = _guard("读取样式", lambda: load_style((templates_dir or DEFAULT_TEMPLATES) / "style.yaml"))
    if not ok:
        sys.exit(EXIT_INPUT)
    return style


def _check_and_report(paths: list[Path], style, jobs: int | None) -> bool:
    """Check each file (on all cores), print its findings and a summary; whether all conform."""
    from collections import Counter
    from functools import partial

    from replygen.check import check_file
    from replygen.parallel import map_files

    rules: Counter[str] = Counter()
    failed = unreadable = 0
    for report in map_files(partial(check_file, style=style), paths, jobs):
        if report.error:
            unreadable += 1
            click.echo(f"错误：{report.error}", err=True)
        elif report.findings:
            failed += 1
            rules.update(f.rule for f in report.findings)
            click.echo(f"{report.path}：{len(report.findings)} {report.failed}")
            for finding in report.findings:
                click.echo(f"  {finding}")
        else:
            click.echo(f"{report.path}：{report.passed}")
    by_rule = "、".join(f"{rule} {n}" for rule, n in sorted(rules.items()))
    click.echo(f"汇总：检查 {len(paths)} 个文件，不符合 {failed} 个，无法读取 {unreadable} 个"
               + (f"；按规则：{by_rule}" if by_rule else "") + "。")
    return not (failed or unreadable)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="并行进程数（默认：CPU 核数）。")
@_templates_option
def check(files: tuple[Path, ...], jobs: int | None, templates_dir: Path | None) -> None:
    """按 GB/T 9704-2012 检查 PDF 和 DOCX（任何工具生成的）：逐项列出不符合之处；给出目录时检查其中全部文件。
    OFD 检查包结构、字体和图像（GB/T 33190），同目录有同名 PDF 时逐页比对文字。"""
    from replygen.check import document_files

    style = _style(templates_dir)
    paths = document_files(list(files))
    if not paths:
        click.echo("错误：没有找到 .pdf、.docx 或 .ofd 文件。", err=True)
        sys.exit(EXIT_INPUT)
    if not _check_and_report(paths, style, jobs):
        sys.exit(EXIT_INPUT)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@click.option("--fix", is_flag=True, help="自动修正可安全修正的问题（标点、括号、日期），并显示改动。")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="并行进程数（默认：CPU 核数）。")
def lint(files: tuple[Path, ...], fix: bool, jobs: int | None) -> None:
    """检查答复内容的常见疏漏：半角标点、发文字号、日期写法、标题与编号、称呼、编号连续、占位符、公开版联系方式。"""
    from collections import Counter
    from functools import partial

    from replygen.lint import lint_file
    from replygen.parallel import map_files
    from replygen.render import reply_files

    paths = [path for path, _ in reply_files(files)]
    rules: Counter[str] = Counter()
    with_findings = errors = fixed = 0
    for report in map_files(partial(lint_file, fix=fix), paths, jobs):
        for error in report.errors:
            click.echo(f"错误：{error}", err=True)
        errors += bool(report.errors)
        if report.diff:
            click.echo(report.diff, nl=False)
            fixed += report.fixed
        with_findings += bool(report.findings)
        rules.update(f.rule for f in report.findings)
        for finding in report.findings:
            click.echo(str(finding))
    by_rule = "、".join(f"{rule} {n}" for rule, n in sorted(rules.items()))
    click.echo(f"汇总：检查 {len(paths)} 个文件，{with_findings} 个有问题，{errors} 个无法读取"
               + (f"，已修正 {fixed} 处" if fix else "") + (f"；按规则：{by_rule}" if by_rule else "") + "。")
    if with_findings or errors:
        sys.exit(EXIT_INPUT)


@main.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              default=Path("imported"), show_default=True, help="YAML 输出目录。Output folder.")
@click.option("--issuer", default="imported", show_default=True,
              help="写入回复文件的发文机关档案（应不加版头文字）。Issuer profile id.")
@click.option("--overwrite", is_flag=True,
              help="覆盖内容不同的已有 YAML（原文件先备份到同一文件夹的 .history/）。Replace differing YAML, keeping a backup.")
@_templates_option
def import_(files: tuple[Path, ...], out_dir: Path, issuer: str, overwrite: bool, templates_dir: Path | None) -> None:
    """导入存档答复：把 .txt（UTF-8 或 GB18030）、.docx、.pdf、网页（.html .htm .mhtml）和 .doc .wps .rtf .odt
    （经 LibreOffice 转换）答复转为 <输出目录>/<文件名>.yaml，生成后与原文逐行逐字一致。

    文件夹中的答复按原来的子文件夹写出（旧答复/甲/1.txt → <输出目录>/甲/1.yaml）；同处有同名的 .txt 和 .docx 时，
    .txt 写为 1.yaml，.docx 写为 1-docx.yaml（再重名时加序号）。已有的 YAML 与导入结果不同时不覆盖（报错，其他文件照常
    导入），除非加 --overwrite；内容相同时不重写（未变）。
    """
    import tempfile

    from replygen.importer import Imported, import_reply, targets
    from replygen.importer.office import convert_all as office_batch
    from replygen.importer.save import save
    from replygen.importer.summary import summary_table
    from replygen.limits import Limits

    limits, ok = _guard("读取环境变量", Limits.from_env)
    if not ok:
        sys.exit(EXIT_INPUT)
    templates, ok = _guard("打开模板", lambda: _templates(templates_dir))
    if not ok:
        sys.exit(EXIT_INPUT)
    _freeze_startup()
    paths = targets(list(files), out_dir)
    scratch = tempfile.TemporaryDirectory(prefix="replygen-import-")
    converted = office_batch([path for path, _ in paths], Path(scratch.name), limits)

    def one(path: Path, target: Path) -> Imported | None:
        docx = converted.get(path)
        if isinstance(docx, ReplyError):
            for problem in docx.problems:
                click.echo(f"错误：{problem}", err=True)
            return None
        result, _ = _guard(str(path), lambda: import_reply(path, templates, issuer, limits, docx))
        if result is None:
            return None
        saved, _ = _guard(str(target), lambda: save(target, result.yaml, path, overwrite))
        if saved is None:
            return None
        for line, message in result.warnings:
            click.echo(f"{path}:{line}: 警告：{message}" if line else f"{path}: 警告：{message}", err=True)
        click.echo(f"未变：{path} → {target}（已是同样的内容）" if saved.unchanged else
                   f"已导入：{path} → {target}" + (f"（覆盖，原文件备份为 {saved.backup}）" if saved.backup else ""))
        return result

    with scratch:
        results = [(str(path), one(path, target)) for path, target in paths]
    if len(paths) > 1 or any(p.is_dir() for p in files):
        click.echo(summary_table(results))
    if not paths:
        click.echo("没有找到可导入的文件（.txt .docx .pdf .html .htm .mhtml .doc .wps .rtf .odt）。", err=True)
    if not paths or any(r is None for _, r in results):
        sys.exit(EXIT_INPUT)


@main.command()
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path, exists=True))
@click.option("--base", required=True, metavar="BASE",
              help="对照的旧版本：模板目录，或本仓库的 git 版本（如 HEAD、main、提交号：取其中的 templates/ 和各份答复的 YAML）；"
                   "同名时目录优先。")
@click.option("--head", metavar="REV", default=None,
              help="新的一方也取自 git 版本（其 templates/ 和答复），不取工作区。")
@_templates_option
@click.option("-o", "--output", "report_dir", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="报告目录（写 index.html、各组和各份答复的页面）。")
@click.option("--json", "json_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="另把各组写成 JSON 文件，供 CI 使用。")
@click.option("--pictures", type=click.IntRange(min=0), default=30, show_default=True,
              help="最多为多少份答复生成页面图片（各组示例优先，其次是需要注意的答复）；0 表示不生成。")
@click.option("--cache", "cache_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="排版缓存目录：保存每份答复的排版测量结果，再次评审同一基准（或同一新版本）时直接取用，"
                   "约省一半时间。Layout cache folder.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="并行进程数（默认：CPU 核数）。")
def review(sources: tuple[Path, ...], base: str, head: str | None, templates_dir: Path | None, report_dir: Path,
           json_path: Path | None, pictures: int, cache_dir: Path | None, jobs: int | None) -> None:
    """评审：用旧版本和新版本各排版一遍答复（默认 content/），按变化种类分组，写出 HTML 报告。

    退出码：0 全部未变；1 有变化；2 出错（评审无法进行，或有答复无法生成）。
    """
    from replygen.compose import DEFAULT_TEMPLATES
    from replygen.review import review as run_review

    command = " ".join(["replygen review", "--base", base, *(["--head", head] if head else []),
                        *(["--templates", str(templates_dir)] if templates_dir else []), "-o", "<目录>"])
    outcome, ok = _guard("评审", lambda: run_review(
        list(sources) or [Path("content")], base, templates_dir, report_dir, jobs or os.cpu_count() or 1,
        head=head, default_templates=DEFAULT_TEMPLATES, json_path=json_path, command=command, pictured=pictures,
        cache=cache_dir, on_step=click.echo))
    if not ok or outcome is None:
        click.echo("评审未完成，未写出报告。", err=True)
        sys.exit(EXIT_INTERNAL)
    result, index = outcome
    counts = result.counts
    click.echo(f"评审：比较 {counts['total']} 份，有变化 {counts['changed']} 份（{counts['groups']} 种变化，"
               f"{counts['outliers']} 份需要特别注意），未变 {counts['unchanged']} 份，失败 {counts['failed']} 份。")
    for g in result.groups[:10]:
        click.echo(f"  第 {g.number} 组 {len(g.members)} 份：{g.description}")
    if len(result.groups) > 10:
        click.echo(f"  ……另有 {len(result.groups) - 10} 组，见报告")
    click.echo(f"报告：{index.resolve()}")
    if json_path is not None:
        click.echo(f"JSON：{json_path.resolve()}")
    sys.exit(result.exit_code)


@main.command()
@click.option("--issuer", default=None, help="发文机关档案（templates/issuers/ 中的文件名）；只有一个档案时可省略。")
@click.option("--kind", type=click.Choice(["proposal", "suggestion", "co-handling"]), default="proposal",
              show_default=True, help="种类：提案答复、建议答复、会办意见。")
@click.option("-o", "--output", "target", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="新文件，如 content/2026/246.yaml（已存在时不覆盖）。")
@_templates_option
def new(issuer: str | None, kind: str, target: Path, templates_dir: Path | None) -> None:
    """新建一份答复：按机关档案写出带注释的 YAML 草稿，【】中为待填写的内容。"""
    from replygen.edits import Conflict, WriteFailed, save
    from replygen.skeleton import new_reply

    templates, ok = _guard("打开模板", lambda: _templates(templates_dir))
    if not ok:
        sys.exit(EXIT_INPUT)
    _freeze_startup()
    if issuer is None:
        known = templates.issuer_ids()
        if len(known) != 1:
            click.echo(f"错误：请用 --issuer 指定发文机关档案，可选：{'、'.join(known) or '（无）'}", err=True)
            sys.exit(EXIT_INPUT)
        issuer = known[0]
    text, ok = _guard("新建答复", lambda: new_reply(templates, issuer, kind))
    if not ok or text is None:
        sys.exit(EXIT_INPUT)
    try:  # only if no file is there: one written meanwhile (by the workbench, say) is not overwritten
        save(target, text.encode("utf-8"), None)
    except Conflict:
        click.echo(f"错误：{target} 已存在，不覆盖；请换一个文件名。", err=True)
        sys.exit(EXIT_INPUT)
    except WriteFailed as err:
        click.echo(f"错误：{err}", err=True)
        sys.exit(EXIT_INPUT)
    click.echo(f"已新建：{target}（请把【】中的提示换成实际内容）")


@main.command()
@click.argument("content", type=click.Path(path_type=Path, exists=True, file_okay=False), default=Path("content"))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听地址；不是本机地址（127.0.0.1）时，访问须带启动时显示的令牌。")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True, help="端口。")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="同时生成预览和下载文件的进程数（每个约占 200 MB 内存）。")
@_templates_option
def serve(content: Path, host: str, port: int, workers: int, templates_dir: Path | None) -> None:
    """打开答复工作台：在浏览器中编辑答复、随输入查看排版后的页面、下载 DOCX 和 PDF。"""
    from replygen.web.server import serve as run

    _, ok = _guard("启动工作台", lambda: run(content, host, port, templates_dir, click.echo, workers))
    if not ok:
        sys.exit(EXIT_INPUT)
