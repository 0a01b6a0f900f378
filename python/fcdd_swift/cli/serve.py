"""`fcdd-swift serve MODEL [NAME=MODEL ...]`: an HTTP server (FastAPI on uvicorn, or Ray Serve with --ray)
that scores and decides images with fs.FCDD model files, as `FCDD.inspect` does: POST
/v1/models/NAME/predict (multipart 'file' fields, or one PNG/JPEG body) answers score, label and regions per
image, and with ?heatmap=png&mask=png&overlay=png those pictures as base64 PNG. Also GET /v1/models,
/healthz, /readyz, /metrics (Prometheus), /docs (OpenAPI) and a web page at /. POST
/v1/models/NAME/reload or SIGHUP loads the model files again (a damaged file leaves the old model serving).
Needs `pip install 'fcdd-swift[serve]'`; the guide is docs/serving.md."""
import os
import signal
import stat
import sys
import threading

from ..errors import InvalidArgumentError
from ..serve.config import ServeConfig


def add_arguments(p):
    p.add_argument("models", metavar="MODEL", nargs="+",
                   help="model files of fs.FCDD.save / `fcdd-swift fit` / `calibrate`, as FILE (named by the file's "
                        "stem) or NAME=FILE")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: %(default)s, this machine only; 0.0.0.0 for every interface)")
    p.add_argument("--port", type=int, default=8000, help="TCP port (default: %(default)s)")
    p.add_argument("--api-key-file", metavar="FILE",
                   help="a file holding the API key: every request but /healthz and the page then needs "
                        "'Authorization: Bearer <key>'")
    p.add_argument("--max-upload-mb", type=float, default=ServeConfig.max_upload_bytes / 2 ** 20,
                   help="largest request body in MB (default: %(default)s); larger uploads get 413")
    p.add_argument("--max-pixels", type=int,
                   help="largest image in pixels (height x width) the engine decodes (default: the engine's limit, "
                        "178,956,970)")
    p.add_argument("--threads", type=int,
                   help="engine threads of each model (default: the model's own setting, else one per core)")
    p.add_argument("--min-area", type=int, default=ServeConfig.min_area,
                   help="drop regions of fewer pixels than this (default: %(default)s)")
    p.add_argument("--workers", type=int, default=1,
                   help="uvicorn worker processes, each holding every model (default: %(default)s; see docs/serving.md)")
    p.add_argument("--ray", nargs="?", const="", metavar="ADDRESS",
                   help="serve on Ray Serve instead: a running cluster's ADDRESS, or none for a local Ray")
    p.add_argument("--replicas", type=int, default=1, help="Ray Serve replicas, each holding every model (default: %(default)s)")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"],
                   help="uvicorn's log level (default: %(default)s)")


def read_api_key(path, err):
    """The key in `path` (surrounding whitespace removed); warns when other users may read the file."""
    try:
        with open(path, "r", encoding="utf-8") as f:
            key = f.read(4097).strip()
        mode = os.stat(path).st_mode
    except OSError as e:
        raise InvalidArgumentError(f"--api-key-file {path}: {e.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidArgumentError(f"--api-key-file {path}: the key must be UTF-8 text") from None
    if not key or len(key) > 4096 or any(c.isspace() for c in key):
        raise InvalidArgumentError(f"--api-key-file {path}: the file must hold one key of 1-4096 characters "
                                   "without spaces")
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        err.write(f"fcdd-swift serve: warning: {path} can be read by other users; chmod 600 {path}\n")
    return key


def config_from(args, err):
    if not 1 <= args.port <= 65535:
        raise InvalidArgumentError(f"--port must be in 1-65535; got {args.port}")
    if not 0 < args.max_upload_mb <= 4096:
        raise InvalidArgumentError(f"--max-upload-mb must be in (0, 4096]; got {args.max_upload_mb:g}")
    for flag, value in (("--workers", args.workers), ("--replicas", args.replicas)):
        if not 1 <= value <= 64:
            raise InvalidArgumentError(f"{flag} must be in 1-64; got {value}")
    key = read_api_key(args.api_key_file, err) if args.api_key_file else None
    return ServeConfig(models=ServeConfig.parse_models(args.models), api_key=key,
                       max_upload_bytes=int(args.max_upload_mb * 2 ** 20), threads=args.threads, min_area=args.min_area)


def announce(config, args, where, err):
    names = ", ".join(f"{n} ({p})" for n, p in config.models.items())
    err.write(f"fcdd-swift serve: models {names}\n")
    scope = ("this machine only (loopback); --host 0.0.0.0 listens on every interface"
             if args.host in ("127.0.0.1", "localhost", "::1") else "every machine that can reach this address")
    err.write(f"fcdd-swift serve: listening on {where}, reachable from {scope}\n")
    err.write("fcdd-swift serve: " + ("an API key is required (Authorization: Bearer <key>) for all but /healthz and /"
                                      if config.api_key else "no API key: anyone who can connect may use it (--api-key-file)")
              + "\n")
    err.flush()


def run(args, out, err=None):
    err = err or sys.stderr
    try:
        import uvicorn
    except ImportError:
        raise InvalidArgumentError("serving needs FastAPI and uvicorn: pip install 'fcdd-swift[serve]'") from None
    from .. import set_limits
    if args.max_pixels is not None:
        set_limits(max_image_pixels=args.max_pixels)
    config = config_from(args, err)
    if args.ray is not None:
        from ..serve.ray_serve import serve_on_ray
        announce(config, args, f"http://{args.host}:{args.port} (Ray Serve, {args.replicas} replicas)", err)
        return serve_on_ray(config, address=args.ray or None, replicas=args.replicas, host=args.host, port=args.port,
                            max_pixels=args.max_pixels)
    if args.workers > 1:
        # Each worker process builds the application from the configuration in its environment.
        os.environ[config.ENVIRONMENT] = config.to_json()
        if args.max_pixels is not None:
            os.environ["FCDD_SWIFT_MAX_IMAGE_PIXELS"] = str(args.max_pixels)
        announce(config, args, f"http://{args.host}:{args.port} ({args.workers} worker processes)", err)
        uvicorn.run("fcdd_swift.serve.app:app_from_environment", factory=True, host=args.host, port=args.port,
                    workers=args.workers, log_level=args.log_level)
        return 0
    from ..serve import create_app
    app = create_app(config)     # loads every model now: a bad file stops the start with its error
    registry = app.state.registry

    def reload_on_hangup(signum, frame):
        # The handler only starts the reload: loading takes a while and must not run inside a signal handler.
        def reload():
            for name, outcome in registry.reload_all().items():
                if isinstance(outcome, Exception):
                    err.write(f"fcdd-swift serve: SIGHUP: reload of {name} failed, the old model keeps serving: {outcome}\n")
                else:
                    err.write(f"fcdd-swift serve: SIGHUP: reloaded {name} (version {outcome.version})\n")
            app.state.metrics.loaded.set(len(registry.loaded()))
            err.flush()
        threading.Thread(target=reload, name="fcdd-reload", daemon=True).start()

    signal.signal(signal.SIGHUP, reload_on_hangup)
    announce(config, args, f"http://{args.host}:{args.port}", err)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0
