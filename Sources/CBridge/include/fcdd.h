/*
 * fcdd.h — the C ABI of fcdd-swift, the single source of truth for every exported symbol.
 *
 * A short tour:
 *
 *     fcdd_network *net = NULL;
 *     if (fcdd_network_create("FCDD_CNN28", 1, 28, 28, 1, 0, &net) != FCDD_OK)
 *         fprintf(stderr, "%s\n", fcdd_last_error());
 *     float scores[8];
 *     fcdd_network_scores(net, images, 8, scores);      // images: 8 x 1 x 28 x 28 floats, NCHW
 *     fcdd_network_free(net);                            // free(NULL) is harmless
 *
 * Conventions
 *   - Tensors are float32, row-major, NCHW (batch, channels, height, width). The caller allocates every
 *     output buffer and passes its capacity; sizes are checked on both sides.
 *   - Every function that can fail returns an int32 status (FCDD_OK = 0). On failure a message is kept
 *     per thread and read with fcdd_last_error(); no function traps on bad input.
 *   - Handles are opaque. A handle must not be used by two threads at once (the Python package locks
 *     each handle); different handles may be used concurrently. The worker threads of a call are those of
 *     its detector (fcdd_detector_set_threads, the `threads` setting) or run (its `threads` setting), never
 *     another's; fcdd_set_num_threads sets the default of calls that name none. A handle of the wrong kind (a tensor file
 *     where a network is expected) gives FCDD_ERR_INVALID_ARGUMENT; a *_free function ignores it.
 *   - Sizes from callers and files are checked (overflow-checked products, against the data and the
 *     limits of fcdd_set_limit) before memory is allocated; memory that cannot be had is
 *     FCDD_ERR_OUT_OF_MEMORY, never an abort. Thread counts are 1-1024 everywhere.
 *   - Strings are UTF-8, NUL-terminated. Functions that write text take (buf, cap) and report the
 *     needed size (including the NUL) in *needed, so a caller can retry with a larger buffer.
 *   - Labels: 0 = nominal (pulled to the centre), 1 = anomalous (pushed away).
 */
#ifndef FCDD_H
#define FCDD_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    FCDD_OK = 0,
    FCDD_ERR_INVALID_ARGUMENT = 1, /* a value is out of range, unknown, NaN, ... */
    FCDD_ERR_SHAPE = 2,            /* a tensor or buffer has the wrong size */
    FCDD_ERR_NOT_FOUND = 3,        /* a named tensor or file does not exist */
    FCDD_ERR_IO = 4,               /* reading or writing a file failed */
    FCDD_ERR_FORMAT = 5,           /* a file is malformed */
    FCDD_ERR_STATE = 6,            /* the call is not valid now (e.g. a step before any gradient) */
    FCDD_ERR_NULL = 7,             /* a required pointer argument is NULL */
    FCDD_ERR_BUFFER_TOO_SMALL = 8, /* a text buffer is too small; *needed tells the size */
    FCDD_ERR_OUT_OF_MEMORY = 9,    /* the memory the call needs cannot be allocated */
    FCDD_ERR_EXISTS = 10           /* a file to be written exists and replacing it was not asked for */
};

typedef struct fcdd_network fcdd_network;
typedef struct fcdd_optimizer fcdd_optimizer;
typedef struct fcdd_tensor_file fcdd_tensor_file;
typedef struct fcdd_detector fcdd_detector;

/* ---- library ---------------------------------------------------------------------------------- */

/* Library version, e.g. "0.1.0". Static string. */
const char *fcdd_version(void);
/* Message of the last failed call on this thread ("" if none). Valid until the next call. */
const char *fcdd_last_error(void);
/* Name of a status code, e.g. "FCDD_ERR_SHAPE". Static string. */
const char *fcdd_status_string(int32_t status);
/* JSON object describing the runtime: version, blas_core, blas_config, threads, vector_code ("avx2-fma"
 * when built on and for a CPU with AVX2 and FMA, else "baseline"). */
int32_t fcdd_info(char *buf, int64_t cap, int64_t *needed);
/* Sets the process default of worker threads (1-1024): the count of every call whose detector or run
 * names none (the `threads` setting, fcdd_detector_set_threads). */
