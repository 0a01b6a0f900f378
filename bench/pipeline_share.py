"""How much of a training epoch the data pipeline takes (decoding, artificial anomalies, augmentation,
batch assembly) versus forward/backward/optimiser, measured from the engine's own per-epoch timers
(`seconds` and `data_seconds` in history.json). Used by bench.py; also runnable alone:

    python3 bench/pipeline_share.py [--threads 2] [--mvtec-root /tmp/fcdd-mvtec-bench]
"""
import argparse
import json
import os
import tempfile


def measure(fs, dataset="synthetic", net="FCDD_CNN32_S", epochs=2, threads=2, datadir="data/datasets", classes=(0,),
            batch=None, acc=None):
    from fcdd_swift.cli import build_parser, train
    argv = ["train", "-d", dataset, "-n", net, "-e", str(epochs), "--it", "1", "--threads", str(threads),
            "--datadir", datadir, "--cls-restrictions", *map(str, classes)]
    if batch:
        argv += ["-b", str(batch)]
    if acc:
        argv += ["--acc-batches", str(acc)]
    with tempfile.TemporaryDirectory() as tmp:
        config = train.resolve(build_parser().parse_args(argv + ["--logdir", tmp]))
        fs.run_experiment(config)
        history = json.load(open(os.path.join(tmp, f"normal_{classes[0]}", "it_0", "history.json")))
    seconds, data = sum(history["seconds"]), sum(history["data_seconds"])
    images = sum(history["images"])
    return {"dataset": dataset, "net": net, "epochs": epochs, "images": images,
            "epoch_images_per_s": round(images / seconds, 1), "data_share": round(data / seconds, 3)}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--mvtec-root", help="an MVTec-AD tree (e.g. written by bench/mvtec_memory.py) to time too")
    args = p.parse_args()
    import fcdd_swift as fs
    rows = [measure(fs, threads=args.threads)]
    if args.mvtec_root:
        rows.append(measure(fs, "mvtec", "FCDD_CNN224", epochs=1, threads=args.threads, datadir=args.mvtec_root))
    for r in rows:
        print(json.dumps(r))


if __name__ == "__main__":
    main()
