"""`fcdd-swift serve` over real HTTP on a loopback port: every endpoint, the records equal to FCDD.inspect,
pictures, bad input answered with 4xx JSON while the server keeps serving, metrics, and concurrent clients."""
import base64
import concurrent.futures
import http.client
import json
import time

import numpy as np
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
pytest.importorskip("multipart")
pytest.importorskip("prometheus_client")

import fcdd_swift as fs  # noqa: E402
from serve_support import Server, multipart, request  # noqa: E402


@pytest.fixture(scope="module")
def server(parts_model, tmp_path_factory):
    log = tmp_path_factory.mktemp("serve-log") / "server.log"
    s = Server([f"parts={parts_model['path']}", "--max-upload-mb", "1", "--max-pixels", "1000000"], str(log))
    yield s
    assert s.stop() == 0, s.output()


def _predict(server, files, query=""):
    body, kind = multipart(files)
    return request(f"{server.url}/v1/models/parts/predict{query}", data=body, headers={"Content-Type": kind})


def _png(image):
    return fs.encode_png(image)


def test_predict_returns_the_inspect_record_of_every_image(server, parts_model):
    images = np.concatenate([parts_model["nominal"][:3], parts_model["defective"][:3]])
    status, answer, _ = _predict(server, [(f"img{i}.png", _png(im), "image/png") for i, im in enumerate(images)])
    assert status == 200, answer
    expected = parts_model["det"].inspect(images)
    assert [r["file"] for r in answer["images"]] == [f"img{i}.png" for i in range(6)]
    for got, want in zip(answer["images"], expected):
        assert {k: got[k] for k in ("score", "label", "regions")} == want
        assert (got["width"], got["height"]) == (32, 32)
    assert any(r["label"] == 1 for r in answer["images"]), "some defects are flagged"
    assert answer["version"] == request(server.url + "/v1/models")[1]["models"][0]["version"]


def test_a_raw_png_or_jpeg_body_is_one_image(server, parts_model):
    image = parts_model["defective"][1]
    status, answer, _ = request(f"{server.url}/v1/models/parts/predict", data=_png(image),
                                headers={"Content-Type": "image/png"})
    assert status == 200, answer
    assert {k: answer["images"][0][k] for k in ("score", "label", "regions")} == parts_model["det"].inspect(image[None])[0]


def test_pictures_come_as_base64_png_at_the_images_size(server, parts_model):
    image = np.pad(parts_model["defective"][1], ((0, 8), (0, 24)), mode="edge")   # 40 x 56: not the model's size
    status, answer, _ = _predict(server, [("wide.png", _png(image), "image/png")], "?heatmap=png&mask=png&overlay=png")
    assert status == 200, answer
    record = answer["images"][0]
    assert (record["width"], record["height"]) == (56, 40)
    pictures = {k: fs.decode_image(base64.b64decode(record[k])) for k in ("heatmap", "mask", "overlay")}
    assert pictures["heatmap"].shape == pictures["overlay"].shape == (40, 56, 3)
    assert pictures["mask"].shape == (40, 56)
    expected = parts_model["det"].predict_mask(image[None])[0]
    np.testing.assert_array_equal(pictures["mask"], expected * 255)
    np.testing.assert_array_equal(pictures["overlay"], fs.overlay(image, parts_model["det"].anomaly_map(image[None])[0]))