int32_t fcdd_set_num_threads(int32_t threads);
/* Limits on what outside data may make the engine allocate, by name. "max_image_pixels": the most pixels
 * (height x width) a decoded image or a model's input may have; default 178956970 (PIL's decompression-bomb
 * limit), or the environment variable FCDD_SWIFT_MAX_IMAGE_PIXELS at load time. Values are >= 1. */
int32_t fcdd_set_limit(const char *name, int64_t value);
int32_t fcdd_get_limit(const char *name, int64_t *out);
/* JSON array of all network names. */
int32_t fcdd_network_names(char *buf, int64_t cap, int64_t *needed);

/* ---- settings ---------------------------------------------------------------------------------- */

/* Settings are JSON objects with one key per setting; null or absent means "the default". Every setting,
 * where it applies (context "experiment": fcdd_experiment_run; "detector": fcdd_detector_create), its type,
 * range or choices, command-line flags, help and its default per dataset and per detector profile:
 *   {"version", "contexts", "datasets", "profiles": {name: {"runner", "images"}}, "grid": {"max_runs"},
 *    "fields": {name: {"type", "group", "role" (content | execution | runs: what a grid may vary and a resumed
 *    experiment must keep), "contexts", "option", "flags", "negated", "nullable", "range",
 *                      "choices", "choice_help", "context_choices", "default": {dataset or profile: value},
 *                      "default_rule": {context: text} or null, "help"}}} */
int32_t fcdd_settings_schema(char *buf, int64_t cap, int64_t *needed);
/* Resolves settings as a run would: request {"context": "experiment" | "detector", "settings": {...},
 * "data_shape": [C, H, W] (detector: the training images, which choose the profile), "has_outliers"
 * (detector: oe_data or known anomalies)}. Result {"settings": every setting of the context with its
 * defaults applied, "profile" (detector) or null, "given": [names of the given settings]}. Resolving the
 * result's settings again gives them back unchanged. Errors name the setting, its value and what is valid. */
int32_t fcdd_settings_resolve(const char *request_json, char *buf, int64_t cap, int64_t *needed);

/* ---- networks --------------------------------------------------------------------------------- */

/* Builds network `name` for inputs (channels, height, width), PyTorch-default initialised from `seed`. */
int32_t fcdd_network_create(const char *name, int32_t channels, int32_t height, int32_t width,
                            int32_t bias, uint64_t seed, fcdd_network **out);
void fcdd_network_free(fcdd_network *net);
/* JSON: name, kind (the objective the network is built for: fcdd|hsc|ae), in_shape, out_shape (per
 * item), bias, training, reception ({n, j, r, s} or null), parameter_count, corresponding_fcdd (the FCDD
 * network whose receptive field sizes a baseline's heatmap blur, or null), and state: [{name, shape,
 * kind: parameter|buffer, trainable, dtype ("F32", or "I64" for BatchNorm's batch counter)}] in
 * PyTorch state-dict order. */
int32_t fcdd_network_describe(const fcdd_network *net, char *buf, int64_t cap, int64_t *needed);
/* 1 = training mode, 0 = eval mode (as torch's train()/eval()). */
int32_t fcdd_network_set_training(fcdd_network *net, int32_t training);
/* Copies a state entry (parameter or buffer) out of / into the network; count = number of values. */
int32_t fcdd_network_get_state(const fcdd_network *net, const char *name, float *out, int64_t count);
int32_t fcdd_network_set_state(fcdd_network *net, const char *name, const float *values, int64_t count);
/* Gradient of a parameter from the last fcdd_network_loss_and_grad. */
int32_t fcdd_network_get_grad(const fcdd_network *net, const char *name, float *out, int64_t count);
/* Forward pass in the current mode; out holds n * prod(out_shape) values. */
int32_t fcdd_network_forward(fcdd_network *net, const float *x, int64_t n, float *out, int64_t out_count);
/* Training-mode forward and backward. labels (n values, 0/1) may be NULL (all 0); gtmaps (n x 1 x H x W)
 * may be NULL; objective: "fcdd", "hsc", "ae" or NULL for the network's own; gauss_std <= 0 means the
 * default derived from the receptive field. */
