"""Helpers of the serving tests: a small calibrated detector on generated parts (examples/make_parts.py),
free loopback ports, and `fcdd-swift serve` started as its own process and stopped again."""
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import numpy as np

import fcdd_swift as fs
import support


def parts_module():
    spec = importlib.util.spec_from_file_location("make_parts", os.path.join(support.REPO, "examples", "make_parts.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_parts(seed, good=200, test=40):
    """(train good, test good, test defective) 32x32 gray uint8 parts; defects alternate scratch and spot."""
    mp = parts_module()
    rng = np.random.default_rng(seed)
    as_u8 = lambda a: np.clip(np.stack(a), 0, 255).astype(np.uint8)  # noqa: E731
    train = as_u8([mp.surface(rng, 32) for _ in range(good)])
    nominal = as_u8([mp.surface(rng, 32) for _ in range(test)])
    defective = []
    for i in range(test):
        image = mp.surface(rng, 32)
        (mp.spot if i % 2 else mp.scratch)(rng, image)
        defective.append(image)
    return train, nominal, as_u8(defective)


def train_model(path, seed=0, epochs=10):
    """A detector fitted on good parts, both thresholds calibrated on good test parts, saved to `path`."""
    train, nominal, defective = make_parts(seed)
    det = fs.FCDD(epochs=epochs, seed=seed, verbose=0).fit(train)
    det.calibrate_threshold(nominal)
    det.calibrate_pixel_threshold(nominal)
    det.save(path)
    return det, nominal, defective


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_environment():
    """This checkout's package and library for a child process."""
    env = dict(os.environ)
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(fs.__file__)))
    env["PYTHONPATH"] = os.pathsep.join([package_parent] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env["FCDD_SWIFT_LIBRARY"] = fs._loader.LIBRARY_PATH
    return env


def request(url, data=None, headers=None, method=None, timeout=60):
    """(status, parsed JSON or text, headers) of one HTTP request; 4xx/5xx answers are returned, not raised."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, body, got = r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        status, body, got = e.code, e.read(), dict(e.headers)
    try:
        return status, json.loads(body), got
    except ValueError:
        return status, body.decode("utf-8", "replace"), got


def multipart(files, field="file"):
    """(body, content type) of a multipart/form-data upload of [(name, bytes, content type)]."""
    boundary = "fcddtestboundary7d1f"
    parts = []
    for name, data, kind in files:
        parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n"
                     f"Content-Type: {kind}\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


class Server:
    """`fcdd-swift serve ARGS` on a free loopback port, ready when /healthz answers; `stop()` ends it."""

    def __init__(self, args, log_path, port=None, ready_timeout=120, stop_timeout=30):
        self.stop_timeout = stop_timeout
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.log = open(log_path, "a")   # appends: Ray's processes write to it too
        self.process = subprocess.Popen([sys.executable, "-m", "fcdd_swift", "serve", *args, "--port", str(self.port),
                                         "--log-level", "warning"],
                                        stdout=self.log, stderr=subprocess.STDOUT, env=child_environment())
        deadline = time.monotonic() + ready_timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.output()}")
            try:
                if request(self.url + "/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server did not answer within {ready_timeout} s:\n{self.output()}")
            time.sleep(0.2)

    def output(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def alive(self):
        return self.process.poll() is None

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        return self.process.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
