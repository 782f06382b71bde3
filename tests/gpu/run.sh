#!/usr/bin/env bash
# Runs the ILGPU tests and the ILGPU benchmark on CUDA, on a Linux x86-64 machine with an NVIDIA driver and no .NET
# SDK (for example the device machine lent now and then, which carries at most 64 MiB of files).
#
# What it runs: the self-contained, trimmed build of tests/gpu/GpuCheck made by tests/gpu/build-bundle.sh
# (artifacts/gpu-bundle.tar.xz, 20.3 MiB packed / 74 MiB unpacked, measured 2026-11; ignored by git: build it on a
# machine with the SDK first and carry it, e.g. `run` with carry ["artifacts/gpu-bundle.tar.xz"]). The bundle holds:
#   - "selftest": a small reflection runner over the test assembly's [TestCategory("Ilgpu")] classes (the backend
#     operation tests and whole-model CPU-vs-ILGPU equality, on CUDA device 0 and on ILGPU's CPU accelerator, and
#     the device-selection tests); Assert.Inconclusive counts as skipped. Last line: "N passed, N failed, N skipped".
#   - "bench": the relevance-pass time of ResNet18 (architecture with seeded weights) and the MLP at batch 1, 8, 64,
#     CPU backend versus ILGPU on CUDA (same code as `Microsoft.ML.Lrp.Benchmarks --backend ilgpu`); ORT runs on its
#     CPU provider (only the driver's libcuda is needed). Without CUDA it says so and exits 0.
#
#   tests/gpu/run.sh [--cuda-only] [--quick] [--bundle FILE-or-DIR] [-- extra benchmark options]
#     --cuda-only  only the CUDA test classes (skips the slow CPU-accelerator ones, ~1.5 min on 2 cores)
#     --quick      one benchmark iteration per row
#   Without a GPU it still runs (the CUDA tests are skipped, the benchmark says there is no device): that is how it
#   was checked on the CPU-only development machine.
# Exit code: non-zero when a test failed (the benchmark never fails the run unless it crashes).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bundle="$here/../../artifacts/gpu-bundle.tar.xz"
selftest_args=()
bench_args=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --cuda-only) selftest_args+=(--cuda-only) ;;
        --quick) bench_args+=(--quick) ;;
        --bundle) bundle="$2"; shift ;;
        --) shift; bench_args+=("$@"); break ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

if [[ -d "$bundle" ]]; then
    dir="$bundle"
else
    [[ -f "$bundle" ]] || { echo "No GPU bundle at $bundle: build it with tests/gpu/build-bundle.sh on a machine with the .NET SDK." >&2; exit 2; }
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    tar -C "$tmp" -xJf "$bundle"
    dir="$tmp/gpu-bundle"
fi

program="$dir/Microsoft.ML.Lrp.GpuCheck"
chmod +x "$program"
export DOTNET_gcServer=0
if command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
else
    echo "nvidia-smi not found: no NVIDIA driver visible; CUDA tests will be skipped."
fi

echo "== ILGPU tests =="
status=0
"$program" selftest "${selftest_args[@]}" || status=$?

echo "== ILGPU benchmark =="
"$program" bench "${bench_args[@]}"
exit "$status"