int32_t fcdd_network_loss_and_grad(fcdd_network *net, const float *x, int64_t n, const float *labels,
                                   const float *gtmaps, const char *objective, double gauss_std,
                                   double *loss_out);
/* Eval-mode anomaly score per image (n values). */
int32_t fcdd_network_scores(fcdd_network *net, const float *x, int64_t n, float *scores_out);
/* Eval-mode heatmaps, n x 1 x H x W values. gauss_std as above. */
int32_t fcdd_network_heatmaps(fcdd_network *net, const float *x, int64_t n, double gauss_std,
                              float *out, int64_t out_count);
/* Saves the state dict as safetensors (PyTorch names); loads one, refusing unknown or missing names. */
int32_t fcdd_network_save(const fcdd_network *net, const char *path);
int32_t fcdd_network_load(fcdd_network *net, const char *path);

/* ---- optimisers and schedules ----------------------------------------------------------------- */

int32_t fcdd_optimizer_create_sgd(fcdd_network *net, double lr, double momentum, int32_t nesterov,
                                  double weight_decay, fcdd_optimizer **out);
int32_t fcdd_optimizer_create_adam(fcdd_network *net, double lr, double beta1, double beta2, double eps,
                                   double weight_decay, fcdd_optimizer **out);
void fcdd_optimizer_free(fcdd_optimizer *opt);
/* Applies the gradients of the network's last loss_and_grad. */
int32_t fcdd_optimizer_step(fcdd_optimizer *opt);
int32_t fcdd_optimizer_get_lr(const fcdd_optimizer *opt, double *lr_out);
int32_t fcdd_optimizer_set_lr(fcdd_optimizer *opt, double lr);
/* Attaches a schedule stepped by fcdd_optimizer_schedule_step (once per epoch). kind "lambda":
 * lr_e = lr_0 * gamma^e (milestones ignored); kind "milestones": lr times gamma at each milestone. */
int32_t fcdd_optimizer_set_schedule(fcdd_optimizer *opt, const char *kind, double gamma,
                                    const int32_t *milestones, int32_t milestone_count);
int32_t fcdd_optimizer_schedule_step(fcdd_optimizer *opt);

/* ---- receptive-field upsampling --------------------------------------------------------------- */

/* Gaussian receptive upsampling of n maps (n x 1 x side x side) to n x 1 x out_side x out_side with the
 * receptive field (j, r, s); std <= 0 selects the default for kernel size r. */
int32_t fcdd_receptive_upsample(const float *maps, int64_t n, int32_t side, int32_t j, int32_t r, double s,
                                int32_t out_side, double std, float *out);

/* ---- safetensors files and PyTorch checkpoints ------------------------------------------------- */

/* Opens and validates a safetensors file; entries are read through the handle. */
int32_t fcdd_tensor_file_open(const char *path, fcdd_tensor_file **out);
/* The same for safetensors bytes in memory; source names them in messages. */
int32_t fcdd_tensor_file_open_bytes(const uint8_t *data, int64_t nbytes, const char *source, fcdd_tensor_file **out);
/* Reads a PyTorch checkpoint of a state dict (torch.save(model.state_dict(), path): the zip format of
 * PyTorch >= 1.6 or the legacy format before it) into a tensor file handle, read like a safetensors file:
 * one entry per tensor in state-dict order, dtype from its storage (FloatStorage F32, HalfStorage F16,
 * DoubleStorage F64, LongStorage I64, IntStorage I32, ByteStorage U8, BoolStorage BOOL, BFloat16Storage
 * BF16), shape as saved, bytes in C order (strided views are gathered). Nothing in the file is executed:
 * the pickle may name only collections.OrderedDict, torch._utils._rebuild_tensor(_v2) and those storage
 * types; anything else, a compressed or damaged archive, or a big-endian file is FCDD_ERR_FORMAT. */
