"""The server's Prometheus metrics, in a registry of their own per application (two apps in one process,
as in the tests, count separately)."""
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import CONTENT_TYPE_LATEST

CONTENT_TYPE = CONTENT_TYPE_LATEST


class ServerMetrics:
    def __init__(self):
        self.registry = CollectorRegistry()
        self.requests = Counter("fcdd_requests", "Prediction requests by model and outcome "
                                "(ok, client_error, server_error)", ["model", "outcome"], registry=self.registry)
        self.images = Counter("fcdd_images", "Images decided by model and outcome (anomalous, nominal, "
                              "undecided: the model has no image threshold)", ["model", "outcome"], registry=self.registry)
        self.latency = Histogram("fcdd_request_seconds", "Seconds per prediction request, by model", ["model"],
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
                                 registry=self.registry)
        self.loaded = Gauge("fcdd_models_loaded", "Models loaded and serving", registry=self.registry)
        self.reloads = Counter("fcdd_reloads", "Model reloads by model and outcome (ok, error)", ["model", "outcome"],
                               registry=self.registry)

    def count_images(self, model, records):
        for r in records:
            outcome = "undecided" if r["label"] is None else ("anomalous" if r["label"] == 1 else "nominal")
            self.images.labels(model, outcome).inc()

    def text(self):
        return generate_latest(self.registry)
