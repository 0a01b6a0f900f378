"""docs/serving.md is what the server does: its curl commands run against a live server on a loopback port
(the API-key ones against one with the key), every `fcdd-swift serve` / `watch` line parses, the endpoint table
lists the application's routes, and the example answer has the real answer's fields."""
import json
import os
import re
import shlex
import subprocess

import numpy as np
import pytest

pytest.importorskip("fastapi")

import fcdd_swift as fs  # noqa: E402
import support  # noqa: E402
from fcdd_swift.cli import build_parser  # noqa: E402
from serve_support import Server, request  # noqa: E402

GUIDE = os.path.join(support.REPO, "docs", "serving.md")


def _blocks(kind):
    text = open(GUIDE).read()
    return re.findall(rf"```{kind}\n(.*?)```", text, re.S)


def _commands(prefix):
    lines = []
    for block in _blocks("sh"):
        for line in block.replace("\\\n", " ").splitlines():     # join continued lines
            line = line.split("  #")[0].strip()
            if line.startswith(prefix):
                lines.append(" ".join(line.split()))
    return lines


def _run_curl(line, port, cwd):
    line = line.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    done = subprocess.run(["sh", "-c", line], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, (line, done.stderr)
    return json.loads(done.stdout)


def test_the_guides_curl_commands_work(parts_model, tmp_path):
    det = parts_model["det"]
    (tmp_path / "part.png").write_bytes(fs.encode_png(parts_model["defective"][1]))
    (tmp_path / "other.png").write_bytes(fs.encode_png(parts_model["nominal"][0]))
    curls = _commands("curl ")
    plain = [c for c in curls if "serve.key" not in c]
    assert len(plain) == 5
    with Server([f"parts={parts_model['path']}"], str(tmp_path / "log")) as server:
        answers = [_run_curl(c, server.port, tmp_path) for c in plain]
    expected = det.inspect(np.stack([parts_model["defective"][1], parts_model["nominal"][0]]))
    for answer, count in zip(answers[:4], (1, 2, 1, 1)):
        assert [{k: r[k] for k in ("score", "label", "regions")} for r in answer["images"]] == expected[:count]
    assert {"heatmap", "mask", "overlay"} <= set(answers[3]["images"][0])
    assert answers[4]["models"][0]["name"] == "parts"
    # The example answer has the real answer's fields.
    example = json.loads(_blocks("json")[0])
    assert set(example) == set(answers[0]) and set(example["images"][0]) == set(answers[0]["images"][0])
    assert set(example["images"][0]["regions"][0]) == {"box", "area", "max_score", "mean_score"}


def test_the_guides_api_key_commands_work(parts_model, tmp_path):
    (key_block,) = [b for b in _blocks("sh") if "serve.key" in b]
    make_key, serve, curl = [line for line in key_block.splitlines() if line.strip()]
    subprocess.run(["sh", "-c", make_key], cwd=tmp_path, check=True, timeout=60)
    assert oct(os.stat(tmp_path / "serve.key").st_mode & 0o777) == "0o600"
    args = shlex.split(serve)[2:]
    assert args == ["parts=parts-calibrated.fcdd", "--api-key-file", "serve.key"]
    with Server([f"parts={parts_model['path']}", "--api-key-file", str(tmp_path / "serve.key")], str(tmp_path / "log")) as server:
        assert _run_curl(curl, server.port, tmp_path)["models"][0]["name"] == "parts"
        assert request(server.url + "/v1/models")[0] == 401


def test_every_command_line_of_the_guide_parses():
    parser = build_parser()
    lines = _commands("fcdd-swift ")
    assert sum(line.startswith("fcdd-swift serve") for line in lines) >= 5
    assert sum(line.startswith("fcdd-swift watch") for line in lines) == 3
    for line in lines:
        parser.parse_args(shlex.split(line)[1:])


def test_the_endpoint_table_lists_the_routes(parts_model):
    from fcdd_swift.serve import ServeConfig, create_app
    app = create_app(ServeConfig(models={"parts": parts_model["path"]}))
    routes = {(m, r.path) for r in app.routes for m in getattr(r, "methods", ()) if m in ("GET", "POST")}
    routes -= {("GET", "/docs/oauth2-redirect"), ("GET", "/redoc")}
    documented = set()
    for row in open(GUIDE).read().split("| endpoint | what |")[1].split("\n\n")[0].splitlines()[2:]:
        for method, path in re.findall(r"`(GET|POST) (/[^`]*)`", row.split("|")[1]):
            documented.add((method, path))
    assert documented == routes