int32_t fcdd_torch_checkpoint_read(const char *path, fcdd_tensor_file **out);
/* A new, empty file for writing. */
int32_t fcdd_tensor_file_create(fcdd_tensor_file **out);
void fcdd_tensor_file_free(fcdd_tensor_file *file);
/* JSON: {"metadata": {...}, "tensors": [{"name", "dtype", "shape", "nbytes"}]} */
int32_t fcdd_tensor_file_describe(const fcdd_tensor_file *file, char *buf, int64_t cap, int64_t *needed);
/* Copies the raw little-endian bytes of entry `name`. */
int32_t fcdd_tensor_file_read(const fcdd_tensor_file *file, const char *name, void *out, int64_t nbytes);
/* Adds (or replaces) an entry; dtype as in safetensors ("F32", "I64", ...). */
int32_t fcdd_tensor_file_add(fcdd_tensor_file *file, const char *name, const char *dtype, const int64_t *shape,
                             int32_t rank, const void *data, int64_t nbytes);
int32_t fcdd_tensor_file_set_metadata(fcdd_tensor_file *file, const char *key, const char *value);
/* Writes atomically (temporary file, then rename). */
int32_t fcdd_tensor_file_write(const fcdd_tensor_file *file, const char *path);

/* ---- files ------------------------------------------------------------------------------------ */

/* Writes nbytes of data to path as every file of the library is written: to a fresh temporary name in
 * path's folder (O_CREAT|O_EXCL|O_NOFOLLOW, random), synced, then renamed over path (replace != 0) or
 * linked to it (replace == 0: an existing path is FCDD_ERR_EXISTS and stays as it was); the folder is
 * synced. Temporary files that killed processes of this machine left in the folder are removed. */
int32_t fcdd_write_file(const char *path, const void *data, int64_t nbytes, int32_t replace);

/* ---- image files ------------------------------------------------------------------------------ */

/* Reads a PNG or JPEG file (detected by content) as 8-bit interleaved H x W x C bytes, C = 1 (gray) or
 * 3 (RGB; alpha is dropped). Call with out = NULL to get the size, then with cap >= h * w * c. */
int32_t fcdd_image_read(const char *path, int32_t *channels, int32_t *height, int32_t *width, uint8_t *out,
                        int64_t cap);
/* Decodes nbytes of PNG or JPEG data in memory as fcdd_image_read reads a file (the same limits and
 * checks); source names the data in error messages (e.g. an uploaded file's name). channels_wanted 1 or 3
 * converts as the datasets do (gray to RGB replicates, RGB to gray is PIL's convert("L")); 0 keeps the
 * file's channels. */
int32_t fcdd_image_decode(const uint8_t *data, int64_t nbytes, const char *source, int32_t channels_wanted,
                          int32_t *channels, int32_t *height, int32_t *width, uint8_t *out, int64_t cap);
/* Writes 8-bit interleaved H x W x C bytes (C = 1, 2, 3 or 4) as PNG, atomically. */
int32_t fcdd_png_write(const char *path, const uint8_t *pixels, int32_t height, int32_t width, int32_t channels);
/* The PNG encoding of 8-bit interleaved H x W x C bytes (C = 1-4) in memory: *needed receives its size;
 * out (may be NULL to ask for the size) receives it when cap >= *needed. */
int32_t fcdd_png_encode(const uint8_t *pixels, int32_t height, int32_t width, int32_t channels, uint8_t *out,
                        int64_t cap, int64_t *needed);

/* ---- experiments and prediction (the `fcdd-swift` command) ----------------------------------- */

/* Receives the events of a long call as a JSON object (valid during the call only). Return 0 to go on,
 * non-zero to stop (Ctrl-C): training stops after the current step and the call returns FCDD_OK with a
 * final {"event": "summary", "stopped": true, ...}; the run's snapshot (written before the first epoch and
 * after every epoch) holds its last complete epoch, from which training resumes exactly. Events:
 *   {"event": "experiment", "directory", "runs", "settings"}  the experiment's folder is made; runs = classes x
 *                                                     it; settings: resolved
 *   {"event": "log", "message"}                       a line also written to the run's log.txt
 *   {"event": "phase", "message"}                     "preparing data", "training", "testing", ...
 *   {"event": "run", "directory", "class", "class_name", "it", "seed"}
 *   {"event": "step", "epoch", "epochs", "step", "steps", "loss", "epoch_loss", "images_per_second", "lr",
 *    "seconds"}                                        seconds since the epoch began
 *   {"event": "image", "index", "count", "path"}      prediction progress
 *   {"event": "summary", "stopped", ...}              last event: the result (see the README) */
