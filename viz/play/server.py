"""`graphgrad serve`: the playground, a small web server on 127.0.0.1 only.

    GET /                        the page (viz/play/assets/, filled in by viz.play.page)
    GET /api/draw?STATE          the drawing, as JSON (viz.play.build.drawing)
    GET /steps?STATE             the stepper: the player page of export_html
    GET /download/graph.svg|graph.png|steps.html?STATE   the same, as files
    GET /assets/...              the page's script and style, served from the package
                                 (zoom.js: the stepper's, viz/templates/zoom.js)

STATE is the page's address: `expr=sigmoid(x*w%2Bb)&x=1&w=2&b=-1&labels=both&lang=ja`
(`collapse=1` draws composites as boxes); every other name is a variable's value.

Each request computes its own answer in a worker process (pebble), from the text it
carries: no learner shares anything with another.  Each is bounded: the address's
length, the expression's and each value's (viz.play.build.Limits), the graph's size,
and a time limit, past which the worker is stopped and the page says so.  A mistake or
a limit is a message on the page, never a traceback; the server lives on.  The page and
its assets come from the package itself (classrooms are often offline), under a
Content-Security-Policy that lets only them run.
"""
from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import hashlib
import html
import multiprocessing
import re
import signal
import socket
import sys
import threading
import traceback
import webbrowser

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from viz.html import ZOOM_SCRIPT
from viz.i18n import LANGS, language, translator
from viz.play import build
from viz.play.page import ASSETS, page_html

__all__ = ["HOST", "PORT", "TIME_LIMIT", "Workers", "bind", "job", "make_app", "read_state",
           "serve"]

HOST = "127.0.0.1"
PORT = 8700
TIME_LIMIT = 20.0  # seconds per request: the algebra of a big graph is what can take long
MAX_QUERY = 16_000  # characters of the page's address after '?'
MAX_PENDING = 8  # requests waiting for a worker at once; more are told to wait
LABELS = ("numbers", "symbols", "both")
KINDS = ("drawing", "steps", "svg", "png")

# the page and its assets only: no inline script, no other origin (the drawing's SVG is
# inline, and dot writes style attributes)
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: blob:; connect-src 'self'; frame-src 'self'; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'")
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


# ----------------------------------------------------------------------------- the work

def _quiet_worker():
    """A worker ignores Ctrl-C (the server stops it) and loads its modules at start."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import viz.dot  # noqa: F401
    import viz.stepper  # noqa: F401


def job(kind, state):
    """One request's answer, computed in a worker: ('ok', result) or ('error', payload)."""
    expr, texts = state["expr"], state["values"]
    options = {"labels": state["labels"], "lang": state["lang"],
               "collapse": state["collapse"]}
    try:
        if kind == "drawing":
            return "ok", build.drawing(expr, texts, **options)
        if kind == "steps":
            return "ok", build.steps_page(expr, texts, **options)
        return "ok", build.image(expr, texts, kind, **options)
    except build.PlayError as e:
        return "error", e.payload(state["lang"])
    except Exception as e:  # a bug of ours: said on the page, logged here, server alive
        traceback.print_exc(file=sys.stderr)
        return "error", {"message": f"internal error ({type(e).__name__}): please report "
                                    "this expression", "where": "", "text": "", "offset": 0}


class Workers:
    """The worker processes answering requests, each request under the time limit: a
    worker still busy at the limit is stopped, and another takes its place."""

    def __init__(self, count=2, time_limit=TIME_LIMIT):
        from pebble import ProcessPool
        # spawn: a fresh interpreter, never a fork of the server's threads
        self.pool = ProcessPool(max_workers=count, initializer=_quiet_worker,
                                context=multiprocessing.get_context("spawn"))
        self.time_limit = time_limit
        self.pending = 0

    async def run(self, kind, state):
        if self.pending >= MAX_PENDING:
            return "busy", None
        self.pending += 1
        try:
            future = self.pool.schedule(job, args=(kind, state), timeout=self.time_limit)
            return await asyncio.wrap_future(future)
        except concurrent.futures.TimeoutError:
            return "timeout", None
        finally:
            self.pending -= 1

    def close(self):
        self.pool.stop()
        self.pool.join(timeout=10)


# ----------------------------------------------------------------------------- requests

def read_state(params, default_lang):
    """The page's state from its address: expr, labels, lang, collapse and the values."""
    values = {}
    for key, value in params.multi_items():
        if key not in build.RESERVED and key not in values:
            values[key] = value
    lang = params.get("lang")
    return {"expr": params.get("expr", ""), "values": values,
            "labels": params.get("labels") if params.get("labels") in LABELS else "numbers",
            "lang": lang if lang in LANGS else default_lang,
            "collapse": params.get("collapse", "") in ("1", "all", "true")}


def _message(kind, state):
    _ = translator(state["lang"])
    if kind == "busy":
        return _("the playground is busy with other drawings: try again in a moment")
    return _("this took longer than {s} s, the limit here: try numbers instead of "
             "symbols, or a smaller expression").format(s=f"{state['time_limit']:g}")


def _error(message, where=""):
    return {"message": message, "where": where, "text": "", "offset": 0}


