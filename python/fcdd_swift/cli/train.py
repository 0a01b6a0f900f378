"""`fcdd-swift train`: the original runners' options (reference 9.1-9.3) with per-dataset defaults; the
whole experiment (data, anomalies, training, test, pictures, summary) runs in the engine.

With --ray every (class, repetition) runs as a Ray task (on a local Ray, or a cluster by address) into the
same layout; --resume continues an interrupted start. Every option is a setting of the engine's settings schema (`fcdd_swift.settings_schema()`); options not
given take the dataset runner's default, shown after each option below. `--print-config` prints the
resolved settings as JSON without training, and `--config FILE` runs from such a file (or from a run's
config.json), with options given on the command line taking precedence.
"""
import argparse
import json

from .. import settings
from ..settings_files import read_settings_file
from . import scaleout
from .options import add_setting_option
from .summary import print_summary

COMMAND_ONLY = ("normal_class", "config", "print_config", "cpu") + scaleout.SCALEOUT_OPTIONS


def _help(field, datasets):
    text = field["help"]
    if field["type"] == "bool":
        return text.replace("%", "%%")
    default = settings.describe_default(field, datasets)
    rule = (field["default_rule"] or {}).get("experiment")
    if rule:
        default += f"; {rule}"
    choices = (field["context_choices"] or {}).get("experiment") or field["choices"] or []
    if len(choices) > 8:
        text += f"; one of {', '.join(choices)}"
    return f"{text} (default: {default})".replace("%", "%%")


def add_arguments(p):
    """One option per experiment setting that has flags, in the schema's sections, plus the options of the
    command itself (--config, --print-config, --normal-class, --cpu)."""
    schema = settings.settings_schema()
    datasets = schema["datasets"]
    groups = {}
    for name, field in settings.fields("experiment").items():
        if not field["flags"]:
            continue
        group = groups.get(field["group"]) or groups.setdefault(field["group"], p.add_argument_group(field["group"]))
        add_setting_option(group, name, field, _help(field, datasets))

    c = p.add_argument_group("configuration")
    c.add_argument("--config", metavar="FILE",
                   help="settings from a JSON file (the output of --print-config, or a run's config.json, which repeats "
                        "that experiment); options given here take precedence")
    c.add_argument("--print-config", action="store_true",
                   help="print the fully resolved settings as JSON and exit without training")
    c.add_argument("--normal-class", type=int, metavar="C",
                   help="a single run of class C (the original's run_single_mvtec): --cls-restrictions C --it 1")
    c.add_argument("--cpu", action="store_true", help="accepted for compatibility; the engine always runs on the CPU")
    scaleout.add_arguments(p)


def given_settings(args):
    """The settings the user gave: those of --config, then the options on the command line."""
    given = {}
    if getattr(args, "config", None):
        given = read_settings_file(args.config, "--config")
        if not isinstance(given, dict):
            raise ValueError(f"--config: {args.config} must hold a JSON object of settings")
    for name, value in vars(args).items():
        if name not in COMMAND_ONLY and name != "command":
            given[name] = value
    if getattr(args, "normal_class", None) is not None:
        given["classes"], given["it"] = [args.normal_class], 1
    return given


def resolve(args):
    """The fully resolved experiment settings (every default applied and checked by the engine)."""
    return settings.resolve("experiment", given_settings(args))["settings"]


def run(args, out):
    from ..experiment import run_experiment
    from ..progress_line import ProgressLine

    if args.print_config:
        out.write(json.dumps(resolve(args), indent=2) + "\n")
        return 0
    # The engine resolves the given settings (once, where the run starts) and reports them.
    given = given_settings(args)
    if args.ray or args.resume:
        return scaleout.run(given, None, args, out, "fcdd-swift train")
    progress = ProgressLine()
    runs = {"total": 0, "started": 0}

    def on_event(e):
        kind = e.get("event")
        if kind == "step":
            progress.step(e)
        elif kind == "experiment":
            runs["total"], config = e["runs"], e["settings"]
            out.write(f"fcdd-swift train: dataset {config['dataset']}, net {config['net']}, {config['epochs']} epochs, "
                      f"{e['runs']} run{'s' if e['runs'] != 1 else ''}, log directory {e['directory']}\n")
            out.flush()
        elif kind == "log":
            progress.line("  " + e["message"])
        elif kind == "run":
            runs["started"] += 1
            progress.start_run(runs_after=max(0, runs["total"] - runs["started"]))
            progress.line(f"== class {e['class']} ({e['class_name']}), repetition {e['it']}, seed {e['seed']}: {e['directory']}")
        elif kind == "phase":
            progress.line(f"  [{e['message']}]")

    summary = run_experiment(given, on_event)
    print_summary(summary, out)
    return 130 if summary.get("stopped") else 0

