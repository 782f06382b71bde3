#!/usr/bin/env bash
# Runs the ILGPU tests, the ILGPU benchmark and the throughput run on CUDA, on a Linux x86-64 machine with an NVIDIA
# driver and no .NET SDK (for example the device machine lent now and then, which carries at most 64 MiB of files).
#
# What it runs: the self-contained, trimmed build of tests/gpu/GpuCheck made by tests/gpu/build-bundle.sh
# (artifacts/gpu-bundle.tar.xz, 24 MiB packed / 88 MiB unpacked, measured 2026-12-07; ignored by git: build it on a
# machine with the SDK first and carry it, e.g. `run` with carry ["artifacts/gpu-bundle.tar.xz"]). The bundle holds:
#   - "selftest": a small reflection runner over the test assembly's [TestCategory("Ilgpu")] classes (the backend
#     operation tests, whole-model CPU-vs-ILGPU equality, the traffic tests, on CUDA device 0 and on ILGPU's CPU
#     accelerator, and the device-selection tests); Assert.Inconclusive counts as skipped. Last line:
#     "N passed, N failed, N skipped".
#   - "throughput": ResNet18 and the MiniLM-L6 encoder (architectures with seeded weights) at batch 64, relevance
#     pass on ILGPU/CUDA: explanations per second, the ratio of an explanation to ONNX Runtime's CUDA forward pass of
#     the same batch, and the device traffic of one pass (host→device and device→host MB, kernel launches, backend
#     calls). With --profile, the per-step profile (time and device traffic of every rule) goes to stderr.
#   - "bench": the relevance-pass time of ResNet18 and the MLP at batch 1, 8, 64, CPU backend versus ILGPU on CUDA.
#   ONNX Runtime's CUDA provider comes in its own archive (artifacts/gpu-bundle-ort-cuda.tar.xz, 176 MiB: more than
#   a device run carries, so only where it can be placed on the machine otherwise; see
#   build-bundle.sh); where it is given (--ort-cuda FILE) and CUDA 13's cuBLAS/cudart/cuRAND and cuDNN 9 are on the
#   machine, the forward passes run on CUDA; otherwise this script says which library is missing and ONNX Runtime
#   runs on its CPU provider (the "ORT CUDA forward" column then reads n/a).
#
#   tests/gpu/run.sh [--cuda-only] [--quick] [--skip-tests] [--profile] [--batch N] [--ort-cuda FILE]
#                    [--bundle FILE-or-DIR] [-- extra benchmark options]
#     --cuda-only   only the CUDA test classes (skips the slow CPU-accelerator ones, ~1.5 min on 2 cores)
#     --quick       one benchmark iteration per row, two for the throughput run
#     --skip-tests  throughput and benchmark only
#   Without a GPU it still runs (the CUDA tests are skipped, the benchmark and the throughput run say there is no
#   device): that is how it was checked on the CPU-only development machine.
# Exit code: non-zero when a test failed (the benchmark never fails the run unless it crashes).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bundle="$here/../../artifacts/gpu-bundle.tar.xz"
ort_cuda="$here/../../artifacts/gpu-bundle-ort-cuda.tar.xz"
selftest_args=()
bench_args=()
throughput_args=()
skip_tests=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --cuda-only) selftest_args+=(--cuda-only) ;;
        --quick) bench_args+=(--quick); throughput_args+=(--iterations 2) ;;
        --skip-tests) skip_tests=1 ;;
        --profile) export LRP_PROFILE=1 ;;
        --batch) throughput_args+=(--batch "$2"); shift ;;
        --ort-cuda) ort_cuda="$2"; shift ;;
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

# ONNX Runtime's CUDA provider: unpacked into the bundle when its archive is here; its CUDA libraries checked.
if [[ -f "$ort_cuda" && ! -f "$dir/libonnxruntime_providers_cuda.so" ]]; then
    tar -C "$dir" --strip-components=1 -xJf "$ort_cuda"
fi
if [[ -f "$dir/libonnxruntime_providers_cuda.so" ]]; then
    # Python wheels (nvidia-cublas-cu13, ...) keep CUDA's libraries outside the loader's path: add any found.
    for lib in /usr/local/lib/python3*/dist-packages/nvidia/*/lib /usr/lib/python3/dist-packages/nvidia/*/lib /usr/local/cuda/lib64; do
        [[ -d "$lib" ]] && export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$lib"
    done
    missing="$(ldd "$dir/libonnxruntime_providers_cuda.so" 2>/dev/null | awk '/not found/ {print $1}' | tr '\n' ' ')"
    if [[ -n "$missing" ]]; then
        echo "ONNX Runtime's CUDA provider cannot load here; missing: $missing(cuDNN 9 is also loaded on demand). ONNX Runtime runs on its CPU provider."
    else
        echo "ONNX Runtime's CUDA provider: its libraries resolve (cuDNN 9 is loaded on demand and may still be missing)."
    fi
else
    echo "ONNX Runtime's CUDA provider is not in the bundle (no $ort_cuda): ONNX Runtime runs on its CPU provider."
fi

status=0
if [[ "$skip_tests" == 0 ]]; then
    echo "== ILGPU tests =="
    "$program" selftest "${selftest_args[@]}" || status=$?
fi

echo "== Throughput (explanations/s, ratio to ONNX Runtime's CUDA forward, device traffic per pass) =="
"$program" throughput "${throughput_args[@]}" || { echo "The throughput run failed (exit $?)."; status=1; }

echo "== ILGPU benchmark =="
"$program" bench "${bench_args[@]}"
exit "$status"
