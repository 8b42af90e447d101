"""`replygen serve`: the workbench on uvicorn. On a loopback address nothing else is needed; on any other address
every request must carry an access token, printed with the address to open."""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import secrets
import socket
from collections.abc import Callable
from pathlib import Path

from replygen.compose import DEFAULT_TEMPLATES
from replygen.errors import Problem, ReplyError
from replygen.limits import Limits

LOOPBACK_NAMES = ["127.0.0.1", "localhost", "::1", "[::1]"]
STOP_WAIT = 1  # seconds


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(content: Path, host: str, port: int, templates_root: Path | None, say: Callable[[str], None],
          workers: int = 2) -> None:
    import uvicorn

    from replygen.web.app import create_app

    shown = socket.gethostname() if host in ("0.0.0.0", "::") else (f"[{host}]" if ":" in host else host)
    if is_loopback(host):  # the address printed must be one the Host check lets through (127.0.0.2, say)
        token, hosts = None, [*LOOPBACK_NAMES, shown.lower()]
        address = f"http://{shown}:{port}/"
    else:
        token, hosts = secrets.token_urlsafe(24), None
        address = f"http://{shown}:{port}/?token={token}"
    app = create_app(content, templates_root=templates_root or DEFAULT_TEMPLATES, token=token,
                     allowed_hosts=hosts, workers=workers, limits=Limits.from_env())
    listening = _listen(host, port)
    say(f"答复工作台：{content.resolve()}")
    say(f"请在浏览器中打开：{address}")
    if token is not None:
        say("（非本机地址：访问须带上面的令牌，请只把这个地址交给需要的人。）")
    say("按 Ctrl+C 停止。")
    # Ctrl+C: requests still running get STOP_WAIT seconds, then the render workers are stopped (not waited for)
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=STOP_WAIT)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn shuts down cleanly, then passes Ctrl+C on
        uvicorn.Server(config).run(sockets=[listening])
    say("工作台已停止。")


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, opened before the address is printed: a port in use is reported, not printed."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        return socket.create_server((host, port), family=family)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ReplyError(Problem(f"端口 {port} 已被占用，请用 --port 换一个")) from None
        raise ReplyError(Problem(f"无法在 {host}:{port} 上监听：{exc.strerror or exc}")) from None
