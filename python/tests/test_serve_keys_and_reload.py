"""`fcdd-swift serve` with an API key, and hot reload: POST /v1/models/NAME/reload and SIGHUP swap a new file
in atomically, requests in flight finish on the model they started with, and a damaged file leaves the old
model serving with the reload answering its error."""
import concurrent.futures
import os
import shutil
import signal
import threading
import time

import numpy as np
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

import fcdd_swift as fs  # noqa: E402
from fcdd_swift.serve import ModelRegistry  # noqa: E402
from serve_support import Server, request, train_model  # noqa: E402


@pytest.fixture(scope="module")
def second_model(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("second") / "other.fcdd")
    det, _, _ = train_model(path, seed=1, epochs=3)
    return {"path": path, "det": det}


def _post_image(url, image, key=None):
    headers = {"Content-Type": "image/png"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    return request(url, data=fs.encode_png(image), headers=headers)


def test_with_an_api_key_every_request_but_health_and_page_needs_it(parts_model, tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("s3cret-key-0123\n")
    os.chmod(key_file, 0o600)
    with Server([parts_model["path"], "--api-key-file", str(key_file)], str(tmp_path / "log")) as server:
        url = f"{server.url}/v1/models/parts/predict"
        image = parts_model["nominal"][0]
        for path in ("/v1/models", "/readyz", "/metrics", "/docs", "/openapi.json"):
            status, answer, headers = request(server.url + path)
            assert status == 401 and "API key" in answer["error"], path
            assert headers.get("www-authenticate") == "Bearer"
        assert _post_image(url, image)[0] == 401
        assert _post_image(url, image, key="wrong")[0] == 401
        assert _post_image(url, image, key="s3cret-key-012")[0] == 401            # a prefix of the key
        status, answer, _ = _post_image(url, image, key="s3cret-key-0123")
        assert status == 200 and answer["images"][0]["score"] == pytest.approx(parts_model["det"].decision_function(image[None])[0])
        assert request(server.url + "/v1/models", headers={"Authorization": "Bearer s3cret-key-0123"})[0] == 200
        assert request(server.url + "/healthz")[0] == 200
        assert request(server.url + "/")[0] == 200
        assert "an API key is required" in server.output()


def test_a_key_file_others_can_read_is_warned_about_and_an_empty_one_refused(parts_model, tmp_path):
    import subprocess
    import sys
    from serve_support import child_environment
    empty = tmp_path / "empty"
    empty.write_text("  \n")
    done = subprocess.run([sys.executable, "-m", "fcdd_swift", "serve", parts_model["path"], "--api-key-file", str(empty)],
                          capture_output=True, text=True, env=child_environment(), timeout=120)
    assert done.returncode == 1 and "one key of 1-4096 characters" in done.stderr
    readable = tmp_path / "readable"
    readable.write_text("key")
    os.chmod(readable, 0o644)
    with Server([parts_model["path"], "--api-key-file", str(readable)], str(tmp_path / "log")) as server:
        assert f"{readable} can be read by other users; chmod 600" in server.output()


def test_reload_swaps_the_model_in_and_a_damaged_file_leaves_the_old_one(parts_model, second_model, tmp_path):
    served = tmp_path / "served.fcdd"
    shutil.copy(parts_model["path"], served)
    image = parts_model["defective"][1]
    first = parts_model["det"].inspect(image[None])[0]
    second = second_model["det"].inspect(image[None])[0]
    assert first["score"] != second["score"]
    with Server([f"line={served}"], str(tmp_path / "log")) as server:
        url = f"{server.url}/v1/models/line/predict"
        status, answer, _ = _post_image(url, image)
        v1 = answer["version"]
        assert answer["images"][0]["score"] == first["score"]
        # A new model file replaces the old one (as `fcdd-swift calibrate -o` or a copy would).
        shutil.copy(second_model["path"], str(served) + ".new")
        os.replace(str(served) + ".new", served)
        assert _post_image(url, image)[1]["images"][0]["score"] == first["score"], "nothing changes before a reload"
        status, answer, _ = request(f"{server.url}/v1/models/line/reload", method="POST")
        assert status == 200 and answer["previous_version"] == v1 and answer["version"] != v1
        v2 = answer["version"]
        status, answer, _ = _post_image(url, image)
        assert answer["version"] == v2 and answer["images"][0]["score"] == second["score"]
        # A damaged file: the reload answers the error, the model of v2 keeps serving.
        data = served.read_bytes()
        served.write_bytes(data[: len(data) // 2])
        status, answer, _ = request(f"{server.url}/v1/models/line/reload", method="POST")
        assert status == 422 and "the old model keeps serving" in answer["error"] and "served.fcdd" in answer["error"]
        status, answer, _ = _post_image(url, image)
        assert status == 200 and answer["version"] == v2 and answer["images"][0]["score"] == second["score"]
        served.unlink()
        status, answer, _ = request(f"{server.url}/v1/models/line/reload", method="POST")
        assert status == 422 and "no such model file" in answer["error"]
        assert request(f"{server.url}/v1/models/nope/reload", method="POST")[0] == 404
        # SIGHUP reloads every model: the first model's file again.
        shutil.copy(parts_model["path"], served)
        server.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 60
        while request(server.url + "/v1/models")[1]["models"][0]["version"] != v1:
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.1)
        assert _post_image(url, image)[1]["images"][0]["score"] == first["score"]
        assert "SIGHUP: reloaded line" in server.output()
        status, text, _ = request(server.url + "/metrics")
        assert 'fcdd_reloads_total{model="line",outcome="ok"} 1.0' in text
        assert 'fcdd_reloads_total{model="line",outcome="error"} 2.0' in text


def test_answers_during_reloads_are_always_those_of_the_version_they_name(parts_model, second_model, tmp_path):
    """Clients score while the file flips between two models and reloads run: every answer's scores are
    exactly those of the model version it names (no request sees half a swap)."""
    served = tmp_path / "served.fcdd"
    shutil.copy(parts_model["path"], served)
    images = np.concatenate([parts_model["nominal"][:4], parts_model["defective"][:4]])
    by_model = {p: d.decision_function(images).astype(np.float32).tolist()
                for p, d in ((parts_model["path"], parts_model["det"]), (second_model["path"], second_model["det"]))}
    with Server([f"line={served}", "--threads", "1"], str(tmp_path / "log")) as server:
        versions = {request(server.url + "/v1/models")[1]["models"][0]["version"]: by_model[parts_model["path"]]}
        stop = threading.Event()
        from serve_support import multipart

        def client():
            answers = []
            body, kind = multipart([(f"{i}.png", fs.encode_png(im), "image/png") for i, im in enumerate(images)])
            while not stop.is_set():
                status, answer, _ = request(f"{server.url}/v1/models/line/predict", data=body, headers={"Content-Type": kind})
                assert status == 200, answer
                answers.append((answer["version"], [r["score"] for r in answer["images"]]))
            return answers

        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            futures = [pool.submit(client) for _ in range(3)]
            for k in range(6):
                source = (second_model if k % 2 == 0 else parts_model)["path"]
                shutil.copy(source, str(served) + ".new")
                os.replace(str(served) + ".new", served)
                status, answer, _ = request(f"{server.url}/v1/models/line/reload", method="POST")
                assert status == 200, answer
                versions[answer["version"]] = by_model[source]
                time.sleep(0.3)
            stop.set()
            answers = [a for f in futures for a in f.result()]
    assert len({v for v, _ in answers}) == 2 and len(answers) >= 12
    for version, scores in answers:
        assert scores == versions[version]


def test_a_request_in_flight_finishes_on_the_model_it_started_with(parts_model, second_model, tmp_path):
    served = tmp_path / "served.fcdd"
    shutil.copy(parts_model["path"], served)
    registry = ModelRegistry({"line": str(served)})
    registry.load_all()
    taken = registry.get("line")              # what a request holds while it runs
    shutil.copy(second_model["path"], served)
    new, old = registry.reload("line")
    assert old is taken and registry.get("line") is new
    image = parts_model["defective"][:1]
    assert taken.detector.decision_function(image)[0] == parts_model["det"].decision_function(image)[0]
    assert new.detector.decision_function(image)[0] == second_model["det"].decision_function(image)[0]
