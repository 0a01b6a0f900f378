"""The `fcdd-swift` command: `train` runs FCDD experiments (the original runners' options), `grid` runs an
experiment per combination of settings, `fit` trains a detector on a folder of good images, `calibrate` sets
a model's decision thresholds from folders of images, `predict` scores and decides new images (labels,
anomalous regions, masks), `info` describes a model file, `export` writes a model as an ONNX graph, `serve`
answers over HTTP and `watch` decides the images that arrive in a folder. Without a
dataset on disk, `fcdd-swift train` uses the embedded synthetic one."""
import argparse
import sys

from . import calibrate, export, fit, grid, info, predict, serve, train, watch


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (plus a pointer to --help) instead of the usage block."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class _VersionAction(argparse.Action):
    """--version: the package and engine versions and how the engine was built (loaded only when asked)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0,
                         help=help or "print the version of fcdd-swift and its engine, and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        from .. import info
        i = info()
        sys.stdout.write(f"fcdd-swift {i['version']} (engine {i['vector_code']}, OpenBLAS core {i['blas_core']}, "
                         f"library {i['library']})\n")
        parser.exit()


# The subcommands in the order --help lists them: (name, module with add_arguments/run, one-line help).
COMMANDS = [
    ("train", train, "train and evaluate FCDD (default: the synthetic dataset)"),
    ("grid", grid, "an experiment per combination of settings, serially or on Ray"),
    ("fit", fit, "train an fs.FCDD detector on a folder of good images and save it"),
    ("calibrate", calibrate, "set a model's image and pixel thresholds from folders of images"),
    ("predict", predict, "score and decide images with a model (labels, regions, masks)"),
    ("info", info, "what a model file holds, with its thresholds"),
    ("export", export, "a model as an ONNX graph (scores and anomaly maps)"),
    ("serve", serve, "an HTTP server and web page that score and decide images with models"),
    ("watch", watch, "a hot folder: score and decide every image that appears in it"),
]


def build_parser():
    p = _Parser(prog="fcdd-swift", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action=_VersionAction)
    sub = p.add_subparsers(dest="command", metavar="{" + ",".join(name for name, _, _ in COMMANDS) + "}",
                           parser_class=_Parser)
    for name, module, help_text in COMMANDS:
        module.add_arguments(sub.add_parser(name, help=help_text, description=module.__doc__,
                                            formatter_class=argparse.RawDescriptionHelpFormatter))
    return p


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    from ..errors import FCDDError
    try:
        module = {name: module for name, module, _ in COMMANDS}[args.command]
        return module.run(args, sys.stdout)
    except (FCDDError, ValueError, OSError, RuntimeError) as e:
        sys.stderr.write(f"fcdd-swift {args.command}: error: {e}\n")
        return 1
    except KeyboardInterrupt as e:
        sys.stderr.write(f"\nfcdd-swift {args.command}: interrupted{': ' + str(e) if str(e) else ''}\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
