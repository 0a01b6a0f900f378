"""The same FastAPI application as a Ray Serve deployment (`fcdd-swift serve --ray`): Ray Serve's FastAPI
ingress, built on each replica at its start (the models are loaded there, from the paths in the
configuration, so every node needs the model files at the same path), each replica with its own engine
threads. Ray routes the requests among the replicas; nothing here schedules anything."""
import dataclasses
import signal
import threading


def deployment(config, replicas, max_pixels=None):
    """A bound Ray Serve application of `replicas` replicas serving `config` (ServeConfig)."""
    from ray import serve

    # Each replica reserves as many CPUs from Ray as its models use engine threads (default 1), so that
    # replicas on one machine do not oversubscribe its cores.
    config = dataclasses.replace(config, threads=config.threads or 1)
    threads = config.threads

    @serve.deployment(name="fcdd", num_replicas=replicas, ray_actor_options={"num_cpus": threads},
                      max_ongoing_requests=16)
    @serve.ingress()
    class FCDDServer:
        def __init__(self, config, max_pixels):
            if max_pixels is not None:
                from .. import set_limits
                set_limits(max_image_pixels=max_pixels)
            self.config = config

        def __serve_build_asgi_app__(self):
            from .app import create_app
            return create_app(self.config)

    return FCDDServer.bind(config, max_pixels)


def serve_on_ray(config, address, replicas, host, port, max_pixels=None):
    """Starts Ray Serve on `host:port` with the deployment and blocks until Ctrl-C or SIGTERM."""
    import ray
    from ray import serve

    # Ctrl-C and SIGTERM only set an event, from the start: a signal that lands while Ray starts or while
    # serve.run waits for the replicas (which may answer before serve.run returns) must not interrupt Ray's
    # own calls; the shutdown below then runs whole.
    stop = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())
    if address is None and host in ("127.0.0.1", "localhost"):
        # A local Ray for a loopback server: every Ray process on this machine's loopback as well.
        ray.init(_node_ip_address="127.0.0.1", include_dashboard=False)
    else:
        ray.init(address=address)
    try:
        serve.start(http_options={"host": host, "port": port})
        serve.run(deployment(config, replicas, max_pixels), name="fcdd", route_prefix="/")
        while not stop.wait(0.5):
            pass
        return 0
    finally:
        serve.shutdown()
        ray.shutdown()
