"""The `fcdd-swift` command: `train` runs FCDD experiments (the original runners' options), `grid` runs an
experiment per combination of settings, `fit` trains a detector on a folder of good images, `calibrate` sets a model's decision thresholds from folders of images,
`predict` scores and decides new images (labels, anomalous regions, masks), `info` describes a model file,
`export` writes a model as an ONNX graph. Without a dataset on disk, `fcdd-swift train` uses the embedded synthetic one."""
import argparse
import sys

from . import calibrate, export, fit, grid, info, predict, train


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


def build_parser():
    p = _Parser(prog="fcdd-swift", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action=_VersionAction)
    sub = p.add_subparsers(dest="command", metavar="{train,grid,fit,calibrate,predict,info,export}", parser_class=_Parser)
    t = sub.add_parser("train", help="train and evaluate FCDD (default: the synthetic dataset)",
                       description=train.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    train.add_arguments(t)
    g = sub.add_parser("grid", help="an experiment per combination of settings, serially or on Ray",
                       description=grid.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    grid.add_arguments(g)
    fi = sub.add_parser("fit", help="train an fs.FCDD detector on a folder of good images and save it",
                        description=fit.__doc__)
    fit.add_arguments(fi)
    ca = sub.add_parser("calibrate", help="set a model's image and pixel thresholds from folders of images",
                        description=calibrate.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    calibrate.add_arguments(ca)
    pr = sub.add_parser("predict", help="score and decide images with a model (labels, regions, masks)",
                        description=predict.__doc__)
    predict.add_arguments(pr)
    inf = sub.add_parser("info", help="what a model file holds, with its thresholds", description=info.__doc__)
    info.add_arguments(inf)
    ex = sub.add_parser("export", help="a model as an ONNX graph (scores and anomaly maps)", description=export.__doc__)
    export.add_arguments(ex)
    return p


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    from ..errors import FCDDError
    try:
        module = {"train": train, "grid": grid, "fit": fit, "calibrate": calibrate, "predict": predict, "info": info,
                  "export": export}[args.command]
        return module.run(args, sys.stdout)
    except (FCDDError, ValueError, OSError, RuntimeError) as e:
        sys.stderr.write(f"fcdd-swift {args.command}: error: {e}\n")
        return 1
    except KeyboardInterrupt as e:
        sys.stderr.write(f"\nfcdd-swift {args.command}: interrupted{': ' + str(e) if str(e) else ''}\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
