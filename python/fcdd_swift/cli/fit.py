"""`fcdd-swift fit GOOD_IMAGES... -o model.fcdd`: trains an fs.FCDD detector on a folder of nominal (good) images
and saves it as one model file, which `calibrate`, `predict`, `info` and `export` take. The images must share one
size (gray or RGB); the detector picks its network and defaults from that size (fs.FCDD's profiles), and the
line before training says what it chose. Ctrl-C stops training and saves the weights so far."""
import os

from .. import settings
from .options import add_setting_option


def add_arguments(p):
    p.add_argument("inputs", nargs="+", metavar="GOOD_IMAGES", help="nominal images: PNG/JPEG files or folders (recursive)")
    p.add_argument("-o", "--output", default="model.fcdd", help="the model file to write (default: %(default)s)")
    # The detector's settings, as the schema defines them (flags, types, the network names).
    fields = settings.fields("detector")
    add_setting_option(p, "epochs", fields["epochs"], default=None, help="training epochs (default: the profile's)",
                       context="detector")
    add_setting_option(p, "net", fields["net"], default=None, context="detector",
                       help="network (default: the profile's; see fcdd-swift train --help)")
    add_setting_option(p, "seed", fields["seed"], default=0, help="random seed (default: %(default)s)", context="detector")
    add_setting_option(p, "threads", fields["threads"], default=None, help="engine threads (default: all cores)",
                       context="detector")
    for name in ("tile_size", "tile_stride", "tile_score", "tile_top_k"):   # large images: docs/tiles.md
        add_setting_option(p, name, fields[name], default=None, help=fields[name]["help"].replace("%", "%%"),
                           context="detector")
    p.add_argument("--overwrite", action="store_true", help="replace the output file if it exists (without: an error)")


def read_folder(inputs):
    """The images of `inputs` as one uint8 array (N, H, W) or (N, H, W, 3), and their paths."""
    import numpy as np
    from ..images import read_image
    from .predict import collect_images

    paths = collect_images(inputs)
    images = [read_image(p) for p in paths]
    shapes = {}
    for path, image in zip(paths, images):
        shapes.setdefault(image.shape[:2], path)
    if len(shapes) > 1:
        listed = "; ".join(f"{h}x{w} ({path})" for (h, w), path in list(shapes.items())[:3])
        raise ValueError(f"the images must share one size, found {len(shapes)}: {listed}")
    if any(image.ndim == 3 for image in images):   # mixed gray and RGB: all as RGB
        images = [image if image.ndim == 3 else np.repeat(image[..., None], 3, axis=2) for image in images]
    return np.stack(images), paths


def run(args, out):
    from ..detector.estimator import FCDD

    if not args.overwrite and os.path.lexists(args.output):
        raise ValueError(f"{args.output} exists; add --overwrite to replace it, or choose another -o")
    if args.epochs is not None and args.epochs < 1:
        raise ValueError("--epochs must be >= 1")
    images, paths = read_folder(args.inputs)
    out.write(f"{len(paths)} images of {images.shape[2]}x{images.shape[1]}"
              f"{' RGB' if images.ndim == 4 else ' gray'} from {', '.join(args.inputs)}\n")
    out.flush()
    det = FCDD(epochs=args.epochs, net=args.net, seed=args.seed, threads=args.threads, tile_size=args.tile_size,
               tile_stride=args.tile_stride, tile_score=args.tile_score, tile_top_k=args.tile_top_k, verbose=1)
    det.fit(images)
    if not args.overwrite and os.path.lexists(args.output):
        raise ValueError(f"{args.output} appeared while training; the model is not written (choose another -o)")
    det.save(args.output)
    out.write(f"trained {det.n_epochs_} epochs of {det.resolved_params_['net']} ({det.resolved_params_['profile']} "
              f"profile); wrote {args.output}. Next: fcdd-swift calibrate {args.output} --normal GOOD_IMAGES\n")
    return 0
