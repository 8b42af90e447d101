"""The workbench's routes (Starlette): the list page, the editor page, and the JSON API behind them.

Checks run in the thread pool (milliseconds each); rendering runs in worker processes (previews.RenderPool), so
neither holds up the event loop. Writes take JSON only, which a page on another site cannot send without the
browser asking first, and on a loopback address only loopback host names are served (no DNS rebinding).
"""

from __future__ import annotations

import base64
import contextlib
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from replygen.compose import DEFAULT_TEMPLATES, Templates
from replygen.edits import Conflict, WriteFailed
from replygen.errors import ReplyError
from replygen.limits import Limits, variable
from replygen.model import Kind
from replygen.skeleton import new_reply
from replygen.web.catalog import Catalog, check, problem_json
from replygen.web.previews import Busy, RenderPool
from replygen.web.store import ContentStore, NotFound

HERE = Path(__file__).resolve().parent
TOKEN_COOKIE = "replygen_token"
KINDS: dict[Kind, str] = {"proposal": "提案答复", "suggestion": "建议答复", "co-handling": "会办意见"}
MEDIA = {"pdf": "application/pdf",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
CONFLICT = "文件在您打开之后已被修改（可能是另一个窗口或其他人保存的），本次未保存，您的内容仍在编辑器中。"

pages = Jinja2Templates(directory=HERE / "templates")


class Workbench:
    """What the routes share: the content folder, the templates, the list and the render workers."""

    def __init__(self, content: Path, templates_root: Path, workers: int, limits: Limits):
        self.store = ContentStore(content)
        self.templates = Templates.open(templates_root)
        self.catalog = Catalog(self.store, self.templates)
        self.renders = RenderPool(self.templates.root, limits, workers)


def _bench(request: Request) -> Workbench:
    return request.app.state.bench


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def _write_failed(err: WriteFailed) -> JSONResponse:
    """507 Insufficient Storage for a full disk, 500 for the other causes; the message says which, in Chinese."""
    return _error(507 if err.full else 500, str(err))


async def _json(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise _Refused(_error(415, "请求应为 JSON"))
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise _Refused(_error(400, "请求内容不是 JSON 对象"))
    return body


class _Refused(Exception):
    """A request answered with `response` before reaching the work."""

    def __init__(self, response: Response):
        self.response = response


def _reply_path(request: Request) -> tuple[str, Path]:
    name = request.path_params["name"]
    try:
        return name, _bench(request).store.path(name)
    except NotFound:
        raise _Refused(_error(404, f"没有这个答复文件：{name}")) from None


async def health(request: Request) -> Response:
    """Whether the workbench is up, how many render workers are warm (a preview is fast only then) and how many
    renders are running or waiting: what a test, or a script that starts the workbench, waits on instead of a
    fixed time."""
    renders = _bench(request).renders
    return JSONResponse({"ok": True, "workers": {"count": renders.workers, "warm": renders.warm()},
                         "renders": renders.waiting})


async def list_page(request: Request) -> Response:
    bench = _bench(request)
    issuers = []
    for issuer_id in bench.templates.issuer_ids():
        try:
            issuers.append((issuer_id, bench.templates.issuer(issuer_id).organ))
        except ReplyError:
            continue  # a broken profile: `replygen validate` reports it; here it is simply not offered
    return pages.TemplateResponse(request, "list.html", {"issuers": issuers, "kinds": KINDS})


async def edit_page(request: Request) -> Response:
    name, path = _reply_path(request)
    if not path.is_file():
        return PlainTextResponse(f"没有这个答复文件：{name}", status_code=404)
    return pages.TemplateResponse(request, "edit.html", {"name": name})


async def list_replies(request: Request) -> Response:
    entries = await run_in_threadpool(_bench(request).catalog.entries)
    return JSONResponse([e.json() for e in entries])


async def create_reply(request: Request) -> Response:
    bench = _bench(request)
    body = await _json(request)
    name = str(body.get("name", "")).strip().replace("\\", "/")
    if name and not name.endswith(".yaml"):
        name += ".yaml"
    kind = body.get("kind", "proposal")
    if kind not in KINDS:
        return _error(400, f"种类应为以下之一：{'、'.join(KINDS)}")
    try:
        bench.store.path(name)
    except NotFound:
        return _error(400, "文件名应为内容目录下的相对路径，如 2026/246.yaml（不能以 . 开头，不能跳出内容目录）")
    try:
        text = new_reply(bench.templates, str(body.get("issuer", "")), kind)
        version = bench.store.save(name, text, None)
    except ReplyError as err:
        return _error(400, err.problems[0].message)
    except Conflict:
        return _error(409, f"文件已存在：{name}")
    except WriteFailed as err:
        return _write_failed(err)
    return JSONResponse({"name": name, "version": version}, status_code=201)


async def get_reply(request: Request) -> Response:
    name, _ = _reply_path(request)
    try:
        text, version = _bench(request).store.read(name)
    except NotFound:
        return _error(404, f"没有这个答复文件：{name}")
    return JSONResponse({"name": name, "text": text, "version": version})


async def save_reply(request: Request) -> Response:
    bench = _bench(request)
    name, path = _reply_path(request)
    body = await _json(request)
    text, base = body.get("text"), body.get("version")
    if not isinstance(text, str) or not isinstance(base, str):
        return _error(400, "请求应包含 text 和 version")
    try:
        version = await run_in_threadpool(bench.store.save, name, text, base)
    except Conflict as conflict:
        return _error(409, CONFLICT, version=conflict.current)
    except WriteFailed as err:
        return _write_failed(err)
    problems, _ = await run_in_threadpool(check, bench.templates, path, text)
    return JSONResponse({"version": version, "problems": [problem_json(p, path) for p in problems]})


async def check_reply(request: Request) -> Response:
    bench = _bench(request)
    _, path = _reply_path(request)
    text = (await _json(request)).get("text")
    if not isinstance(text, str):
        return _error(400, "请求应包含 text")
    problems, _ = await run_in_threadpool(check, bench.templates, path, text)
    return JSONResponse({"problems": [problem_json(p, path) for p in problems]})


async def preview_reply(request: Request) -> Response:
    bench = _bench(request)
    name, path = _reply_path(request)
    body = await _json(request)
    text = body.get("text")
    if not isinstance(text, str):
        return _error(400, "请求应包含 text")
    try:
        result = await bench.renders.preview(f"{body.get('editor')}:{name}", path, text)
    except Busy:
        return _error(503, "预览请求太多，请稍后再试")
    if result is None:
        return JSONResponse({"superseded": True})
    pages_ = ["data:image/png;base64," + base64.b64encode(png).decode("ascii") for png in result.files]
    return JSONResponse({"pages": pages_, "problems": [problem_json(p, path) for p in result.problems]})


async def download_reply(request: Request) -> Response:
    bench = _bench(request)
    name, path = _reply_path(request)
    fmt = request.path_params["fmt"]
    if fmt not in MEDIA:
        return _error(404, f"不支持的格式：{fmt}")
    if not path.is_file():
        return _error(404, f"没有这个答复文件：{name}")
    try:
        result = await bench.renders.render(path, fmt)
    except Busy:
        return _error(503, "生成请求太多，请稍后再试")
    if result.problems:
        return _error(422, "答复有错误，不能生成：\n" + "\n".join(str(p) for p in result.problems))
    filename = f"{path.stem}.{fmt}"
    return Response(result.files[0], media_type=MEDIA[fmt],
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


class TokenGate(BaseHTTPMiddleware):
    """Every request must carry the access token: once as ?token= in the address the command prints (then kept in
    a cookie), or in an X-Replygen-Token header."""

    def __init__(self, app: Any, token: str):
        super().__init__(app)
        self.token = token

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        given = (request.query_params.get("token") or request.headers.get("x-replygen-token")
                 or request.cookies.get(TOKEN_COOKIE) or "")
        if not secrets.compare_digest(given.encode(), self.token.encode()):
            return PlainTextResponse("需要访问令牌：请用 replygen serve 启动时显示的完整地址（含 ?token=）打开。",
                                     status_code=401)
        if "token" in request.query_params:
            response: Response = RedirectResponse(request.url.remove_query_params("token"), status_code=303)
            response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")
            return response
        return await call_next(request)


class BodyLimit:
    """Refuse a request body over `limit` bytes with 413 without reading it whole: at once when its Content-Length
    says so, else (a chunked body) as soon as what arrived passes the limit. The route reads the body only
    through here, so a 300 MB upload costs at most `limit` bytes of memory."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length", "0")
        if not length.isdigit() or int(length) > self.limit:
            await self.too_large()(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise _Refused(self.too_large())
            return message

        await self.app(scope, counted, send)

    def too_large(self) -> Response:
        return _error(413, f"请求内容太大（上限 {self.limit // 1024} KB）；确需更大时可设置环境变量 "
                           f"{variable('request_kb')}")


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, _Refused)
    return exc.response


def create_app(content: Path, *, templates_root: Path = DEFAULT_TEMPLATES, token: str | None = None,
               allowed_hosts: list[str] | None = None, workers: int = 2, limits: Limits | None = None) -> Starlette:
    """The workbench over the replies in `content`. `token`: required on every request; `allowed_hosts`: the only
    Host headers answered; `limits`: request size and each render's time and memory (default: from REPLYGEN_*)."""
    limits = limits or Limits.from_env()
    bench = Workbench(content, templates_root, workers, limits)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        bench.renders.start()
        try:
            yield
        finally:
            bench.renders.close()

    reply = "{name:path}"
    routes = [
        Route("/", list_page),
        Route("/api/health", health),
        Route(f"/edit/{reply}", edit_page),
        Route("/api/replies", list_replies),
        Route("/api/replies", create_reply, methods=["POST"]),
        Route(f"/api/replies/{reply}", get_reply),
        Route(f"/api/replies/{reply}", save_reply, methods=["PUT"]),
        Route(f"/api/check/{reply}", check_reply, methods=["POST"]),
        Route(f"/api/preview/{reply}", preview_reply, methods=["POST"]),
        Route("/api/download/{fmt}/" + reply, download_reply),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = []
    if allowed_hosts is not None:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts))
    if token is not None:
        middleware.append(Middleware(TokenGate, token=token))
    middleware.append(Middleware(BodyLimit, limit=limits.request_bytes))
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan, exception_handlers={_Refused: _refused})
    app.state.bench = bench
    return app
