"""fcdd.h is the one source of truth of the C ABI: every function it declares is exported by the library the
package loaded and bound in _lib.py, and the library needs no Swift runtime from a toolchain."""
import re
import shutil
import subprocess

import pytest

import fcdd_swift as fs
from fcdd_swift import _lib, errors
from support import HEADER


def declared_functions():
    text = re.sub(r"/\*.*?\*/|//[^\n]*", "", open(HEADER).read(), flags=re.S)
    return set(re.findall(r"\b(fcdd_[a-z0-9_]+)\s*\(", text))


def declared_status_codes():
    return {name: int(value) for name, value in re.findall(r"\b(FCDD_(?:OK|ERR_[A-Z_]+))\s*=\s*(\d+)",
                                                             open(HEADER).read())}


def tool_output(*cmd):
    if shutil.which(cmd[0]) is None:
        pytest.skip(f"{cmd[0]} is not installed (binutils)")
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def test_header_declares_the_expected_functions():
    names = declared_functions()
    assert len(names) == 76, sorted(names)
    assert {"fcdd_settings_schema", "fcdd_settings_resolve", "fcdd_network_create", "fcdd_optimizer_step", "fcdd_tensor_file_write", "fcdd_torch_checkpoint_read", "fcdd_last_error",
            "fcdd_experiment_run", "fcdd_experiment_plan", "fcdd_experiment_run_one", "fcdd_experiment_summarize", "fcdd_predict_run", "fcdd_image_read", "fcdd_png_write",
            "fcdd_detector_create", "fcdd_detector_fit", "fcdd_detector_infer", "fcdd_detector_describe",
            "fcdd_detector_save", "fcdd_detector_load", "fcdd_evaluate", "fcdd_overlay", "fcdd_write_file",
            "fcdd_threshold_choose", "fcdd_decide", "fcdd_detector_set_thresholds", "fcdd_calibrate_run"} <= names


def test_every_declared_function_is_exported_by_the_loaded_library():
    out = tool_output("nm", "-D", "--defined-only", fs._loader.LIBRARY_PATH)
    exported = set(re.findall(r"\bT (fcdd_[a-z0-9_]+)$", out, flags=re.M))
    assert declared_functions() - exported == set(), "declared in fcdd.h but not exported"
    assert exported - declared_functions() == set(), "exported but not declared in fcdd.h"


def test_python_bindings_cover_exactly_the_header():
    assert set(_lib._SIGNATURES) == declared_functions()


def test_status_codes_match_the_header_and_the_exceptions():
    codes = declared_status_codes()
    assert codes["FCDD_OK"] == 0 and len(codes) == 11
    for name, value in codes.items():
        assert _lib.status_string(value) == name
    assert set(errors._BY_STATUS) == {v for v in codes.values() if v != 0}
    assert type(errors.error_for(codes["FCDD_ERR_SHAPE"], "m")) is fs.ShapeError
    assert type(errors.error_for(codes["FCDD_ERR_NOT_FOUND"], "m")) is fs.NotFoundError
    assert errors.error_for(codes["FCDD_ERR_IO"], "m").status == codes["FCDD_ERR_IO"]
    assert isinstance(errors.error_for(codes["FCDD_ERR_EXISTS"], "m"), FileExistsError)


def test_library_needs_no_swift_runtime_and_finds_neighbours_by_origin():
    out = tool_output("readelf", "-d", fs._loader.LIBRARY_PATH)
    needed = re.findall(r"\(NEEDED\).*\[(.+)\]", out)
    assert needed, out
    assert [n for n in needed if "swift" in n.lower() or "foundation" in n.lower() or n.startswith("libdispatch")] == []
    assert re.search(r"\((?:RUNPATH|RPATH)\).*\$ORIGIN", out), "RUNPATH $ORIGIN missing"


def test_version_agrees():
    assert fs.__version__ == fs.info()["version"] == "0.1.0"


def test_detector_functions_refuse_null_pointers_and_bad_sizes():
    import ctypes
    import numpy as np
    lib = _lib.lib
    null = _lib.EVENT_CALLBACK()
    codes = declared_status_codes()
    assert lib.fcdd_detector_create(None, None) == codes["FCDD_ERR_NULL"]
    assert lib.fcdd_detector_create(b"{\"epochs\": -1}", ctypes.byref(ctypes.c_void_p())) == codes["FCDD_ERR_INVALID_ARGUMENT"]
    assert lib.fcdd_detector_fit(None, None, 1, 1, 8, 8, None, None, None, 0, 0, 0, 0, null, None) == codes["FCDD_ERR_NULL"]
    det = ctypes.c_void_p()
    assert lib.fcdd_detector_create(b"{}", ctypes.byref(det)) == 0
    images = np.zeros((2, 1, 8, 8), np.uint8)
    ptr = images.ctypes.data_as(ctypes.c_void_p)
    assert lib.fcdd_detector_fit(det, ptr, 2, 2, 8, 8, None, None, None, 0, 0, 0, 0, null, None) == codes["FCDD_ERR_INVALID_ARGUMENT"]
    assert lib.fcdd_detector_fit(det, ptr, 0, 1, 8, 8, None, None, None, 0, 0, 0, 0, null, None) == codes["FCDD_ERR_INVALID_ARGUMENT"]
    assert lib.fcdd_detector_fit(det, ptr, 2, 1, 1 << 30, 1 << 30, None, None, None, 0, 0, 0, 0, null, None) == codes["FCDD_ERR_INVALID_ARGUMENT"]
    scores = np.zeros(2, np.float32)
    assert lib.fcdd_detector_infer(det, ptr, 2, 1, 8, 8, _lib.f32ptr(scores), None) == codes["FCDD_ERR_STATE"]
    assert lib.fcdd_detector_save(det, b"/tmp/unfitted.fcdd", None) == codes["FCDD_ERR_STATE"]
    lib.fcdd_detector_free(det)
    lib.fcdd_detector_free(None)
    assert lib.fcdd_evaluate(None, None, 1, None, None, 0, 0, 0.3, None, 0, None) == codes["FCDD_ERR_NULL"]
    assert lib.fcdd_overlay(ptr, None, 2, 1, 8, 8, 0.97, 0, 0.5, None) == codes["FCDD_ERR_NULL"]
