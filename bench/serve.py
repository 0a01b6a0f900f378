#!/usr/bin/env python3
"""What serving costs: `fcdd-swift serve` on a loopback port under N concurrent clients x M requests (one PNG
image per request, keep-alive connections), for a 28x28 gray FCDD_CNN28_W model and a 224x224 RGB
FCDD_CNN224_VGG_NOPT model (both briefly fitted on generated images and calibrated: the weights do not
change the cost). Reports images/s, p50/p99 latency, errors (must be 0) and the server's resident memory
before and after, and, in the same run, the same images decided in this process (decode + FCDD.inspect,
one image per call as a request has it; the median of two rounds before and two after the server's), so the
last column is the server's throughput over the in-process one.

The clients run in this process and share the machine's cores with the server: on a 2-core machine the
figures are those of a server whose clients are on the same box.

    python3 bench/serve.py                         # 4 clients; 100 / 12 requests each
    python3 bench/serve.py --clients 8 --json out.json
"""
import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))
import fcdd_swift as fs  # noqa: E402
from fcdd_swift.files import write_file  # noqa: E402


def models(folder):
    """{net: (path, images to send)}: the two models, saved in `folder`."""
    rng = np.random.default_rng(0)
    out = {}
    gray = rng.normal(128, 24, (64, 28, 28)).clip(0, 255).astype(np.uint8)
    rgb = rng.normal(128, 24, (8, 224, 224, 3)).clip(0, 255).astype(np.uint8)
    for net, X, epochs in (("FCDD_CNN28_W", gray, 1), ("FCDD_CNN224_VGG_NOPT", rgb, 1)):
        det = fs.FCDD(net=net, epochs=epochs, batch_size=8, seed=0, verbose=0).fit(X)
        det.calibrate_threshold(X)
        det.calibrate_pixel_threshold(X)
        path = os.path.join(folder, f"{net}.fcdd")
        det.save(path)
        out[net] = (path, X)
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def start_server(path, port):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([os.path.join(HERE, "..", "python")] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    process = subprocess.Popen([sys.executable, "-m", "fcdd_swift", "serve", f"m={path}", "--port", str(port),
                                "--log-level", "warning"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not start")


def client(port, bodies, count, latencies, errors):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for k in range(count):
        body = bodies[k % len(bodies)]
        started = time.perf_counter()
        try:
            connection.request("POST", "/v1/models/m/predict", body=body, headers={"Content-Type": "image/png"})
            response = connection.getresponse()
            answer = response.read()
            if response.status != 200 or len(json.loads(answer)["images"]) != 1:
                errors.append(response.status)
        except (OSError, ValueError) as e:
            errors.append(repr(e))
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        latencies.append(time.perf_counter() - started)
    connection.close()


def in_process(path, bodies, count, rounds=1):
    """Images/s of decode + inspect in this process, one image per call: the median of `rounds`."""
    det = fs.FCDD.load(path)
    channels = det.data_shape_[0]
    det._decisions(fs.decode_image(bodies[0], channels=channels)[None], 1, False, False, warn=False)   # warm-up
    rates = []
    for _ in range(rounds):
        started = time.perf_counter()
        for k in range(count):
            image = fs.decode_image(bodies[k % len(bodies)], channels=channels)
            det._decisions(image[None], 1, False, False, warn=False)
        rates.append(count / (time.perf_counter() - started))
    return float(np.median(rates))


def measure(net, path, images, clients, requests):
    bodies = [fs.encode_png(im) for im in images]
    # In-process rounds before and after the server's, so that a slow spell of this shared machine does not
    # land on one side of the ratio only.
    local_count = max(clients * requests // 2, 10)
    local_rates = [in_process(path, bodies, local_count, rounds=1) for _ in range(2)]
    port = free_port()
    server = start_server(path, port)
    try:
        warm_latencies, warm_errors = [], []
        client(port, bodies, 3, warm_latencies, warm_errors)
        before = rss_mb(server.pid)
        latencies, errors = [], []
        threads = [threading.Thread(target=client, args=(port, bodies, requests, latencies, errors)) for _ in range(clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        after = rss_mb(server.pid)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(30)
    total = clients * requests
    local_rates += [in_process(path, bodies, local_count, rounds=1) for _ in range(2)]
    local = float(np.median(local_rates))
    ordered = np.sort(latencies)
    served = total / wall
    return {"network": net, "clients": clients, "requests": total, "images_per_s": served,
            "p50_ms": 1000 * float(np.percentile(ordered, 50)), "p99_ms": 1000 * float(np.percentile(ordered, 99)),
            "errors": len(errors) + len(warm_errors), "rss_before_mb": before, "rss_after_mb": after,
            "in_process_images_per_s": local, "in_process_rounds": local_rates, "server_over_in_process": served / local}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--requests", type=int, default=100, help="requests per client for FCDD_CNN28_W (default: %(default)s)")
    p.add_argument("--vgg-requests", type=int, default=12, help="requests per client for VGG (default: %(default)s)")
    p.add_argument("--json", help="also write the rows to this file")
    args = p.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for net, (path, images) in models(folder).items():
            count = args.vgg_requests if "VGG" in net else args.requests
            rows.append(measure(net, path, images, args.clients, count))
            print(f"{net}: done", file=sys.stderr, flush=True)
    info = fs.info()
    print(f"fcdd-swift serve on 127.0.0.1, {args.clients} concurrent clients, one PNG per request "
          f"({os.cpu_count()} cores, OpenBLAS {info['blas_core']}, engine {info['vector_code']}):\n")
    print("| network | requests | images/s | p50 ms | p99 ms | errors | server RSS before / after MB | in-process images/s | server / in-process |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['network']} | {r['requests']} | {r['images_per_s']:.1f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
              f"{r['errors']} | {r['rss_before_mb']:.0f} / {r['rss_after_mb']:.0f} | {r['in_process_images_per_s']:.1f} | "
              f"{r['server_over_in_process']:.2f} |")
    if args.json:
        write_file(args.json, json.dumps(rows, indent=2))
    return 1 if any(r["errors"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