def test_models_health_readiness_docs_and_page(server, parts_model):
    status, listing, _ = request(server.url + "/v1/models")
    assert status == 200
    (model,) = listing["models"]
    assert model["name"] == "parts" and model["network"] == "FCDD_CNN28_W" and model["input_shape"] == [1, 32, 32]
    assert model["thresholds"]["image"]["value"] == pytest.approx(parts_model["det"].threshold_)
    assert model["thresholds"]["pixel"]["method"] == "nominal_quantile"
    assert len(model["version"]) == 16
    assert request(server.url + "/v1/models/parts")[1] == model
    status, health, _ = request(server.url + "/healthz")
    assert status == 200 and health["status"] == "ok" and health["process"].endswith(f":{server.process.pid}")
    assert request(server.url + "/readyz")[:2] == (200, {"status": "ready", "models": ["parts"]})
    status, spec, _ = request(server.url + "/openapi.json")
    assert status == 200 and "/v1/models/{name}/predict" in spec["paths"]
    assert request(server.url + "/docs")[0] == 200
    status, page, headers = request(server.url + "/")
    assert status == 200 and "<title>fcdd-swift</title>" in page
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page, "the page loads nothing from elsewhere"


@pytest.mark.parametrize("case", ["not an image", "truncated", "too many pixels", "wrong content type", "empty body",
                                  "no file field", "unknown model", "bad picture format"])
