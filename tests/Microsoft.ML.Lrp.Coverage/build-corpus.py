#!/usr/bin/python3
"""Builds the coverage benchmark's corpus: ONNX models with seeded random weights plus one sidecar JSON each.

    /usr/bin/python3 tests/Microsoft.ML.Lrp.Coverage/build-corpus.py [--out DIR] [--only NAME]... [--list]

DIR defaults to $LRP_COVERAGE_CORPUS, else ~/.cache/microsoft-ml-lrp/coverage (outside git). --only builds the models
whose name contains NAME. Needs Debian's python3-torch, python3-torchvision and python3-onnx; no weights are
downloaded (every model is built with weights=None and torch.manual_seed(0)). A model that cannot be exported is
reported and skipped; the exit status is 1 when any was.
"""
import argparse
import os
import sys
import time
import traceback

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TORCH_HOME", os.path.join(os.path.expanduser("~"), ".cache", "microsoft-ml-lrp", "torch-home-unused"))

import torch  # noqa: E402

from corpus import handwritten, quantized, recurrent, sequence, vision  # noqa: E402


def default_out():
    return os.environ.get("LRP_COVERAGE_CORPUS") or os.path.join(os.path.expanduser("~"), ".cache", "microsoft-ml-lrp", "coverage")


def all_builders():
    return vision.builders() + handwritten.builders() + recurrent.builders() + sequence.builders() + quantized.builders()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=default_out())
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--list", action="store_true", help="print the model names and exit")
    args = parser.parse_args()
    builders = [(n, b) for n, b in all_builders() if not args.only or any(o.lower() in n.lower() for o in args.only)]
    if args.list:
        print("\n".join(n for n, _ in builders))
        return 0
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    failed, built, start = [], 0, time.time()
    for name, build in builders:
        # A rebuilt model's ONNX Runtime-optimized copy (written by the C# benchmark) is stale: removed too.
        for stale in (name, name + "_ortopt"):
            for ext in (".onnx", ".json"):
                if os.path.exists(os.path.join(args.out, stale + ext)):
                    os.remove(os.path.join(args.out, stale + ext))
        t = time.time()
        try:
            sidecars = build(args.out)
            built += len(sidecars) if isinstance(sidecars, list) else 1
            print(f"{name}: {time.time() - t:.1f} s", flush=True)
        except Exception as e:  # one model's exporter failure must not stop the corpus
            first = (str(e).strip().splitlines() or [type(e).__name__])[0]
            failed.append((name, f"{type(e).__name__}: {first}"))
            print(f"{name}: FAILED {type(e).__name__}: {first}", flush=True)
            if os.environ.get("LRP_COVERAGE_TRACEBACK"):
                traceback.print_exc()
    for note in handwritten.NOTES + quantized.NOTES + sequence.NOTES:
        print("note:", note)
    print(f"{built} sidecars in {args.out} ({time.time() - start:.0f} s); {len(failed)} builders failed")
    for name, why in failed:
        print(f"  {name}: {why}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