typedef int32_t (*fcdd_event_fn)(const char *event_json, void *user);

/* Runs a training experiment from experiment settings (see fcdd_settings_schema; absent settings take the
 * dataset runner's defaults, so "{}" runs the synthetic default). A run's config.json holds the resolved
 * settings plus a "run" record, which is ignored here, so it can be passed back. The nested forms
 * "optimizer": {type, lr, weight_decay} and "scheduler": {type, gamma, milestones} are read as the flat
 * settings they stand for. on_event may be NULL. */
int32_t fcdd_experiment_run(const char *config_json, fcdd_event_fn on_event, void *user);

/* The plan of an experiment or a grid, made from settings and an optional earlier start: request
 * {"settings": {...} (as for fcdd_experiment_run), "grid": {setting: [values]} or null (every combination is
 * an experiment in a sub-folder "<nn>_<setting>=<value>_..." of the grid's folder; only settings whose schema
 * role is "content" may be varied), "resume": false | true (the newest folder matching logdir +
 * logdir_suffix, {t} standing for any time) | "folder of an earlier start", "max_runs": the most runs
 * (default 10000; more is FCDD_ERR_INVALID_ARGUMENT before any combination is made)}. Result
 * {"directory": the grid's folder (the experiment's folder without a grid; {t} filled in), "varied": [names],
 * "settings": the first combination's resolved settings, "combinations": [{"name" ("" without a grid),
 * "values", "settings", "directory"}], "runs": [{"combination": index, "key": "<name>/normal_<c>/it_<i>",
 * "class", "class_name", "it", "seed", "directory", "state": "finished" (result.json written) | "partial" (a
 * snapshot to continue from) | "new"}] in order}. On resume, a run's config.json with other settings (other
 * than the "execution" ones) is FCDD_ERR_INVALID_ARGUMENT. Lists the classes of folder datasets, so their data
 * must be there. Nothing is written. */
int32_t fcdd_experiment_plan(const char *request_json, char *buf, int64_t cap, int64_t *needed);

/* One run of an experiment, for runs spread over processes or machines (a grid's tasks): request
 * {"settings": {...} (as for fcdd_experiment_run), "directory": the experiment's folder (chosen by the
 * caller: a combination's "directory" of fcdd_experiment_plan), "class", "it", "resume"}. Writes
 * <directory>/normal_<class>/it_<it>/ as fcdd_experiment_run does, ending with result.json. With "resume":
 * true a run whose folder has result.json is not run again and one whose folder has a snapshot continues
 * from it. The summary event holds the run's result: {"class", "class_name", "it", "seed", "directory",
 * "auc", "pixel_auc", "seconds", "engine_version"}. */
int32_t fcdd_experiment_run_one(const char *request_json, fcdd_event_fn on_event, void *user);

/* Writes <directory>/summary.json and the summary ROC pictures from the runs of the experiment that have
 * finished (their result.json); request {"settings", "directory"}. Result: the summary, as that of
 * fcdd_experiment_run. */
int32_t fcdd_experiment_summarize(const char *request_json, char *buf, int64_t cap, int64_t *needed);

/* Scores and decides image files with a model file (a training snapshot or a detector model): request
 * {"snapshot", "inputs": [paths], "output_dir", "gauss_std" (optional), "overwrite" (false: an output_dir
 * with files is FCDD_ERR_EXISTS), "formats": ["jsonl", "csv"] (default both), "masks" (false), "min_area"
 * (1)}. Writes predictions.jsonl (per image {"path", "score", "label", "regions", "error", "heatmap",
 * "mask"}, decided under the model's thresholds as fcdd_decide does), scores.csv (path, score, label,
 * regions (count), error), a heatmap overlay PNG per image at its own resolution (regions outlined, frame
 * red for anomalous, green for nominal) and with "masks" masks/<stem>_mask.png (255 in a region). Events
 * {"event": "image", "index", "count", "path", "error" (when it failed)}. Result {"results", "network",
 * "gauss_std", "files": {"jsonl", "csv"}, "scored", "failed", "count", "thresholds",
 * "missing_thresholds": ["image" | "pixel"]}. */
