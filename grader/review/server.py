"""`grader review OUTDIR`: the review page, served on 127.0.0.1 by the standard library's http.server.

Two routes and one writer need no framework: http.server keeps the grader free of a web dependency, and
its single-threaded server applies decisions one at a time, each written to overrides.json at once.

Any web page open in the instructor's browser can send requests to 127.0.0.1, so the server answers only
requests addressed to itself (the Host header: a DNS-rebinding page carries its own name), refuses a
foreign Origin, and takes a decision only with the page's token in a custom header (which a cross-site
form or fetch cannot set without a preflight this server never grants). The page loads nothing from
elsewhere (its Content-Security-Policy says so) and shows student text as text.
"""

from __future__ import annotations

import json
import secrets
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, Callable

from jinja2 import Environment, PackageLoader, select_autoescape

from grader.assignment import Assignment
from grader.batch.outputs.overrides import FILE, Decision, now, part_fingerprint, record, remove
from grader.escape import html_value
from grader.review.items import Item, ReviewList, load_review

HOST = "127.0.0.1"
MAX_BODY = 64 * 1024
TOKEN_HEADER = "X-Review-Token"


def decision_for(item: Item, review: ReviewList, *, score: float | None, comment: str, who: str) -> Decision:
    """The overrides entry a decision on `item` makes, stamped with what it was made on."""
    common = {"part": item.part, "score": score, "comment": comment, "who": who, "when": now(),
              "rubric": part_fingerprint(review.assignment, item.part)}
    if item.scope == "group":
        return Decision(scope="group", engine=item.engine, key=item.key, **common)  # type: ignore[arg-type]
    return Decision(scope="submission", submission=item.submission, answer=item.digest, **common)


class ReviewServer(HTTPServer):
    def __init__(self, outdir: Path, assignment: Assignment, *, port: int = 0, who: str = "",
                 log: Callable[[str], None] | None = None):
        super().__init__((HOST, port), ReviewHandler)
        self.outdir, self.assignment, self.who = outdir, assignment, who
        self.token = secrets.token_urlsafe(32)
        self.log = log
        self.review = load_review(outdir, assignment)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}/"

    def allowed_hosts(self) -> set[str]:
        port = self.server_address[1]
        return {f"{HOST}:{port}", f"localhost:{port}"}

    def decide(self, body: dict[str, Any]) -> dict[str, Any]:
        item = self.review.find(str(body.get("item", "")))
        if item is None:
            raise LookupError("no such item (reload the page)")
        action = body.get("action")
        path = self.outdir / FILE
        if action == "clear":
            remove(path, decision_for(item, self.review, score=None, comment="", who="").ident)
            item.decision = None
            return {"ok": True, "decision": None}
        if action not in ("accept", "score"):
            raise ValueError("action must be accept, score or clear")
        score = None
        if action == "score":
            score = float(body.get("score"))  # type: ignore[arg-type]
            if not 0 <= score <= item.points:
                raise ValueError(f"the score must be between 0 and {item.points:g}")
        comment = str(body.get("comment") or "")[:4000]
        who = str(body.get("who") or self.who)[:200]
        decision = decision_for(item, self.review, score=score, comment=comment, who=who)
        record(path, decision)
        item.decision = {"score": decision.score, "comment": decision.comment, "who": decision.who,
                         "when": decision.when}
        if self.log:
            self.log(f"{decision.label()}: {'accepted' if score is None else f'{score:g}'} by {who or 'unknown'}")
        return {"ok": True, "decision": item.decision}


def _environment() -> Environment:
    return Environment(loader=PackageLoader("grader.review", "templates"), autoescape=select_autoescape(["html", "j2"]),
                       finalize=html_value)


class ReviewHandler(BaseHTTPRequestHandler):
    server: ReviewServer
    server_version = "grader-review"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # the terminal shows decisions, not every request

    def _send(self, status: int, body: bytes, kind: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Frame-Options", "DENY")
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: dict[str, Any]) -> None:
        self._send(status, json.dumps(data).encode(), "application/json")

    def _addressed_to_us(self) -> bool:
        if self.headers.get("Host", "") not in self.server.allowed_hosts():
            self._json(HTTPStatus.MISDIRECTED_REQUEST, {"ok": False, "error": "wrong Host"})
            return False
        origin = self.headers.get("Origin")
        if origin is not None and origin not in {f"http://{h}" for h in self.server.allowed_hosts()}:
            self._json(HTTPStatus.FORBIDDEN, {"ok": False, "error": "cross-site request refused"})
            return False
        return True

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if not self._addressed_to_us():
            return
        if self.path not in ("/", "/index.html"):
            self._json(HTTPStatus.NOT_FOUND, {"ok": False, "error": "not found"})
            return
        nonce = secrets.token_urlsafe(16)
        review = self.server.review
        page = _environment().get_template("review.html.j2").render(
            title=review.assignment.rubric.title, assignment=review.assignment.id, token=self.server.token,
            nonce=nonce, items=[i.page() for i in review.items], who=self.server.who, outdir=str(review.outdir))
        policy = (f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
                  "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
        self._send(HTTPStatus.OK, page.encode("utf-8"), "text/html; charset=utf-8",
                   {"Content-Security-Policy": policy})

    def do_POST(self) -> None:  # noqa: N802
        if not self._addressed_to_us():
            return
        if self.path != "/decide":
            self._json(HTTPStatus.NOT_FOUND, {"ok": False, "error": "not found"})
            return
        if not secrets.compare_digest(self.headers.get(TOKEN_HEADER, ""), self.server.token):
            self._json(HTTPStatus.FORBIDDEN, {"ok": False, "error": "missing or wrong token (reload the page)"})
            return
        if self.headers.get_content_type() != "application/json":
            self._json(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {"ok": False, "error": "send JSON"})
            return
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if not 0 < length <= MAX_BODY:
            self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"ok": False, "error": "bad request size"})
            return
        try:
            body = json.loads(self.rfile.read(length))
            if not isinstance(body, dict):
                raise ValueError("send a JSON object")
            self._json(HTTPStatus.OK, self.server.decide(body))
        except LookupError as exc:
            self._json(HTTPStatus.NOT_FOUND, {"ok": False, "error": str(exc)})
        except (ValueError, TypeError) as exc:
            self._json(HTTPStatus.BAD_REQUEST, {"ok": False, "error": str(exc)})


def serve_review(*, outdir: Path, assignment: Assignment, port: int = 0, who: str = "",
                 log: Callable[[str], None] = print, ready: Callable[[ReviewServer], None] | None = None) -> None:
    """Serve the review page until interrupted."""
    server = ReviewServer(outdir, assignment, port=port, who=who, log=log)
    with server:
        if ready:
            ready(server)
        server.serve_forever()
