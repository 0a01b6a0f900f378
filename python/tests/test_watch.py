"""`fcdd-swift watch`: a hot folder decides each image once it is completely written, with the records of
`fcdd-swift predict --format jsonl`; bad files are recorded and the watch goes on; --sort moves images; a
restart (also after kill -9) neither skips nor repeats an image."""
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import fcdd_swift as fs
from fcdd_swift.serve.hot_folder import HotFolder
from serve_support import child_environment


def _records(out_dir):
    path = os.path.join(out_dir, "predictions.jsonl")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def _wait_for(condition, what, timeout=60):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _watch(args, log):
    return subprocess.Popen([sys.executable, "-m", "fcdd_swift", "watch", *args], stdout=log, stderr=subprocess.STDOUT,
                            env=child_environment())


def _predict(model, folder, out_dir):
    subprocess.run([sys.executable, "-m", "fcdd_swift", "predict", model, folder, "-o", out_dir, "--format", "jsonl"],
                   env=child_environment(), capture_output=True, timeout=300)
    return {r["path"]: r for r in _records(out_dir)}


def test_images_that_arrive_are_decided_as_predict_decides_them(parts_model, tmp_path):
    pytest.importorskip("watchdog")
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    (in_dir / "early.png").write_bytes(fs.encode_png(parts_model["nominal"][0]))   # there before the watch starts
    log = open(tmp_path / "watch.log", "w")
    watch = _watch([parts_model["path"], str(in_dir), "-o", str(out_dir), "--settle", "0.3"], log)
    try:
        _wait_for(lambda: len(_records(out_dir)) == 1, "the image already there")
        # Written in place slowly: decided only once complete.
        slow = fs.encode_png(parts_model["defective"][1])
        with open(in_dir / "slow.png", "wb") as f:
            for k in range(0, len(slow), 200):
                f.write(slow[k:k + 200])
                f.flush()
                time.sleep(0.05)
        # Renamed into the folder when finished (a writer's usual way), into a sub-folder too.
        (in_dir / "line2").mkdir()
        tmp = tmp_path / "staged.png"
        tmp.write_bytes(fs.encode_png(parts_model["defective"][2]))
        os.replace(tmp, in_dir / "line2" / "renamed.png")
        (in_dir / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
        (in_dir / "notes.txt").write_text("not an image: ignored")
        (in_dir / "after.jpg").write_bytes(fs.encode_png(parts_model["nominal"][1]))   # PNG bytes, .jpg name
        _wait_for(lambda: len(_records(out_dir)) == 5, "five records")
        time.sleep(1.0)
        assert watch.poll() is None, "a bad file does not stop the watch"
    finally:
        watch.send_signal(signal.SIGINT)
        assert watch.wait(30) == 0
        log.close()
    records = {r["path"]: r for r in _records(out_dir)}
    assert len(records) == 5, "each image once; notes.txt ignored"
    assert records[str(in_dir / "broken.png")]["error"].startswith(f"{in_dir / 'broken.png'}: invalid PNG")
    assert records[str(in_dir / "broken.png")]["score"] is None
    expected = _predict(parts_model["path"], str(in_dir), str(tmp_path / "predicted"))
    assert set(expected) == set(records)
    for path, record in records.items():
        assert list(record) == ["path", "score", "label", "regions", "error"]
        if record["error"] is None:
            assert record == {k: expected[path][k] for k in record}, "predict's record less its picture paths"
        else:
            assert record["error"] == expected[path]["error"]
    assert records[str(in_dir / "slow.png")]["score"] == pytest.approx(parts_model["det"].decision_function(parts_model["defective"][1:2])[0])
    output = open(tmp_path / "watch.log").read()
    assert "slow.png: " in output and "broken.png: error:" in output and "stopped after 5 images" in output


def test_sort_moves_images_to_pass_fail_and_error_without_replacing_files(parts_model, tmp_path):
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    det = parts_model["det"]
    flagged = int(np.argmax(det.predict(parts_model["defective"])))
    (in_dir / "good.png").write_bytes(fs.encode_png(parts_model["nominal"][0]))
    (in_dir / "bad.png").write_bytes(fs.encode_png(parts_model["defective"][flagged]))
    (in_dir / "junk.png").write_bytes(b"junk")
    (out_dir / "pass").mkdir(parents=True)
    (out_dir / "pass" / "good.png").write_bytes(b"a file of the user's")
    folder = HotFolder(det, str(in_dir), str(out_dir), sort=True, settle=0)
    assert folder.run_once() == 3
    assert sorted(os.listdir(in_dir)) == []
    assert (out_dir / "pass" / "good.png").read_bytes() == b"a file of the user's"
    assert (out_dir / "pass" / "good-1.png").exists()
    assert (out_dir / "fail" / "bad.png").exists() and (out_dir / "error" / "junk.png").exists()
    labels = {os.path.basename(r["path"]): r["label"] for r in _records(out_dir)}
    assert labels == {"good.png": det.predict(parts_model["nominal"][:1])[0], "bad.png": 1, "junk.png": None}
    with pytest.raises(ValueError, match="must not be inside the watched folder"):
        HotFolder(det, str(in_dir), str(in_dir / "out"))


def test_a_restart_neither_skips_nor_repeats_an_image(parts_model, tmp_path):
    """The states a stop can leave, made by hand: a record in the journal that did not reach
    predictions.jsonl, a sorted image that was not moved yet, a torn last line; and images that arrived
    while the watch was stopped."""
    det = parts_model["det"]
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    for i in range(3):
        (in_dir / f"a{i}.png").write_bytes(fs.encode_png(parts_model["nominal"][i]))
    assert HotFolder(det, str(in_dir), str(out_dir), sort=True, settle=0).run_once() == 3
    # A crash after the journal entry of a3 but before its record and its move:
    (in_dir / "a3.png").write_bytes(fs.encode_png(parts_model["nominal"][3]))
    st = os.stat(in_dir / "a3.png")
    record = {"path": str(in_dir / "a3.png"), "score": 1.0, "label": 0, "regions": [], "error": None}
    with open(out_dir / "watch-journal.jsonl", "a") as f:
        f.write(json.dumps({"path": "a3.png", "size": st.st_size, "mtime_ns": st.st_mtime_ns, "record": record}) + "\n")
        f.write('{"path": "a4.png", "size": 1')                       # torn by the crash
    with open(out_dir / "predictions.jsonl", "a") as f:
        f.write('{"path": "torn')
    (in_dir / "a5.png").write_bytes(fs.encode_png(parts_model["nominal"][5]))   # arrived while stopped
    folder = HotFolder(det, str(in_dir), str(out_dir), sort=True, settle=0)
    assert folder.run_once() == 1, "only a5 is new"
    paths = [os.path.basename(r["path"]) for r in _records(out_dir)]
    assert paths == ["a0.png", "a1.png", "a2.png", "a3.png", "a5.png"]
    assert _records(out_dir)[3] == record, "the journal's record, not a new score"
    sorted_away = [name for kind in ("pass", "fail") if (out_dir / kind).exists() for name in os.listdir(out_dir / kind)]
    assert sorted(sorted_away) == [f"a{i}.png" for i in (0, 1, 2, 3, 5)], "a3's move was completed"
    assert os.listdir(in_dir) == []
    assert HotFolder(det, str(in_dir), str(out_dir), sort=True, settle=0).run_once() == 0


def test_kill_9_in_the_middle_and_a_restart_decide_every_image_exactly_once(parts_model, tmp_path):
    pytest.importorskip("watchdog")
    in_dir, out_dir = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    images = np.concatenate([parts_model["nominal"], parts_model["defective"]])
    for i, image in enumerate(images):
        (in_dir / f"p{i:03d}.png").write_bytes(fs.encode_png(image))
    log = open(tmp_path / "watch.log", "w")
    watch = _watch([parts_model["path"], str(in_dir), "-o", str(out_dir), "--settle", "0", "--threads", "1"], log)
    _wait_for(lambda: len(_records(out_dir)) >= 10, "some records")
    watch.send_signal(signal.SIGKILL)
    watch.wait()
    first = len(_records(out_dir))
    assert first < len(images), "killed before the end"
    done = subprocess.run([sys.executable, "-m", "fcdd_swift", "watch", parts_model["path"], str(in_dir), "-o", str(out_dir),
                           "--once"], env=child_environment(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    log.close()
    paths = [os.path.basename(r["path"]) for r in _records(out_dir)]
    assert sorted(paths) == [f"p{i:03d}.png" for i in range(len(images))], "every image exactly once"
    scores = {os.path.basename(r["path"]): r["score"] for r in _records(out_dir)}
    expected = parts_model["det"].decision_function(images).astype(np.float32)
    for i in range(len(images)):
        assert scores[f"p{i:03d}.png"] == pytest.approx(float(expected[i]), rel=1e-6)
