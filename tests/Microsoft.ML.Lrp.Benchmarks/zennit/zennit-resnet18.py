"""Zennit's EpsilonPlusFlat (with its ResNetCanonizer) on torchvision's resnet18, batch 8, CPU: images/s and peak RSS.

Installs nothing. Needs torch + torchvision importable by the interpreter that runs it (Debian's python3-torch and
python3-torchvision) and a Zennit checkout (github.com/chr5tphr/zennit, 0.5.1) given by --zennit DIR (its src/ is put
on sys.path). The weights are torchvision's random initialisation (seeded): nothing is downloaded; the architecture
and so the work per image is what the comparison needs. The input is seeded random, the target the predicted class
(one-hot of the argmax, as the library's default target).

    /usr/bin/python3 zennit-resnet18.py --zennit /tmp/zennit [--batch 8] [--warmup 2] [--iterations 5] [--threads N]

Prints one line:  ZENNIT images_per_s=<float> ms_per_image=<float> peak_rss_bytes=<int> threads=<int> torch=<ver>
"""
import argparse
import os
import resource
import sys
import time


def peak_rss_bytes():
    """VmHWM of this process. Not getrusage's ru_maxrss: Linux carries that across execve, so a script started by a
    large process (the benchmark) would report its parent's peak."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zennit", required=True, help="a Zennit checkout (the folder holding src/zennit)")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="torch threads (default: every core, as ONNX Runtime and the library use; Debian's torch starts with 1)")
    args = parser.parse_args()

    source = os.path.join(args.zennit, "src")
    if not os.path.isdir(os.path.join(source, "zennit")):
        print(f"MISSING no Zennit package under {source}")
        return 2
    sys.path.insert(0, source)
    try:
        import torch
        import torchvision
    except ImportError as error:
        print(f"MISSING torch/torchvision not importable by {sys.executable}: {error}")
        return 2
    from zennit.attribution import Gradient
    from zennit.composites import EpsilonPlusFlat
    from zennit.torchvision import ResNetCanonizer

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = torchvision.models.resnet18().eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    images = torch.empty(args.batch, 3, 224, 224).uniform_(-2.0, 2.0)
    composite = EpsilonPlusFlat(canonizers=[ResNetCanonizer()])

    def one_hot(output):
        return torch.nn.functional.one_hot(output.argmax(1), output.shape[1]).to(output.dtype)

    times = []
    with Gradient(model=model, composite=composite) as attributor:
        for i in range(args.warmup + args.iterations):
            start = time.perf_counter()
            _, relevance = attributor(images, one_hot)
            elapsed = time.perf_counter() - start
            if i >= args.warmup:
                times.append(elapsed)
    if not torch.isfinite(relevance).all():
        print("MISSING Zennit's relevance is not finite")
        return 3
    times.sort()
    median = times[len(times) // 2]
    peak = peak_rss_bytes()
    print(f"ZENNIT images_per_s={args.batch / median:.3f} ms_per_image={1000 * median / args.batch:.2f} "
          f"peak_rss_bytes={peak} threads={torch.get_num_threads()} torch={torch.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
