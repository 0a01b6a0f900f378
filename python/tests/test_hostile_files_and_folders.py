"""Hostile files and folders from outside the code, and writes that must not hurt the user's files: a FIFO
among the images of a folder, a link planted where the library writes, outputs that already exist
(train, predict, export refuse unless told), a gzipped IDX file that declares 2 GB and a thread count the
process cannot have (both under an address-space limit, in a child process: clean errors, no abort, no
hang), and weights that are finite but absurd."""
import gzip
import os
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import fcdd_swift as fs
from fcdd_swift.cli import main
from fcdd_swift.files import write_file

GIB = 1 << 30


def run_limited(code, address_space, timeout=300, **env):
    """Runs `code` in a child Python whose address space is limited (as a container or `ulimit -v` does)."""
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))

    child_env = dict(os.environ, OPENBLAS_NUM_THREADS="1", **env)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout, preexec_fn=limit, env=child_env)


# ---- writes ---------------------------------------------------------------------------------------------

def test_write_file_replaces_only_when_asked_and_never_follows_a_link(tmp_path):
    precious = tmp_path / "precious.txt"
    precious.write_text("precious")
    (tmp_path / "out.json").symlink_to(precious)
    write_file(tmp_path / "out.json", '{"a": 1}')
    assert precious.read_text() == "precious" and not (tmp_path / "out.json").is_symlink()
    with pytest.raises(fs.FCDDFileExistsError, match="out.json already exists"):
        write_file(tmp_path / "out.json", "other", replace=False)
    assert (tmp_path / "out.json").read_text() == '{"a": 1}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json", "precious.txt"], "no temporary file left"


def test_a_train_command_refuses_a_folder_that_holds_an_experiment(tmp_path, capsys):
    command = ["train", "-e", "1", "--cls-restrictions", "0", "--logdir", str(tmp_path / "exp"), "--logdir-suffix", ""]
    assert main(command) == 0
    summary = (tmp_path / "exp" / "summary.json").read_bytes()
    capsys.readouterr()
    assert main(command) == 1
    err = capsys.readouterr().err
    assert "already holds an experiment (summary.json)" in err and "--overwrite" in err and "--resume" in err
    assert (tmp_path / "exp" / "summary.json").read_bytes() == summary
    assert main(command + ["--overwrite"]) == 0


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("snapshot")
    assert main(["train", "-e", "1", "--cls-restrictions", "0", "--logdir", str(tmp / "exp"), "--logdir-suffix", ""]) == 0
    return tmp / "exp" / "normal_0" / "it_0" / "snapshot.safetensors"


