"""`fcdd-swift serve --ray --replicas 2`: the same application on Ray Serve (a local Ray on loopback with the
machine's 2 CPUs, one per replica), requests answered by both replicas with the records of FCDD.inspect."""
import os

import numpy as np
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("ray.serve")

import fcdd_swift as fs  # noqa: E402
from serve_support import Server, request  # noqa: E402


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="two replicas of one CPU each need 2 CPUs")
def test_two_replicas_on_ray_serve_answer_as_the_detector(parts_model, tmp_path):
    images = np.concatenate([parts_model["nominal"][:4], parts_model["defective"][:4]])
    expected = parts_model["det"].inspect(images)
    with Server([f"parts={parts_model['path']}", "--ray", "--replicas", "2"], str(tmp_path / "server.log"),
                ready_timeout=240, stop_timeout=120) as server:
        processes = set()
        for _ in range(40):
            status, health, _ = request(server.url + "/healthz")
            assert status == 200
            processes.add(health["process"])
        assert len(processes) == 2, f"both replicas answer: {processes}"
        assert request(server.url + "/v1/models")[1]["models"][0]["threads"] == 1, "one engine thread per replica"
        for i, image in enumerate(images):
            status, answer, _ = request(f"{server.url}/v1/models/parts/predict", data=fs.encode_png(image),
                                        headers={"Content-Type": "image/png"})
            assert status == 200, answer
            assert {k: answer["images"][0][k] for k in ("score", "label", "regions")} == expected[i]
        status, answer, _ = request(f"{server.url}/v1/models/parts/predict", data=b"junk", headers={"Content-Type": "image/png"})
        assert status == 400 and "not a PNG or JPEG image" in answer["error"]
        assert "Ray Serve, 2 replicas" in server.output()
    assert server.process.returncode == 0, server.output()
