"""Finding the library, the error when it cannot be loaded, and the choice of the OpenBLAS kernel."""
import os
import subprocess
import sys

import pytest

import fcdd_swift as fs
from fcdd_swift import _loader

CHILD_ENV = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "FCDD_SWIFT_LIBRARY")}
PYTHONPATH = os.path.dirname(os.path.dirname(os.path.abspath(fs.__file__)))  # the package this test imported


def run_python(code, **env):
    child = dict(CHILD_ENV, PYTHONPATH=PYTHONPATH, **env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=child, timeout=120)


def test_import_error_names_the_path_tried_and_how_to_build():
    out = run_python("import fcdd_swift", FCDD_SWIFT_LIBRARY="/nonexistent/libfcdd.so")
    assert out.returncode != 0
    assert "ImportError" in out.stderr
    assert "/nonexistent/libfcdd.so" in out.stderr
    assert "No such file" in out.stderr or "cannot open" in out.stderr  # the OSError of that path
    assert "pip install ." in out.stderr and "swift build -c release --product fcdd" in out.stderr


def test_environment_variable_selects_the_library():
    out = run_python("import fcdd_swift as fs; print(fs.info()['library'])", FCDD_SWIFT_LIBRARY=_loader.LIBRARY_PATH)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == _loader.LIBRARY_PATH


def test_search_order():
    paths = _loader.candidate_paths() if not os.environ.get("FCDD_SWIFT_LIBRARY") else None
    if paths is None:
        pytest.skip("FCDD_SWIFT_LIBRARY is set in this environment")
    assert paths[0] == os.path.join(os.path.dirname(os.path.abspath(_loader.__file__)), "libfcdd.so")
    assert all(p.endswith("libfcdd.so") for p in paths)


@pytest.mark.parametrize("flags, core", [
    ({"avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd", "avx2", "fma"}, "SkylakeX"),
    ({"avx512f", "avx512bw", "avx512vl", "avx512dq", "avx2", "fma"}, "Haswell"),  # no avx512cd
    ({"avx2", "fma", "sse4_2"}, "Haswell"),
    ({"avx2"}, None),
    (set(), None),
])
def test_core_type_from_cpu_flags(flags, core):
    assert _loader.choose_coretype(flags) == core


def test_user_setting_wins_and_auto_choice_is_recorded():
    env = {"OPENBLAS_CORETYPE": "Sandybridge"}
    assert _loader.select_blas_kernel(env, flags={"avx2", "fma"}) == ("user", "Sandybridge")
    assert env == {"OPENBLAS_CORETYPE": "Sandybridge"}
    env = {}
    assert _loader.select_blas_kernel(env, flags={"avx2", "fma"}) == ("auto", "Haswell")
    assert env == {"OPENBLAS_CORETYPE": "Haswell"}
    env = {}
    assert _loader.select_blas_kernel(env, flags={"sse2"}) == ("unset", None) and env == {}


def test_info_reports_the_blas_kernel_and_threads():
    info = fs.info()
    assert {"version", "blas_core", "blas_config", "threads", "blas_coretype_env", "blas_coretype_source",
            "library"} <= set(info)
    assert info["blas_core"] and info["threads"] >= 1
    assert info["vector_code"] in ("avx2-fma", "baseline")
    assert info["blas_coretype_source"] in ("user", "auto", "unset")
    if info["blas_coretype_source"] == "auto":
        assert info["blas_coretype_env"] == _loader.choose_coretype(_loader.cpu_flags())
        assert info["blas_core"].lower() == info["blas_coretype_env"].lower()


def test_auto_and_user_choices_in_a_fresh_process():
    code = "import fcdd_swift as fs, json; i = fs.info(); print(json.dumps([i['blas_coretype_source'], " \
           "i['blas_coretype_env'], i['blas_core']]))"
    auto = run_python(code)
    assert auto.returncode == 0, auto.stderr
    expected = _loader.choose_coretype(_loader.cpu_flags())
    assert auto.stdout.strip() == (f'["auto", "{expected}", "{expected}"]' if expected else auto.stdout.strip())
    if expected is None:
        pytest.skip("this CPU has neither AVX2+FMA nor AVX-512")
    user = run_python(code, OPENBLAS_CORETYPE="Haswell")  # every AVX2 machine can run the Haswell kernel
    assert user.returncode == 0, user.stderr
    assert user.stdout.strip() == '["user", "Haswell", "Haswell"]'


def test_set_num_threads():
    before = fs.info()["threads"]
    try:
        fs.set_num_threads(1)
        assert fs.info()["threads"] == 1
    finally:
        fs.set_num_threads(before)
    for bad in (0, -2, 1.5, "2"):
        with pytest.raises(fs.InvalidArgumentError):
            fs.set_num_threads(bad)


def test_network_names():
    names = fs.network_names()
    assert names == sorted(names) and len(names) == 27
    assert {"FCDD_CNN28", "FCDD_CNN224_VGG_F", "CNN224_VGG_NOPT_1000", "AE224_VGG_NOPT"} <= set(names)