async def _answer(request, kind):
    """(state, 'ok' or 'error', result or error payload) for one request."""
    app = request.app.state
    state = read_state(request.query_params, app.lang)
    if len(request.url.query) > MAX_QUERY:
        return state, "error", _error(translator(state["lang"])(
            "the address is longer than {n} characters").format(n=MAX_QUERY))
    status, result = await app.workers.run(kind, state)
    if status in ("busy", "timeout"):
        state["time_limit"] = app.workers.time_limit
        return state, "error", _error(_message(status, state))
    return state, status, result


async def api_draw(request):
    state, status, result = await _answer(request, "drawing")
    if status == "error":
        result = {"ok": False, "error": result, "lang": state["lang"],
                  "variables": build.variables_of(state["expr"], state["values"])}
    return JSONResponse(result, headers={"Cache-Control": "no-store"})


def _script_csp(page):
    """The player's own CSP: its inline script by hash, nothing else runs."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in _INLINE_SCRIPT.findall(page))
    return (f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; "
            "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'")


def _error_page(state, error):
    _ = translator(state["lang"])
    return (f'<!DOCTYPE html><html lang="{state["lang"]}"><meta charset="utf-8">'
            '<body style="font-family:sans-serif;color:#555;margin:16px">'
            f'<p>{html.escape(_("No stepper for this expression:"))} '
            f'{html.escape(error["message"])}</p></body></html>')


async def steps(request):
    state, status, result = await _answer(request, "steps")
    if status == "error":
        page = _error_page(state, result)
        return HTMLResponse(page, headers={"Content-Security-Policy": _script_csp(page)})
    return HTMLResponse(result, headers={"Content-Security-Policy": _script_csp(result),
                                         "Cache-Control": "no-store"})


DOWNLOADS = {"graph.svg": ("svg", "image/svg+xml"), "graph.png": ("png", "image/png"),
             "steps.html": ("steps", "text/html; charset=utf-8")}


async def download(request):
    name = request.path_params["name"]
    if name not in DOWNLOADS:
        return Response("not found", status_code=404, media_type="text/plain")
    kind, media = DOWNLOADS[name]
    state, status, result = await _answer(request, kind)
    if status == "error":
        return Response(result["message"], status_code=400,
                        media_type="text/plain; charset=utf-8")
    body = result.encode("utf-8") if isinstance(result, str) else result
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if kind == "steps":
        headers["Content-Security-Policy"] = _script_csp(result)
    return Response(body, media_type=media, headers=headers)


async def index(request):
    lang = request.query_params.get("lang")
    lang = lang if lang in LANGS else request.app.state.lang
    return HTMLResponse(page_html(lang), headers={"Content-Security-Policy": PAGE_CSP,
                                                  "Cache-Control": "no-store"})


async def zoom_script(request):
    """The drawing's zoom, the stepper page's own script (viz/templates/zoom.js)."""
    return FileResponse(ZOOM_SCRIPT, media_type="text/javascript; charset=utf-8")


async def _security_headers(app, scope, receive, send):
    async def with_headers(message):
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            headers += [(b"x-content-type-options", b"nosniff"),
                        (b"referrer-policy", b"no-referrer")]
            message = {**message, "headers": headers}
        await send(message)
    await app(scope, receive, with_headers)


class _SecurityHeaders:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        return await _security_headers(self.app, scope, receive, send)


def make_app(workers, lang=None):
    """The playground's ASGI application, answering with `workers`."""
    app = Starlette(routes=[
        Route("/", index), Route("/api/draw", api_draw), Route("/steps", steps),
        Route("/download/{name}", download), Route("/assets/zoom.js", zoom_script),
        Mount("/assets", StaticFiles(directory=ASSETS), name="assets"),
    ], middleware=[
        # a page on another site that names this one (DNS rebinding) is turned away
        Middleware(TrustedHostMiddleware, allowed_hosts=[HOST, "localhost"]),
        Middleware(_SecurityHeaders),
    ])
    app.state.workers = workers
    app.state.lang = language(lang)
    return app


# ----------------------------------------------------------------------------- serving

def bind(port):
    """A socket listening on 127.0.0.1:`port` (0: any free port); OSError when taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((HOST, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    return sock


def serve(sock, *, open_browser=True, lang=None, workers=2, out=sys.stdout):
    """Serve the playground on the bound socket `sock` until Ctrl-C; returns 0."""
    import uvicorn
    _ = translator(lang)
    url = f"http://{HOST}:{sock.getsockname()[1]}/"
    pool = Workers(workers)
    app = make_app(pool, lang)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off",
                                           access_log=False))
    print(_("graphgrad playground: {url}").format(url=url), file=out)
    print(_("(Ctrl-C stops it)"), file=out, flush=True)
    if open_browser:
        threading.Timer(0.3, webbrowser.open, [url]).start()
    # uvicorn stops gracefully on Ctrl-C (or SIGTERM), then raises the signal again for
    # whoever handled it before: here, that only notes it, so the workers are stopped
    # and the command ends normally
    caught = []
    previous = {sig: signal.signal(sig, lambda sig, _frame: caught.append(sig))
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run(sockets=[sock])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        pool.close()
        sock.close()
    print(_("stopped"), file=out, flush=True)
    return 0

