"""Serving detectors: `fcdd-swift serve` (an HTTP API and a web page on FastAPI + uvicorn, or on Ray Serve) and
`fcdd-swift watch` (a hot folder). Both return what ``FCDD.inspect`` returns for each image.

`create_app(ServeConfig(...))` is the FastAPI application, for uvicorn, Ray Serve or a test client; it needs
the ``[serve]`` extra (``pip install 'fcdd-swift[serve]'``)."""
from .config import ServeConfig
from .models import ModelRegistry, ServedModel


def create_app(config):
    """The FastAPI application serving the models of `config` (a ServeConfig)."""
    from .app import create_app as create
    return create(config)


__all__ = ["ServeConfig", "ModelRegistry", "ServedModel", "create_app"]
