"""The sandbox's web page, served on 127.0.0.1 by the standard library's threaded HTTP server.

One person (or a committee training together) at a time, on this machine only: ``http.server`` is
enough and adds no dependency (aiohttp is only a test dependency; the flows are synchronous and the
sandbox serialises every step behind one lock anyway). The page (``page/index.html``, a Jinja2
template with the texts of ``sandbox.toml``, plus ``sandbox.js`` and ``sandbox.css``) polls
``/api/view`` and posts what the person does as JSON. A background thread runs the scheduler's work
every minute, as the running bot does.
"""

from __future__ import annotations

import base64
import json
import logging
import mimetypes
import threading
from dataclasses import asdict
from datetime import timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.sandbox.world import Sandbox
from flows.ui.chat import Attachment, AttachmentKind
from flows.ui.i18n import catalogue, render

log = logging.getLogger("kaohe.sandbox")
PAGE = Path(__file__).parent / "page"
STATIC = {"sandbox.js": "text/javascript", "sandbox.css": "text/css"}
JOBS_INTERVAL_SECONDS = 60.0  # as the running bot plans (delivery.plan_interval_seconds)
UPLOAD_LIMIT = 20 * 1024 * 1024  # Telegram bots may receive files up to 20 MB


def page_texts(locale: str) -> dict[str, str]:
    """The page's own texts (the ``sandbox_ui_`` keys), in the sandbox's language."""
    return {key: render(locale, key) for key in catalogue(locale) if key.startswith("sandbox_ui_")}


def render_page(sandbox: Sandbox) -> bytes:
    locale = sandbox.config.settings.language
    environment = Environment(loader=FileSystemLoader(PAGE), autoescape=select_autoescape(["html"]))
    people = [asdict(person) for person in sandbox.people()]
    texts = page_texts(locale)
    page = environment.get_template("index.html").render(locale=locale, texts=texts, people=people)
    return page.encode()


class Handler(BaseHTTPRequestHandler):
    """Routes: the page, its static files and attachments; ``/api/*`` as JSON."""

    server: SandboxServer

    def log_message(self, format: str, *args: Any) -> None:  # the page polls every second or two
        return

    def _send(self, body: bytes, content_type: str, status: HTTPStatus = HTTPStatus.OK) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, data: object, status: HTTPStatus = HTTPStatus.OK) -> None:
        body = json.dumps(data, ensure_ascii=False, default=asdict).encode()
        self._send(body, "application/json; charset=utf-8", status)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        sandbox = self.server.sandbox
        if url.path == "/":
            self._send(render_page(sandbox), "text/html; charset=utf-8")
        elif url.path.startswith("/static/") and url.path[8:] in STATIC:
            name = url.path[8:]
            self._send((PAGE / name).read_bytes(), f"{STATIC[name]}; charset=utf-8")
        elif url.path.startswith("/files/"):
            self._file(url.path[7:])
        elif url.path == "/api/view":
            query = parse_qs(url.query)
            chat = int(query["chat"][0]) if "chat" in query else None
            self._json(sandbox.view(chat, int(query.get("rev", ["0"])[0])))
        else:
            self._send(b"not found", "text/plain", HTTPStatus.NOT_FOUND)

    def _file(self, name: str) -> None:
        files = self.server.sandbox.transcript.files
        path = files / name
        if "/" in name or not path.is_file():
            self._send(b"not found", "text/plain", HTTPStatus.NOT_FOUND)
            return
        self._send(path.read_bytes(), mimetypes.guess_type(name)[0] or "application/octet-stream")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > UPLOAD_LIMIT * 2:
            self._json({"error": "too large"}, HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
            return
        body = json.loads(self.rfile.read(length) or b"{}")
        try:
            self._json(self._act(urlsplit(self.path).path, body))
        except (KeyError, ValueError) as error:
            self._json({"error": f"bad request: {error}"}, HTTPStatus.BAD_REQUEST)
        except Exception as error:
            log.exception("sandbox step failed", extra={"event": "sandbox.error"})
            self._json({"error": repr(error)}, HTTPStatus.INTERNAL_SERVER_ERROR)

    def _act(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        sandbox = self.server.sandbox
        if path == "/api/say":
            return {"toast": sandbox.say(int(body["chat"]), str(body["text"]))}
        if path == "/api/press":
            return {"toast": sandbox.press(int(body["chat"]), int(body["message"]), str(body["data"]))}
        if path == "/api/file":
            kind = AttachmentKind(body["kind"])
            attachment = Attachment(kind, str(body["name"]), base64.b64decode(body["data"]))
            return {"toast": sandbox.send_file(int(body["chat"]), attachment, str(body.get("caption", "")))}
        if path == "/api/next":
            return {"moved": sandbox.to_next_deadline()}
        if path == "/api/day":
            sandbox.advance(timedelta(days=1))
            return {}
        if path == "/api/reset":
            sandbox.reset()
            return {}
        raise KeyError(path)


class SandboxServer(ThreadingHTTPServer):
    """The HTTP server with its sandbox, and the thread that runs the scheduler's work every minute."""

    daemon_threads = True

    def __init__(self, sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__((host, port), Handler)
        self.sandbox = sandbox
        self.stopping = threading.Event()
        self.jobs = threading.Thread(target=self._run_jobs, name="sandbox-jobs", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.socket.getsockname()[:2]  # the address bound (server_address may hold bytes)
        return f"http://{host}:{port}/"

    def _run_jobs(self) -> None:
        while not self.stopping.wait(JOBS_INTERVAL_SECONDS):
            self.sandbox.run_jobs()

    def serve(self) -> None:
        """Serve until ``stop`` (from another thread) or Ctrl+C."""
        self.jobs.start()
        try:
            self.serve_forever(poll_interval=0.2)
        finally:
            self.stopping.set()

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