int32_t fcdd_predict_run(const char *request_json, fcdd_event_fn on_event, void *user);
/* Sets a model file's image and pixel thresholds from images and writes the model with them to a new file
 * (the input's tensors unchanged): request {"model", "normal": [paths] (nominal images, at least one),
 * "anomalous": [paths], "masks": [path or null per anomalous image], "image": method | null, "pixel":
 * method | null (methods as for fcdd_threshold_choose; defaults: image "f1" with anomalous images, else
 * "max_fpr" 0.05; pixel "f1" with mask pixels, else "quantile" 0.999 of the nominal pixels), "output",
 * "overwrite" (false: an existing output is FCDD_ERR_EXISTS)}. Every image must be readable. Events
 * {"event": "image", "index", "count", "path"}; result {"thresholds", "output", "normal", "anomalous",
 * "masks"}. */
int32_t fcdd_calibrate_run(const char *request_json, fcdd_event_fn on_event, void *user);

/* ---- measurements (bench/) --------------------------------------------------------------------- */

/* Times `repetitions` training-mode forward and backward passes of x (n images) layer by layer after one
 * warm-up pass. JSON array, one object per layer: index, kind, input_shape, output_shape, forward_seconds,
 * backward_seconds (means), forward_flops, backward_flops (2 x multiply-adds; convolutions only). */
int32_t fcdd_network_profile(fcdd_network *net, const float *x, int64_t n, int32_t repetitions, char *buf,
                             int64_t cap, int64_t *needed);
/* GFLOP/s of `threads` single-threaded m x k by k x n sgemms side by side (how the engine runs OpenBLAS),
 * timed for at least `seconds`. */
int32_t fcdd_sgemm_gflops(int32_t m, int32_t n, int32_t k, int32_t threads, double seconds, double *out);

/* ---- the in-memory detector (fs.FCDD) ---------------------------------------------------------- */

/* Image blocks are 8-bit, planar: n x c x h x w bytes (c = 1 or 3); masks are n x h x w bytes (0 = nominal
 * pixel, anything else anomalous). */

/* An unfitted detector from detector settings (see fcdd_settings_schema), each checked here; null or absent
 * settings are resolved at fit time from the training images' shape (the profile) and whether there are
 * outlier images. */
int32_t fcdd_detector_create(const char *settings_json, fcdd_detector **out);
void fcdd_detector_free(fcdd_detector *det);
/* Trains on n images; labels (n values, 0 nominal / 1 known anomaly) and masks may be NULL; oe (outlier
 * images, oe_n x oe_c x oe_h x oe_w) may be NULL with oe_n = 0. Events: {"event": "start", "epochs",
 * "steps", "samples", "in_shape", "network", "profile"}, "step" (as for experiments), {"event": "epoch",
 * "epoch", "epochs", "loss", "loss_std", "lr", "seconds", "images"}. A non-zero return from on_event stops
 * training after the current step; the detector keeps the weights so far and the call returns FCDD_OK.
 * While on_event handles an "epoch" event it may call fcdd_detector_infer on the same detector, from the same
 * thread: that scores with the weights so far (e.g. a validation AUROC per epoch). */
int32_t fcdd_detector_fit(fcdd_detector *det, const uint8_t *images, int64_t n, int32_t c, int32_t h, int32_t w,
                          const int32_t *labels, const uint8_t *masks, const uint8_t *oe, int64_t oe_n,
                          int32_t oe_c, int32_t oe_h, int32_t oe_w, fcdd_event_fn on_event, void *user);
/* Anomaly scores (n values) and, when maps is not NULL, heatmaps at the images' size (n x h x w). Images
 * must have the fitted channel count; another size is resized to the fitted one first. */
int32_t fcdd_detector_infer(fcdd_detector *det, const uint8_t *images, int64_t n, int32_t c, int32_t h, int32_t w,
                            float *scores, float *maps);