def test_bad_input_gets_a_4xx_json_error_and_the_server_goes_on(server, parts_model, case):
    image = parts_model["nominal"][0]
    png = _png(image)
    url = f"{server.url}/v1/models/parts/predict"
    if case == "not an image":
        status, answer, _ = _predict(server, [("notes.png", b"these are not pixels", "image/png")])
        expected, words = 400, "notes.png: not a PNG or JPEG image"
    elif case == "truncated":
        status, answer, _ = _predict(server, [("cut.png", png[: len(png) // 2], "image/png")])
        expected, words = 400, "cut.png: invalid PNG"
    elif case == "too many pixels":   # the server runs with --max-pixels 1000000
        big = np.zeros((1001, 1000), np.uint8)
        status, answer, _ = _predict(server, [("big.png", _png(big), "image/png")])
        expected, words = 400, "exceeds the limit of 1000000 pixels"
    elif case == "wrong content type":
        status, answer, _ = request(url, data=png, headers={"Content-Type": "text/plain"})
        expected, words = 415, "content type 'text/plain' is not an image upload"
    elif case == "empty body":
        status, answer, _ = request(url, data=b"", headers={"Content-Type": "image/png"})
        expected, words = 400, "the request body is empty"
    elif case == "no file field":
        body, kind = multipart([("a.png", png, "image/png")], field="image")
        status, answer, _ = request(url, data=body, headers={"Content-Type": kind})
        expected, words = 400, "multipart fields named 'file'"
    elif case == "unknown model":
        status, answer, _ = request(f"{server.url}/v1/models/nope/predict", data=png, headers={"Content-Type": "image/png"})
        expected, words = 404, "no model named 'nope'; models: parts"
    else:
        status, answer, _ = request(url + "?overlay=jpeg", data=png, headers={"Content-Type": "image/png"})
        expected, words = 422, "the only picture format is png"
    assert status == expected, answer
    assert words in answer["error"], answer
    assert server.alive()
    assert _predict(server, [("ok.png", png, "image/png")])[0] == 200


def _post_until_answered(server, headers, chunks):
    """(status, error) of a POST whose body is sent in `chunks`. The server may answer and close before the
    body is sent; the answer is read even then. A server that closes on unread data may make the kernel reset
    the connection before the answer is read: such a reset is tried again (up to 3 times), never taken as
    an answer."""
    for _ in range(3):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        try:
            connection.putrequest("POST", "/v1/models/parts/predict")
            for k, v in headers.items():
                connection.putheader(k, v)
            connection.endheaders()
            try:
                for chunk in chunks:
                    connection.send(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass                       # answered already: read the answer below
            response = connection.getresponse()
            return response.status, json.loads(response.read())["error"]
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            continue
        finally:
            connection.close()
    raise AssertionError("three connections were reset before an answer could be read")


def test_uploads_over_the_limit_get_413_with_or_without_a_length(server):
    big = b"\x89PNG\r\n\x1a\n" + bytes(1_200_000)     # the server runs with --max-upload-mb 1
    status, error = _post_until_answered(server, {"Content-Type": "image/png", "Content-Length": str(len(big))}, [big])
    assert status == 413 and "larger than this server's limit of 1 MB" in error
    # Chunked: no Content-Length, so the server counts while it reads.
    chunks = [f"{100_000:x}\r\n".encode() + bytes(100_000) + b"\r\n" for _ in range(11)] + [b"0\r\n\r\n"]
    status, error = _post_until_answered(server, {"Content-Type": "image/png", "Transfer-Encoding": "chunked"}, chunks)
    assert status == 413 and "limit of 1 MB" in error
    assert server.alive()


def test_concurrent_clients_each_get_their_own_images_decided(server, parts_model):
    images = np.concatenate([parts_model["nominal"][:8], parts_model["defective"][:8]])
    expected = parts_model["det"].inspect(images)

    def client(k):
        got = []
        for j in range(4):
            i = (k * 4 + j) % len(images)
            status, answer, _ = _predict(server, [(f"c{k}-{j}.png", _png(images[i]), "image/png")])
            assert status == 200, answer
            got.append((i, answer["images"][0]))
        return got

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = [r for rs in pool.map(client, range(8)) for r in rs]
    assert len(results) == 32
    for i, record in results:
        assert {k: record[k] for k in ("score", "label", "regions")} == expected[i]


def test_metrics_count_requests_images_and_latency(server):
    status, text, _ = request(server.url + "/metrics")
    assert status == 200
    lines = dict(line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#"))
    assert float(lines['fcdd_requests_total{model="parts",outcome="ok"}']) >= 1
    assert float(lines['fcdd_requests_total{model="parts",outcome="client_error"}']) >= 1
    images = sum(float(v) for k, v in lines.items() if k.startswith("fcdd_images_total{"))
    assert images >= float(lines['fcdd_requests_total{model="parts",outcome="ok"}'])
    assert float(lines['fcdd_request_seconds_count{model="parts"}']) == float(lines['fcdd_requests_total{model="parts",outcome="ok"}'])
    assert lines["fcdd_models_loaded"] == "1.0"


def test_the_start_says_where_it_listens_and_that_it_has_no_key(server):
    out = server.output()
    assert f"listening on http://127.0.0.1:{server.port}, reachable from this machine only (loopback)" in out
    assert "no API key: anyone who can connect may use it" in out


def test_worker_processes_each_hold_the_models(parts_model, tmp_path):
    """--workers 2: uvicorn's worker processes each build the application from the configuration in their
    environment and answer alike."""
    image = parts_model["defective"][1]
    expected = parts_model["det"].inspect(image[None])[0]
    with Server([f"parts={parts_model['path']}", "--workers", "2", "--threads", "1"], str(tmp_path / "log"),
                ready_timeout=180) as server:
        processes = set()
        deadline = time.monotonic() + 60
        while len(processes) < 2 and time.monotonic() < deadline:
            status, health, _ = request(server.url + "/healthz")     # a new connection each time
            processes.add(health["process"])
        assert len(processes) == 2, processes
        for _ in range(6):
            status, answer, _ = request(f"{server.url}/v1/models/parts/predict", data=_png(image),
                                        headers={"Content-Type": "image/png"})
            assert status == 200 and {k: answer["images"][0][k] for k in ("score", "label", "regions")} == expected
        assert "2 worker processes" in server.output()


def test_a_training_snapshot_or_a_missing_file_stops_the_start_with_its_reason(tmp_path):
    import subprocess
    import sys
    from serve_support import child_environment
    for path, words in ((tmp_path / "missing.fcdd", "no such model file"),
                        (tmp_path / "notes.txt", "is not an fcdd-swift model file")):
        if path.name == "notes.txt":
            path.write_text("hello")
        done = subprocess.run([sys.executable, "-m", "fcdd_swift", "serve", str(path)], capture_output=True, text=True,
                              env=child_environment(), timeout=120)
        assert done.returncode == 1 and words in done.stderr, done.stderr