def test_predict_refuses_an_output_folder_with_files_and_reports_a_fifo_per_file(tmp_path, snapshot, capsys):
    images = tmp_path / "images"
    images.mkdir()
    fs.write_png(str(images / "a.png"), np.full((32, 32, 3), 128, np.uint8))
    os.mkfifo(images / "x.png")                   # would block an open() for ever
    out = tmp_path / "predictions"
    assert main(["predict", str(snapshot), str(images), "-o", str(out)]) == 1     # the FIFO is one failed image
    captured = capsys.readouterr()
    assert "x.png" in captured.err and "not a regular file (a FIFO)" in captured.err
    csv = (out / "scores.csv").read_text()
    assert "a.png" in csv and "not a regular file" in csv
    assert main(["predict", str(snapshot), str(images / "a.png"), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "already holds files" in err and "--overwrite" in err
    assert (out / "scores.csv").read_text() == csv, "the refused run changed nothing"
    assert main(["predict", str(snapshot), str(images / "a.png"), "-o", str(out), "--overwrite"]) == 0


def test_export_refuses_an_existing_file_unless_forced(tmp_path, snapshot, capsys):
    pytest.importorskip("onnx")
    notes = tmp_path / "notes.onnx"
    notes.write_text("my notes")
    assert main(["export", str(snapshot), "-o", str(notes)]) == 1
    err = capsys.readouterr().err
    assert "notes.onnx exists; add --force" in err and notes.read_text() == "my notes"
    assert main(["export", str(snapshot), "-o", str(notes), "--force"]) == 0
    assert notes.stat().st_size > 1000


# ---- reads -----------------------------------------------------------------------------------------------

def test_a_gzipped_idx_file_that_declares_2_gb_is_a_memory_error_not_an_abort(tmp_path):
    raw = tmp_path / "data" / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    # 2047 x 1024 x 1024 bytes of zeros, just under the 2 GiB a gzipped dataset file may inflate to: one
    # member of 16 MiB of zeros, repeated (gzip members concatenate), so the file is about 2 MB.
    header = gzip.compress(struct.pack(">IIII", 0x803, 2047, 1024, 1024))
    zeros = gzip.compress(bytes(16 << 20), compresslevel=9)
    with open(raw / "train-images-idx3-ubyte.gz", "wb") as f:
        f.write(header)
        for _ in range(2047 * (1 << 20) // (16 << 20)):
            f.write(zeros)
    for prefix, n in [("train", 2047), ("t10k", 10)]:
        (raw / f"{prefix}-labels-idx1-ubyte").write_bytes(struct.pack(">II", 0x801, n) + bytes(n))
    (raw / "t10k-images-idx3-ubyte").write_bytes(struct.pack(">IIII", 0x803, 10, 28, 28) + bytes(7840))
    done = run_limited(f"""
        import sys
        from fcdd_swift.cli import main
        sys.exit(main(["train", "-d", "fmnist", "--datadir", {str(tmp_path / 'data')!r}, "-e", "1",
                       "--cls-restrictions", "0", "--noise-mode", "confetti", "--logdir", {str(tmp_path / 'log')!r}]))
        """, address_space=3 * GIB)
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    assert "train-images-idx3-ubyte.gz" in done.stderr and "cannot be allocated" in done.stderr, done.stderr[-2000:]


def test_a_thread_count_the_process_cannot_have_is_an_error_not_a_hang(tmp_path):
    # 1,000 threads reserve 8 GB of stacks: under a 2 GiB address space they cannot all start.
    done = run_limited("""
        import numpy as np
        import fcdd_swift as fs
        for attempt in (lambda: fs.set_num_threads(1000),
                        lambda: fs.FCDD(threads=1000, epochs=1, verbose=0).fit(np.random.rand(8, 1, 28, 28).astype("float32"))):
            try:
                attempt()
            except fs.FCDDMemoryError as e:
                print("refused:", e)
        print("threads now", fs.info()["threads"])
        """, address_space=2 * GIB, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert len([l for l in lines if l.startswith("refused: cannot run 1000 threads")]) == 2, done.stdout
    assert lines[-1] != "threads now 1000", "a refused count is not kept"


def test_finite_but_absurd_weights_are_refused_when_loaded(tmp_path):
    net = fs.Network("FCDD_CNN28", (1, 28, 28))
    state = net.state_dict()
    name = next(k for k in state if k.endswith("running_var"))
    state[name] = np.full_like(state[name], -1.0)
    path = tmp_path / "absurd.safetensors"
    fs.save_safetensors(str(path), state)
    with pytest.raises(fs.InvalidArgumentError, match=rf"absurd\.safetensors: '{name}' holds the variance -1.0; a variance is never below 0"):
        fs.Network("FCDD_CNN28", (1, 28, 28)).load(str(path))
    # Weights so large that the computation overflows: the scores say so instead of being NaN.
    state = net.state_dict()
    for key in state:
        if key.endswith("weight"):
            state[key] = np.full_like(state[key], 1e30)
    net.load_state_dict(state)
    with pytest.raises(fs.StateError, match="its weights make the computation overflow"):
        net.scores(np.random.rand(2, 1, 28, 28).astype(np.float32))