/* fit and infer for images of different sizes (a list of arrays): image k is c x heights[k] x widths[k]
 * bytes right after image k-1, its mask heights[k] x widths[k] bytes right after mask k-1, and its heatmap
 * heights[k] x widths[k] floats right after map k-1. With tile_size the tiles are cut from every image at
 * its own size; without, images of different sizes are resized to the network's input size for training. */
int32_t fcdd_detector_fit_sizes(fcdd_detector *det, const uint8_t *images, int64_t n, int32_t c,
                                const int32_t *heights, const int32_t *widths, const int32_t *labels,
                                const uint8_t *masks, const uint8_t *oe, int64_t oe_n, int32_t oe_c, int32_t oe_h,
                                int32_t oe_w, fcdd_event_fn on_event, void *user);
int32_t fcdd_detector_infer_sizes(fcdd_detector *det, const uint8_t *images, int64_t n, int32_t c,
                                  const int32_t *heights, const int32_t *widths, float *scores, float *maps);
/* JSON: settings (resolved once fitted, else as given), given, profile, fitted, data_shape, in_shape,
 * gauss_std, preprocessing, completed_epochs, stopped, history {loss, loss_std, lr, seconds, data_seconds,
 * images}, thresholds (see fcdd_detector_set_thresholds), user (the extra JSON of save / load). */
int32_t fcdd_detector_describe(const fcdd_detector *det, char *buf, int64_t cap, int64_t *needed);
/* Writes the fitted detector as one safetensors file (weights under PyTorch names, settings and
 * preprocessing in the metadata) atomically; extra_json (may be NULL) is stored and returned by load. */
int32_t fcdd_detector_save(fcdd_detector *det, const char *path, const char *extra_json);
int32_t fcdd_detector_load(const char *path, fcdd_detector **out);
/* The bytes save writes, in memory: *data (free it with fcdd_bytes_free) receives *nbytes bytes. */
int32_t fcdd_detector_to_bytes(fcdd_detector *det, const char *extra_json, uint8_t **data, int64_t *nbytes);
/* A detector from the bytes of a model file (as fcdd_detector_load reads it); source names them in messages. */
int32_t fcdd_detector_from_bytes(const uint8_t *data, int64_t nbytes, const char *source, fcdd_detector **out);
/* Frees bytes the engine handed out (fcdd_detector_to_bytes); NULL is ignored. */
void fcdd_bytes_free(uint8_t *data);
/* Sets the decision thresholds that save stores and describe reports: {"image": T | null, "pixel": T | null}
 * with T = {"value", "method", "parameter", "calibration"} as fcdd_threshold_choose returns it. A new fit
 * clears them. */
int32_t fcdd_detector_set_thresholds(fcdd_detector *det, const char *thresholds_json);
/* Sets the worker threads of this detector's fit and infer calls (1-1024; 0: its `threads` setting, and
 * without one the process default of fcdd_set_num_threads). Other detectors are not affected. */
int32_t fcdd_detector_set_threads(fcdd_detector *det, int32_t threads);

/* ---- decisions: thresholds, labels, regions ----------------------------------------------------- */

/* Chooses a threshold ("score > value" is anomalous) from n scores and their labels (n bytes, 0 nominal,
 * anything else anomalous; NULL: all nominal). For the pixel threshold, scores are the pooled pixels of
 * heatmaps and labels the pooled ground-truth masks. method_json: {"method": "f1" | "max_fpr" |
 * "quantile" | "contamination", "max_fpr" (default 0.05), "quantile" (default 0.999), "contamination"
 * (default 0.1), "level": "image" | "pixel" (for messages)}. "f1" needs both classes; "max_fpr" without
 * anomalous labels keeps at most that fraction of nominal scores above (method "nominal_fpr");
 * "quantile" is the quantile of the nominal scores. Result T: {"value", "method", "parameter",
 * "calibration": {"nominal", "anomalous", "false_positive_rate", "precision", "recall", "f1" (those that
 * apply, at the chosen value)}}. */
