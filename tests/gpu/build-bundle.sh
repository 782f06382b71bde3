#!/usr/bin/env bash
# Builds the GPU bundle that tests/gpu/run.sh runs: the self-contained, trimmed (TrimMode=partial, CoreLib and the
# project's assemblies kept whole for ILGPU's frontend and the reflection test runner) linux-x64 build of
# tests/gpu/GpuCheck (the ILGPU test classes of Microsoft.ML.Lrp.Tests + the ILGPU benchmark), pruned of what the
# GPU run never loads (ONNX Runtime's CUDA/TensorRT providers and Windows binaries: ORT stays on its CPU provider
# there; the ResNet18 model file: the benchmark builds the architecture; SkiaSharp's native library; debugger and
# tracing libraries; symbols), packed as one tar.xz.
#
#   tests/gpu/build-bundle.sh [OUT]      default OUT: artifacts/gpu-bundle.tar.xz (ignored by git)
#
# Needs the .NET 10 SDK and NuGet (first run downloads the linux-x64 runtime pack and the trimmer). Builds in a
# temporary copy of the work tree so the repository's own bin/ and obj/ are not switched to a runtime identifier.
# Measured (2026-11): 74 MiB unpacked, 20.3 MiB packed; about 4 minutes on 2 cores.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$repo/artifacts/gpu-bundle.tar.xz}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

tar -C "$repo" --exclude=./.git --exclude=bin --exclude=obj --exclude=./artifacts -cf - . | tar -C "$work" -xf -
dotnet publish "$work/tests/gpu/GpuCheck/Microsoft.ML.Lrp.GpuCheck.csproj" -c Release -p:GpuBundle=true -o "$work/gpu-bundle" -nologo

cd "$work/gpu-bundle"
rm -rf DnnImageModels libonnxruntime_providers_cuda.so libonnxruntime_providers_tensorrt.so onnxruntime.dll \
    onnxruntime_providers_*.dll libSkiaSharp.so libInstrumentationEngine.so libCoverageInstrumentationMethod.so \
    Cov_x64.config libLdaNative.so.dbg libmscordaccore.so libmscordbi.so libcoreclrtraceptprovider.so libclrgcexp.so \
    libclrgc.so createdump ./*.pdb ./*.xml
echo "unpacked: $(du -sm . | cut -f1) MiB"

mkdir -p "$(dirname "$out")"
tar -C "$work" -cJf "$out" gpu-bundle
echo "bundle: $out ($(( $(stat -c %s "$out") / 1048576 )) MiB)"
