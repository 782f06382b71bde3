#!/usr/bin/env bash
# Builds the GPU bundle that tests/gpu/run.sh runs: the self-contained, trimmed (TrimMode=partial, CoreLib and the
# project's assemblies kept whole for ILGPU's frontend and the reflection test runner) linux-x64 build of
# tests/gpu/GpuCheck (the ILGPU test classes of Microsoft.ML.Lrp.Tests, the ILGPU benchmark and the throughput run),
# pruned of what the GPU run never loads (TensorRT provider and Windows binaries; the ResNet18 model file: the
# benchmark builds the architecture; SkiaSharp's native library; debugger and tracing libraries; symbols), packed as
# tar.xz.
#
# ONNX Runtime's CUDA provider (libonnxruntime_providers_cuda.so, 289 MB unpacked, ORT 1.32) is KEPT, in its own
# archive next to the bundle (OUT with -ort-cuda before .tar.xz): with it the main bundle would not fit the 64 MiB a
# device run carries, and the provider also needs CUDA 13's libcudart/libcublas/libcublasLt/libcurand and cuDNN 9
# on the machine, which the bundle cannot carry either. run.sh unpacks it into the bundle when it is present and
# reports which of those libraries the machine lacks; `--single` keeps the provider inside the main bundle instead.
#
#   tests/gpu/build-bundle.sh [--single] [OUT]      default OUT: artifacts/gpu-bundle.tar.xz (ignored by git)
#
# Needs the .NET 10 SDK and NuGet (first run downloads the linux-x64 runtime pack and the trimmer). Builds in a
# temporary copy of the work tree so the repository's own bin/ and obj/ are not switched to a runtime identifier.
# Measured (2026-12-07): bundle 88 MiB unpacked, 24 MiB packed; provider archive 176 MiB packed (289 MiB unpacked);
# about 7 minutes on 2 shared cores (most of it xz on the provider).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
single=0
if [[ "${1:-}" == "--single" ]]; then
    single=1
    shift
fi
out="${1:-$repo/artifacts/gpu-bundle.tar.xz}"
ort_cuda_out="${out%.tar.xz}-ort-cuda.tar.xz"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

tar -C "$repo" --exclude=./.git --exclude=bin --exclude=obj --exclude=./artifacts -cf - . | tar -C "$work" -xf -
dotnet publish "$work/tests/gpu/GpuCheck/Microsoft.ML.Lrp.GpuCheck.csproj" -c Release -p:GpuBundle=true -o "$work/gpu-bundle" -nologo

cd "$work/gpu-bundle"
rm -rf DnnImageModels libonnxruntime_providers_tensorrt.so onnxruntime.dll \
    onnxruntime_providers_*.dll libSkiaSharp.so libInstrumentationEngine.so libCoverageInstrumentationMethod.so \
    Cov_x64.config libLdaNative.so.dbg libmscordaccore.so libmscordbi.so libcoreclrtraceptprovider.so libclrgcexp.so \
    libclrgc.so createdump ./*.pdb ./*.xml
[[ -f libonnxruntime_providers_cuda.so ]] || { echo "ONNX Runtime's CUDA provider is missing from the publish output (is the GPU ORT package referenced?)" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
if [[ "$single" == 0 ]]; then
    mkdir -p "$work/ort-cuda"
    mv libonnxruntime_providers_cuda.so "$work/ort-cuda/"
    tar -C "$work" -cJf "$ort_cuda_out" ort-cuda
    echo "ONNX Runtime CUDA provider: $ort_cuda_out ($(( $(stat -c %s "$ort_cuda_out") / 1048576 )) MiB)"
fi
echo "unpacked: $(du -sm . | cut -f1) MiB"
tar -C "$work" -cJf "$out" gpu-bundle
echo "bundle: $out ($(( $(stat -c %s "$out") / 1048576 )) MiB)"
