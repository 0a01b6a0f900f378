"""The HTTP application (FastAPI): the prediction API, model list and reload, health and readiness, Prometheus
metrics, OpenAPI at /docs and the web page at /. Scoring runs in FastAPI's thread pool, so the event loop
keeps answering (health checks, other models) while a model works; one model scores one request at a time
(its detector's lock) with its own engine threads."""
try:
    from fastapi import FastAPI, Request
    from fastapi.concurrency import run_in_threadpool
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import HTMLResponse, JSONResponse, Response
    from starlette.exceptions import HTTPException
except ImportError as e:  # pragma: no cover - depends on the installation
    raise ImportError("serving needs FastAPI, uvicorn, python-multipart and prometheus-client: "
                      "pip install 'fcdd-swift[serve]'") from e
import importlib.resources
import logging
import os
import socket
import time

from .. import __version__
from ..errors import FCDDError, FCDDMemoryError, NotFoundError
from . import scoring
from .limits import LimitUpload, RequireKey
from .metrics import CONTENT_TYPE, ServerMetrics
from .models import ModelRegistry

log = logging.getLogger("fcdd_swift.serve")

IMAGE_TYPES = ("image/png", "image/jpeg", "application/octet-stream")
MAX_FILES = 64   # images per request; more is a batch job for `fcdd-swift predict`


class ClientError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def _status_of(error):
    """HTTP status of an engine error on a request's input."""
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, FCDDMemoryError):
        return 413
    return 400


def create_app(config, registry=None):
    """The application for `config` (ServeConfig); `registry` (loaded or not) may be given, else the models
    are loaded now."""
    if registry is None:
        registry = ModelRegistry(config.models, threads=config.threads)
    if not registry.loaded():
        registry.load_all()
    metrics = ServerMetrics()
    metrics.loaded.set(len(registry.loaded()))
    app = FastAPI(title="fcdd-swift", version=__version__,
                  description="Anomaly scores, decisions and heatmaps of FCDD detectors (fcdd-swift serve).")
    app.state.registry, app.state.metrics, app.state.config = registry, metrics, config
    app.add_middleware(LimitUpload, max_bytes=config.max_upload_bytes)
    if config.api_key is not None:
        app.add_middleware(RequireKey, key=config.api_key)   # added last: runs first

    @app.exception_handler(ClientError)
    async def client_error(request, e):
        return JSONResponse({"error": str(e)}, status_code=e.status)

    @app.exception_handler(HTTPException)
    async def http_error(request, e):
        return JSONResponse({"error": e.detail}, status_code=e.status_code, headers=getattr(e, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request, e):
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors())
        return JSONResponse({"error": problems}, status_code=422)

    @app.exception_handler(Exception)
    async def server_error(request, e):
        log.exception("request %s %s failed", request.method, request.url.path)
        return JSONResponse({"error": f"internal error ({type(e).__name__}); the server log has the details"},
                            status_code=500)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page():
        return importlib.resources.files(__package__).joinpath("page.html").read_text("utf-8")

    process = f"{socket.gethostname()}:{os.getpid()}"

    @app.get("/healthz", summary="Liveness: the process answers (with its host and process id)")
    def healthz():
        return {"status": "ok", "process": process}

    @app.get("/readyz", summary="Readiness: every model is loaded")
    def readyz():
        loaded = [m.name for m in registry.loaded()]
        ready = len(loaded) == len(registry.names)
        return JSONResponse({"status": "ready" if ready else "loading", "models": loaded},
                            status_code=200 if ready else 503)

    @app.get("/metrics", summary="Prometheus metrics", response_class=Response)
    def prometheus():
        return Response(metrics.text(), media_type=CONTENT_TYPE)

    @app.get("/v1/models", summary="The models served: name, network, input size, thresholds, version")
    def models():
        return {"models": [m.describe() for m in registry.loaded()]}

    @app.get("/v1/models/{name}", summary="One model")
    def model(name: str):
        try:
            return registry.get(name).describe()
        except NotFoundError as e:
            raise ClientError(404, str(e)) from None

    @app.post("/v1/models/{name}/reload", summary="Load the model's file again and swap it in")
    def reload(name: str):
        if name not in registry.names:
            raise ClientError(404, f"no model named {name!r}; models: {', '.join(registry.names)}")
        try:
            new, old = registry.reload(name)
        except (FCDDError, OSError) as e:     # a missing, damaged or foreign file (NotFoundError too)
            metrics.reloads.labels(name, "error").inc()
            raise ClientError(422, f"reload of {name!r} failed, the old model keeps serving: {e}") from None
        metrics.reloads.labels(name, "ok").inc()
        metrics.loaded.set(len(registry.loaded()))
        return {"model": name, "version": new.version, "previous_version": old.version if old else None}

    @app.post("/v1/models/{name}/predict",
              summary="Score and decide images: multipart 'file' fields, or one PNG/JPEG as the body")
    async def predict(name: str, request: Request, heatmap: str = None, mask: str = None, overlay: str = None,
                      min_area: int = None):
        started = time.perf_counter()
        try:
            served = registry.get(name)
        except NotFoundError as e:
            raise ClientError(404, str(e)) from None
        try:
            pictures = _pictures(heatmap=heatmap, mask=mask, overlay=overlay)
            area = config.min_area if min_area is None else min_area
            if area < 1:
                raise ClientError(422, f"min_area must be >= 1; got {min_area}")
            uploads = await _uploads(request)
            records = await run_in_threadpool(_decide, served, uploads, area, pictures)
        except ClientError:
            metrics.requests.labels(name, "client_error").inc()
            raise
        except Exception:
            metrics.requests.labels(name, "server_error").inc()
            raise
        metrics.requests.labels(name, "ok").inc()
        metrics.count_images(name, records)
        metrics.latency.labels(name).observe(time.perf_counter() - started)
        return {"model": name, "version": served.version, "images": [scoring.as_json(r) for r in records]}

    return app


def _pictures(**asked):
    for picture, value in asked.items():
        if value not in (None, "png"):
            raise ClientError(422, f"{picture}={value!r}: the only picture format is png ({picture}=png)")
    return tuple(p for p in scoring.PICTURES if asked[p] == "png")


async def _uploads(request):
    """[(name, bytes)] from a multipart form's 'file' fields or from a raw PNG/JPEG body."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        form = await request.form(max_files=MAX_FILES, max_fields=MAX_FILES)
        files = [f for f in form.getlist("file") if hasattr(f, "read")]
        if not files:
            raise ClientError(400, "no images: send them as multipart fields named 'file'")
        return [(f.filename or f"file {i + 1}", await f.read()) for i, f in enumerate(files)]
    if kind in IMAGE_TYPES:
        body = await request.body()
        if not body:
            raise ClientError(400, "the request body is empty; send a PNG or JPEG image")
        return [("body", body)]
    raise ClientError(415, f"content type {kind or 'none'!r} is not an image upload: send multipart/form-data "
                           "with 'file' fields, or the image itself as image/png or image/jpeg")


def _decide(served, uploads, min_area, pictures):
    images = []
    for name, data in uploads:
        try:
            images.append(scoring.decode(served.detector, name, data))
        except FCDDError as e:
            raise ClientError(_status_of(e), str(e)) from None
    try:
        records = scoring.decide(served.detector, images, min_area, pictures)
    except FCDDError as e:
        raise ClientError(_status_of(e), str(e)) from None
    return [{"file": name, **record} for (name, _), record in zip(uploads, records)]


def app_from_environment():
    """The application of a uvicorn worker process (`fcdd-swift serve --workers N`)."""
    from .config import ServeConfig
    return create_app(ServeConfig.from_environment())