int32_t fcdd_threshold_choose(const float *scores, const uint8_t *labels, int64_t n, const char *method_json,
                              char *buf, int64_t cap, int64_t *needed);
/* Decides n images from their scores and (may be NULL) heatmaps (n x h x w) under thresholds_json (as for
 * fcdd_detector_set_thresholds). JSON: one object per image {"score", "label": 0 | 1 | null (no image
 * threshold), "regions": null (no pixel threshold or no maps) | [{"box": [x0, y0, x1, y1] (pixels, x1 and
 * y1 exclusive), "area", "max_score", "mean_score"}] (8-connected components of the map above the pixel
 * threshold with at least min_area pixels, highest max_score first)}. masks (may be NULL, n x h x w bytes)
 * receives 1 for the pixels of the kept regions, 0 elsewhere. */
int32_t fcdd_decide(const float *scores, const float *maps, int64_t n, int32_t h, int32_t w,
                    const char *thresholds_json, int64_t min_area, uint8_t *masks, char *buf, int64_t cap,
                    int64_t *needed);

/* Metrics as JSON: image_auroc, ap, f1_max, f1_max_threshold, and with maps and masks (both n x h x w)
 * pixel_auroc, pixel_ap and aupro (up to FPR pro_limit); null where undefined (one class only). */
int32_t fcdd_evaluate(const float *scores, const int32_t *labels, int64_t n, const float *maps,
                      const uint8_t *masks, int32_t h, int32_t w, double pro_limit, char *buf, int64_t cap,
                      int64_t *needed);
/* The same for images of different sizes: map and mask k are heights[k] x widths[k] values right after
 * those of image k-1 (as fcdd_detector_infer_sizes writes the maps). */
int32_t fcdd_evaluate_sizes(const float *scores, const int32_t *labels, int64_t n, const float *maps,
                            const uint8_t *masks, const int32_t *heights, const int32_t *widths, double pro_limit,
                            char *buf, int64_t cap, int64_t *needed);
/* Heatmap overlays: out receives n x h x w x 3 bytes (RGB), the jet-coloured map (normalised per image,
 * or over all maps when global != 0, at the given quantile in (0, 1]; NaN: the engine's default, the
 * original's 0.97) blended with weight alpha over the image. */
int32_t fcdd_overlay(const uint8_t *images, const float *maps, int64_t n, int32_t c, int32_t h, int32_t w,
                     double quantile, int32_t global, double alpha, uint8_t *out);

/* ---- deployment --------------------------------------------------------------------------------- */

/* What a deployment graph needs from a model file (a detector model or a training snapshot), as JSON:
 * {"format": "fcdd-swift-export", "version", "engine_version", "network", "objective", "in_shape",
 *  "threshold" (the image threshold, or null), "pixel_threshold" (or null), "thresholds" (both with how they
 *  were chosen, as fcdd_detector_set_thresholds takes them), "outside" (the resizing left to the caller, in words),
 *  "preprocessing": [{"op": "lcn", "scale": "l1"} | {"op": "normalize", "mean", "std"}],
 *  "layers": [{"op", weight names in the file, attributes, "in_shape", "out_shape"}] in forward order
 *    (ops: conv, conv_transpose, batch_norm, max_pool, leaky_relu, relu, sigmoid, identity, linear,
 *    upsample_nearest, reshape, adaptive_avg_pool),
 *  "head": {"kind": "fcdd", "kernel_1d", "stride", "start", "map_side", "side", "gauss_std"} | {"kind": "hsc"}
 *    | {"kind": "ae"}}. The FCDD maps are the transposed convolution of the pseudo-Huber map with the
 * kernel kernel_1d x kernel_1d at the stride, cropped to side x side from position start. */
int32_t fcdd_model_export_description(const char *path, char *buf, int64_t cap, int64_t *needed);
/* The same for a model file's bytes in memory (e.g. fcdd_detector_to_bytes); source names them in messages. */
int32_t fcdd_model_export_description_bytes(const uint8_t *data, int64_t nbytes, const char *source, char *buf,
                                            int64_t cap, int64_t *needed);

#ifdef __cplusplus
}
#endif

#endif /* FCDD_H */
