"""Low layer: ctypes declarations of the C ABI (Sources/CBridge/include/fcdd.h), one per exported function
with its C prototype beside it, and small helpers for status codes, text results and array pointers.

Nothing here validates arguments; the high layer does that (network.py, optim.py, safetensors.py, images.py,
detector/, and settings.py, which hands settings to the engine for checking).
"""
import ctypes
import json
import os
from ctypes import POINTER, c_char_p, c_double, c_float, c_int32, c_int64, c_uint64, c_void_p

from . import _loader
from .errors import InvalidArgumentError, error_for

lib = _loader.load()

FCDD_ERR_BUFFER_TOO_SMALL = 8

_f32p = POINTER(c_float)
_handle = c_void_p                     # fcdd_network *, fcdd_optimizer *, fcdd_tensor_file *, fcdd_detector *
_text = [c_char_p, c_int64, POINTER(c_int64)]        # (char *buf, int64_t cap, int64_t *needed)

# int32_t (*fcdd_event_fn)(const char *event_json, void *user);
EVENT_CALLBACK = ctypes.CFUNCTYPE(c_int32, c_char_p, c_void_p)

_SIGNATURES = {
    # ---- library ----
    # const char *fcdd_version(void);
    "fcdd_version": (c_char_p, []),
    # const char *fcdd_last_error(void);
    "fcdd_last_error": (c_char_p, []),
    # const char *fcdd_status_string(int32_t status);
    "fcdd_status_string": (c_char_p, [c_int32]),
    # int32_t fcdd_info(char *buf, int64_t cap, int64_t *needed);
    "fcdd_info": (c_int32, _text),
    # int32_t fcdd_set_num_threads(int32_t threads);
    "fcdd_set_num_threads": (c_int32, [c_int32]),
    # int32_t fcdd_set_limit(const char *name, int64_t value);
    "fcdd_set_limit": (c_int32, [c_char_p, c_int64]),
    # int32_t fcdd_get_limit(const char *name, int64_t *out);
    "fcdd_get_limit": (c_int32, [c_char_p, POINTER(c_int64)]),
    # int32_t fcdd_network_names(char *buf, int64_t cap, int64_t *needed);
    "fcdd_network_names": (c_int32, _text),

    # ---- settings ----
    # int32_t fcdd_settings_schema(char *buf, int64_t cap, int64_t *needed);
    "fcdd_settings_schema": (c_int32, _text),
    # int32_t fcdd_settings_resolve(const char *request_json, char *buf, int64_t cap, int64_t *needed);
    "fcdd_settings_resolve": (c_int32, [c_char_p] + _text),

    # ---- networks ----
    # int32_t fcdd_network_create(const char *name, int32_t channels, int32_t height, int32_t width,
    #                             int32_t bias, uint64_t seed, fcdd_network **out);
    "fcdd_network_create": (c_int32, [c_char_p, c_int32, c_int32, c_int32, c_int32, c_uint64, POINTER(_handle)]),
    # void fcdd_network_free(fcdd_network *net);
    "fcdd_network_free": (None, [_handle]),
    # int32_t fcdd_network_describe(const fcdd_network *net, char *buf, int64_t cap, int64_t *needed);
    "fcdd_network_describe": (c_int32, [_handle] + _text),
    # int32_t fcdd_network_set_training(fcdd_network *net, int32_t training);
    "fcdd_network_set_training": (c_int32, [_handle, c_int32]),
    # int32_t fcdd_network_get_state(const fcdd_network *net, const char *name, float *out, int64_t count);
    "fcdd_network_get_state": (c_int32, [_handle, c_char_p, _f32p, c_int64]),
    # int32_t fcdd_network_set_state(fcdd_network *net, const char *name, const float *values, int64_t count);
    "fcdd_network_set_state": (c_int32, [_handle, c_char_p, _f32p, c_int64]),
    # int32_t fcdd_network_get_grad(const fcdd_network *net, const char *name, float *out, int64_t count);
    "fcdd_network_get_grad": (c_int32, [_handle, c_char_p, _f32p, c_int64]),
    # int32_t fcdd_network_forward(fcdd_network *net, const float *x, int64_t n, float *out, int64_t out_count);
    "fcdd_network_forward": (c_int32, [_handle, _f32p, c_int64, _f32p, c_int64]),
    # int32_t fcdd_network_loss_and_grad(fcdd_network *net, const float *x, int64_t n, const float *labels,
    #                                    const float *gtmaps, const char *objective, double gauss_std,
    #                                    double *loss_out);
    "fcdd_network_loss_and_grad": (c_int32, [_handle, _f32p, c_int64, _f32p, _f32p, c_char_p, c_double,
                                             POINTER(c_double)]),
    # int32_t fcdd_network_scores(fcdd_network *net, const float *x, int64_t n, float *scores_out);
    "fcdd_network_scores": (c_int32, [_handle, _f32p, c_int64, _f32p]),
    # int32_t fcdd_network_heatmaps(fcdd_network *net, const float *x, int64_t n, double gauss_std,
    #                               float *out, int64_t out_count);
    "fcdd_network_heatmaps": (c_int32, [_handle, _f32p, c_int64, c_double, _f32p, c_int64]),
    # int32_t fcdd_network_save(const fcdd_network *net, const char *path);
    "fcdd_network_save": (c_int32, [_handle, c_char_p]),
    # int32_t fcdd_network_load(fcdd_network *net, const char *path);
    "fcdd_network_load": (c_int32, [_handle, c_char_p]),

    # ---- optimisers and schedules ----
    # int32_t fcdd_optimizer_create_sgd(fcdd_network *net, double lr, double momentum, int32_t nesterov,
    #                                   double weight_decay, fcdd_optimizer **out);
    "fcdd_optimizer_create_sgd": (c_int32, [_handle, c_double, c_double, c_int32, c_double, POINTER(_handle)]),
    # int32_t fcdd_optimizer_create_adam(fcdd_network *net, double lr, double beta1, double beta2, double eps,
    #                                    double weight_decay, fcdd_optimizer **out);
    "fcdd_optimizer_create_adam": (c_int32, [_handle, c_double, c_double, c_double, c_double, c_double,
                                             POINTER(_handle)]),
    # void fcdd_optimizer_free(fcdd_optimizer *opt);
    "fcdd_optimizer_free": (None, [_handle]),
    # int32_t fcdd_optimizer_step(fcdd_optimizer *opt);
    "fcdd_optimizer_step": (c_int32, [_handle]),
    # int32_t fcdd_optimizer_get_lr(const fcdd_optimizer *opt, double *lr_out);
    "fcdd_optimizer_get_lr": (c_int32, [_handle, POINTER(c_double)]),
    # int32_t fcdd_optimizer_set_lr(fcdd_optimizer *opt, double lr);
    "fcdd_optimizer_set_lr": (c_int32, [_handle, c_double]),
    # int32_t fcdd_optimizer_set_schedule(fcdd_optimizer *opt, const char *kind, double gamma,
    #                                     const int32_t *milestones, int32_t milestone_count);
    "fcdd_optimizer_set_schedule": (c_int32, [_handle, c_char_p, c_double, POINTER(c_int32), c_int32]),
    # int32_t fcdd_optimizer_schedule_step(fcdd_optimizer *opt);
    "fcdd_optimizer_schedule_step": (c_int32, [_handle]),

    # ---- receptive-field upsampling ----
    # int32_t fcdd_receptive_upsample(const float *maps, int64_t n, int32_t side, int32_t j, int32_t r, double s,
    #                                 int32_t out_side, double std, float *out);
    "fcdd_receptive_upsample": (c_int32, [_f32p, c_int64, c_int32, c_int32, c_int32, c_double, c_int32, c_double,
                                          _f32p]),

    # ---- safetensors files and PyTorch checkpoints ----
    # int32_t fcdd_tensor_file_open(const char *path, fcdd_tensor_file **out);
    "fcdd_tensor_file_open": (c_int32, [c_char_p, POINTER(_handle)]),
    # int32_t fcdd_tensor_file_open_bytes(const uint8_t *data, int64_t nbytes, const char *source, fcdd_tensor_file **out);
    "fcdd_tensor_file_open_bytes": (c_int32, [c_char_p, c_int64, c_char_p, POINTER(_handle)]),
    # int32_t fcdd_torch_checkpoint_read(const char *path, fcdd_tensor_file **out);
    "fcdd_torch_checkpoint_read": (c_int32, [c_char_p, POINTER(_handle)]),
    # int32_t fcdd_tensor_file_create(fcdd_tensor_file **out);
    "fcdd_tensor_file_create": (c_int32, [POINTER(_handle)]),
    # void fcdd_tensor_file_free(fcdd_tensor_file *file);
    "fcdd_tensor_file_free": (None, [_handle]),
    # int32_t fcdd_tensor_file_describe(const fcdd_tensor_file *file, char *buf, int64_t cap, int64_t *needed);
    "fcdd_tensor_file_describe": (c_int32, [_handle] + _text),
    # int32_t fcdd_tensor_file_read(const fcdd_tensor_file *file, const char *name, void *out, int64_t nbytes);
    "fcdd_tensor_file_read": (c_int32, [_handle, c_char_p, c_void_p, c_int64]),
    # int32_t fcdd_tensor_file_add(fcdd_tensor_file *file, const char *name, const char *dtype,
    #                              const int64_t *shape, int32_t rank, const void *data, int64_t nbytes);
    "fcdd_tensor_file_add": (c_int32, [_handle, c_char_p, c_char_p, POINTER(c_int64), c_int32, c_void_p, c_int64]),
    # int32_t fcdd_tensor_file_set_metadata(fcdd_tensor_file *file, const char *key, const char *value);
    "fcdd_tensor_file_set_metadata": (c_int32, [_handle, c_char_p, c_char_p]),
    # int32_t fcdd_tensor_file_write(const fcdd_tensor_file *file, const char *path);
    "fcdd_tensor_file_write": (c_int32, [_handle, c_char_p]),

    # ---- files ----
    # int32_t fcdd_write_file(const char *path, const void *data, int64_t nbytes, int32_t replace);
    "fcdd_write_file": (c_int32, [c_char_p, c_void_p, c_int64, c_int32]),

    # ---- image files ----
    # int32_t fcdd_image_read(const char *path, int32_t *channels, int32_t *height, int32_t *width,
    #                         uint8_t *out, int64_t cap);
    "fcdd_image_read": (c_int32, [c_char_p, POINTER(c_int32), POINTER(c_int32), POINTER(c_int32), c_void_p, c_int64]),
    # int32_t fcdd_png_write(const char *path, const uint8_t *pixels, int32_t height, int32_t width, int32_t channels);
    "fcdd_png_write": (c_int32, [c_char_p, c_void_p, c_int32, c_int32, c_int32]),
    # int32_t fcdd_image_decode(const uint8_t *data, int64_t nbytes, const char *source, int32_t channels_wanted,
    #                           int32_t *channels, int32_t *height, int32_t *width, uint8_t *out, int64_t cap);
    "fcdd_image_decode": (c_int32, [c_char_p, c_int64, c_char_p, c_int32, POINTER(c_int32), POINTER(c_int32),
                                    POINTER(c_int32), c_void_p, c_int64]),
    # int32_t fcdd_png_encode(const uint8_t *pixels, int32_t height, int32_t width, int32_t channels, uint8_t *out,
    #                         int64_t cap, int64_t *needed);
    "fcdd_png_encode": (c_int32, [c_void_p, c_int32, c_int32, c_int32, c_void_p, c_int64, POINTER(c_int64)]),

    # ---- experiments and prediction ----
    # int32_t fcdd_experiment_run(const char *config_json, fcdd_event_fn on_event, void *user);
    "fcdd_experiment_run": (c_int32, [c_char_p, EVENT_CALLBACK, c_void_p]),
    # int32_t fcdd_experiment_plan(const char *request_json, char *buf, int64_t cap, int64_t *needed);
    "fcdd_experiment_plan": (c_int32, [c_char_p] + _text),
    # int32_t fcdd_experiment_run_one(const char *request_json, fcdd_event_fn on_event, void *user);
    "fcdd_experiment_run_one": (c_int32, [c_char_p, EVENT_CALLBACK, c_void_p]),
    # int32_t fcdd_experiment_summarize(const char *request_json, char *buf, int64_t cap, int64_t *needed);
    "fcdd_experiment_summarize": (c_int32, [c_char_p] + _text),
    # int32_t fcdd_predict_run(const char *request_json, fcdd_event_fn on_event, void *user);
    "fcdd_predict_run": (c_int32, [c_char_p, EVENT_CALLBACK, c_void_p]),
    # int32_t fcdd_calibrate_run(const char *request_json, fcdd_event_fn on_event, void *user);
    "fcdd_calibrate_run": (c_int32, [c_char_p, EVENT_CALLBACK, c_void_p]),

    # ---- measurements ----
    # int32_t fcdd_network_profile(fcdd_network *net, const float *x, int64_t n, int32_t repetitions, char *buf,
    #                              int64_t cap, int64_t *needed);
    "fcdd_network_profile": (c_int32, [_handle, _f32p, c_int64, c_int32] + _text),
    # int32_t fcdd_sgemm_gflops(int32_t m, int32_t n, int32_t k, int32_t threads, double seconds, double *out);
    "fcdd_sgemm_gflops": (c_int32, [c_int32, c_int32, c_int32, c_int32, c_double, POINTER(c_double)]),

    # ---- the in-memory detector ----
    # int32_t fcdd_detector_create(const char *settings_json, fcdd_detector **out);
    "fcdd_detector_create": (c_int32, [c_char_p, POINTER(_handle)]),
    # void fcdd_detector_free(fcdd_detector *det);
    "fcdd_detector_free": (None, [_handle]),
    # int32_t fcdd_detector_fit(fcdd_detector *det, const uint8_t *images, int64_t n, int32_t c, int32_t h, int32_t w,
    #                           const int32_t *labels, const uint8_t *masks, const uint8_t *oe, int64_t oe_n,
    #                           int32_t oe_c, int32_t oe_h, int32_t oe_w, fcdd_event_fn on_event, void *user);
    "fcdd_detector_fit": (c_int32, [_handle, c_void_p, c_int64, c_int32, c_int32, c_int32, c_void_p, c_void_p,
                                    c_void_p, c_int64, c_int32, c_int32, c_int32, EVENT_CALLBACK, c_void_p]),
    # int32_t fcdd_detector_infer(fcdd_detector *det, const uint8_t *images, int64_t n, int32_t c, int32_t h,
    #                             int32_t w, float *scores, float *maps);
    "fcdd_detector_infer": (c_int32, [_handle, c_void_p, c_int64, c_int32, c_int32, c_int32, _f32p, _f32p]),
    # int32_t fcdd_detector_fit_sizes(fcdd_detector *det, const uint8_t *images, int64_t n, int32_t c,
    #                                 const int32_t *heights, const int32_t *widths, const int32_t *labels,
    #                                 const uint8_t *masks, const uint8_t *oe, int64_t oe_n, int32_t oe_c, int32_t oe_h,
    #                                 int32_t oe_w, fcdd_event_fn on_event, void *user);
    "fcdd_detector_fit_sizes": (c_int32, [_handle, c_void_p, c_int64, c_int32, c_void_p, c_void_p, c_void_p, c_void_p,
                                          c_void_p, c_int64, c_int32, c_int32, c_int32, EVENT_CALLBACK, c_void_p]),
    # int32_t fcdd_detector_infer_sizes(fcdd_detector *det, const uint8_t *images, int64_t n, int32_t c,
    #                                   const int32_t *heights, const int32_t *widths, float *scores, float *maps);
    "fcdd_detector_infer_sizes": (c_int32, [_handle, c_void_p, c_int64, c_int32, c_void_p, c_void_p, _f32p, _f32p]),
    # int32_t fcdd_detector_describe(const fcdd_detector *det, char *buf, int64_t cap, int64_t *needed);
    "fcdd_detector_describe": (c_int32, [_handle] + _text),
    # int32_t fcdd_detector_save(fcdd_detector *det, const char *path, const char *extra_json);
    "fcdd_detector_save": (c_int32, [_handle, c_char_p, c_char_p]),
    # int32_t fcdd_detector_load(const char *path, fcdd_detector **out);
    "fcdd_detector_load": (c_int32, [c_char_p, POINTER(_handle)]),
    # int32_t fcdd_detector_to_bytes(fcdd_detector *det, const char *extra_json, uint8_t **data, int64_t *nbytes);
    "fcdd_detector_to_bytes": (c_int32, [_handle, c_char_p, POINTER(c_void_p), POINTER(c_int64)]),
    # int32_t fcdd_detector_from_bytes(const uint8_t *data, int64_t nbytes, const char *source, fcdd_detector **out);
    "fcdd_detector_from_bytes": (c_int32, [c_char_p, c_int64, c_char_p, POINTER(_handle)]),
    # void fcdd_bytes_free(uint8_t *data);
    "fcdd_bytes_free": (None, [c_void_p]),
    # int32_t fcdd_detector_set_thresholds(fcdd_detector *det, const char *thresholds_json);
    "fcdd_detector_set_thresholds": (c_int32, [_handle, c_char_p]),
    # int32_t fcdd_detector_set_threads(fcdd_detector *det, int32_t threads);
    "fcdd_detector_set_threads": (c_int32, [_handle, c_int32]),
    # int32_t fcdd_threshold_choose(const float *scores, const uint8_t *labels, int64_t n, const char *method_json,
    #                               char *buf, int64_t cap, int64_t *needed);
    "fcdd_threshold_choose": (c_int32, [_f32p, c_void_p, c_int64, c_char_p] + _text),
    # int32_t fcdd_decide(const float *scores, const float *maps, int64_t n, int32_t h, int32_t w,
    #                     const char *thresholds_json, int64_t min_area, uint8_t *masks, char *buf, int64_t cap,
    #                     int64_t *needed);
    "fcdd_decide": (c_int32, [_f32p, _f32p, c_int64, c_int32, c_int32, c_char_p, c_int64, c_void_p] + _text),
    # int32_t fcdd_model_export_description(const char *path, char *buf, int64_t cap, int64_t *needed);
    "fcdd_model_export_description": (c_int32, [c_char_p] + _text),
    # int32_t fcdd_model_export_description_bytes(const uint8_t *data, int64_t nbytes, const char *source, char *buf,
    #                                             int64_t cap, int64_t *needed);
    "fcdd_model_export_description_bytes": (c_int32, [c_char_p, c_int64, c_char_p] + _text),
    # int32_t fcdd_evaluate(const float *scores, const int32_t *labels, int64_t n, const float *maps,
    #                       const uint8_t *masks, int32_t h, int32_t w, double pro_limit, char *buf, int64_t cap,
    #                       int64_t *needed);
    "fcdd_evaluate": (c_int32, [_f32p, c_void_p, c_int64, _f32p, c_void_p, c_int32, c_int32, c_double] + _text),
    # int32_t fcdd_evaluate_sizes(const float *scores, const int32_t *labels, int64_t n, const float *maps,
    #                             const uint8_t *masks, const int32_t *heights, const int32_t *widths, double pro_limit,
    #                             char *buf, int64_t cap, int64_t *needed);
    "fcdd_evaluate_sizes": (c_int32, [_f32p, c_void_p, c_int64, _f32p, c_void_p, c_void_p, c_void_p, c_double] + _text),
    # int32_t fcdd_overlay(const uint8_t *images, const float *maps, int64_t n, int32_t c, int32_t h, int32_t w,
    #                      double quantile, int32_t global, double alpha, uint8_t *out);
    "fcdd_overlay": (c_int32, [c_void_p, _f32p, c_int64, c_int32, c_int32, c_int32, c_double, c_int32, c_double,
                               c_void_p]),
}

for _name, (_restype, _argtypes) in _SIGNATURES.items():
    _fn = getattr(lib, _name)  # AttributeError here means the library does not export a declared function
    _fn.restype = _restype
    _fn.argtypes = _argtypes


def last_error():
    """The message of the last failed call on this thread."""
    return lib.fcdd_last_error().decode("utf-8", "replace")


def take_bytes(call):
    """Bytes the engine hands out through ``call(byref(data), byref(nbytes))``, copied, then freed."""
    data, nbytes = c_void_p(), c_int64()
    check(call(ctypes.byref(data), ctypes.byref(nbytes)))
    try:
        return ctypes.string_at(data, nbytes.value)
    finally:
        lib.fcdd_bytes_free(data)


def check(status):
    """Raises the exception for a non-zero status, with the message of ``fcdd_last_error()``.

    The message is per thread in the library, so it must be read on the thread that made the failing call,
    right after it: that is what this function is for.
    """
    if status != 0:
        raise error_for(status, last_error())


def status_string(status):
    """The name of a status code, e.g. "FCDD_ERR_SHAPE"."""
    return lib.fcdd_status_string(int(status)).decode()


def read_text(fn, *args):
    """Calls a ``(..., char *buf, int64_t cap, int64_t *needed)`` function; retries once with the size it needs."""
    cap = 4096
    while True:
        buf = ctypes.create_string_buffer(cap)
        needed = c_int64(0)
        status = fn(*args, buf, cap, ctypes.byref(needed))
        if status == FCDD_ERR_BUFFER_TOO_SMALL and needed.value > cap:
            cap = needed.value
            continue
        check(status)
        return buf.value.decode("utf-8")


def read_json(fn, *args):
    """`read_text` parsed as JSON."""
    return json.loads(read_text(fn, *args))


def f32ptr(array):
    """``float *`` to the data of a C-contiguous float32 array (NULL for None)."""
    return None if array is None else array.ctypes.data_as(_f32p)


def cstr(s):
    """A Python string as a NUL-terminated UTF-8 ``const char *`` (None stays NULL)."""
    if s is None:
        return None
    if "\0" in s:  # C would silently cut the string there
        raise InvalidArgumentError(f"strings passed to the engine must not contain NUL characters: {s!r}")
    return s.encode("utf-8")


def cpath(path):
    """A file path (str, bytes or os.PathLike) as a ``const char *`` in the file-system encoding."""
    try:
        b = os.fsencode(path)
    except TypeError:
        raise InvalidArgumentError(f"path must be a str or os.PathLike; got {path!r}") from None
    if b"\0" in b:
        raise InvalidArgumentError(f"path must not contain NUL characters: {path!r}")
    return b
