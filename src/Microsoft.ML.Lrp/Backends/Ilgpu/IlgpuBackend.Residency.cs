using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>
/// The storage and transfer layer of <see cref="IlgpuBackend"/>: operands served from the constant cache or the pass
/// workspace (<see cref="IlgpuWorkspace"/>, opened by <see cref="BeginPass"/>) or uploaded into pooled slots, results
/// kept in the workspace or downloaded (<c>Download</c>), the host's declarations (<see cref="ToHost"/>,
/// <see cref="HostWrote"/>), traffic counted on the running call's meter, and the strided-batched GEMM.
/// </summary>
internal sealed partial class IlgpuBackend
{
    /// <summary>Set <c>LRP_VERIFY_RESIDENCY=1</c> to check residency declarations on a GPU too (always on ILGPU's CPU accelerator).</summary>
    private static readonly bool VerifyEverywhere = Environment.GetEnvironmentVariable("LRP_VERIFY_RESIDENCY") == "1";

    /// <summary>The reader named by the engine when it copies out the pass's result (counted as an export, not a round trip).</summary>
    internal const string ExportReader = "export";

    /// <summary>The writer named by the engine for the pass's imports (the input, the captures, the seed): their uploads are counted as imports.</summary>
    internal const string ImportWriter = "import";

    /// <inheritdoc/>
    public bool HostResident => false;

    /// <summary>
    /// Whether pass workspaces check every declaration (poisoned host copies, host/device comparisons): on ILGPU's CPU
    /// accelerator, where the tests run, or with <c>LRP_VERIFY_RESIDENCY=1</c>.
    /// </summary>
    internal bool VerifyResidency => VerifyEverywhere || Accelerator.AcceleratorType == AcceleratorType.CPU;

    /// <inheritdoc/>
    public IDisposable? BeginPass()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new IlgpuWorkspace(_pool, _device.Gate, VerifyResidency).Begin();
    }

    /// <inheritdoc/>
    public void ToHost(ReadOnlySpan<float> data, [CallerMemberName] string reader = "", [CallerFilePath] string file = "")
    {
        if (Workspace is { } workspace)
        {
            workspace.ToHost(data, Cause(reader, file), export: reader == ExportReader);
        }
    }

    /// <inheritdoc/>
    public void HostWrote(ReadOnlySpan<float> data, [CallerMemberName] string writer = "", [CallerFilePath] string file = "")
    {
        if (Workspace is { } workspace)
        {
            workspace.HostWrote(data, Cause(writer, file), import: writer == ImportWriter);
        }
    }

    /// <inheritdoc/>
    public void Clear(Span<float> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (Workspace?.Tracks(data) != true)
            {
                data.Clear();
                return;
            }

            Meter?.Call();
            var zero = _pool.Floats(SlotResult, data.Length);
            zero.MemSetToZero();
            Download(zero, data);
        }
    }

    /// <inheritdoc/>
    public void Copy(ReadOnlySpan<float> source, Span<float> destination)
    {
        if (source.Length != destination.Length)
        {
            throw new ArgumentException($"Copy: {source.Length} source elements for {destination.Length} destination elements.");
        }

        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var workspace = Workspace;
            if (source.IsEmpty || (workspace?.Tracks(source) != true && workspace?.Tracks(destination) != true))
            {
                source.CopyTo(destination);
                return;
            }

            Meter?.Call();
            Download(Operand(SlotA, source), destination);
        }
    }

    /// <summary>The running pass's workspace when it is this backend's.</summary>
    private IlgpuWorkspace? Workspace => IlgpuWorkspace.Current is { } w && ReferenceEquals(w.Pool, _pool) ? w : null;

    /// <summary>Bytes of the constants held on the device.</summary>
    internal long ConstantBytes
    {
        get
        {
            lock (_device.Gate)
            {
                return _constants.Bytes;
            }
        }
    }

    private static DeviceTrafficMeter? Meter => DeviceTrafficMeter.Current;

    /// <inheritdoc/>
    public void DeclareConstant(float[] array)
    {
        ArgumentNullException.ThrowIfNull(array);
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _constants.Declare(array);
        }
    }

    /// <inheritdoc/>
    public void DeclareConstant(int[] array)
    {
        ArgumentNullException.ThrowIfNull(array);
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _constants.Declare(array);
        }
    }

    /// <inheritdoc/>
    public void GemmStridedBatched(bool transA, bool transB, int m, int n, int k, int batch, ReadOnlySpan<float> a, int strideA, ReadOnlySpan<float> b, int strideB, Span<float> c, int strideC, float beta = 0f)
    {
        var lengths = StridedBatch.Check(m, n, k, batch, a.Length, strideA, b.Length, strideB, c.Length, strideC);
        if (m == 0 || n == 0 || batch == 0)
        {
            return;
        }

        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var av = Operand(SlotA, a[..lengths.A]);
            var bv = Operand(SlotB, b[..lengths.B]);
            // Gaps between the C matrices come back with the result: uploaded so that they keep their values.
            bool packedC = batch == 1 || strideC == m * n;
            var cv = beta == 0f && packedC ? _pool.Floats(SlotC, lengths.C) : Operand(SlotC, c[..lengths.C]);
            // Launches of at most MaxGemmsPerLaunch products, each on views starting at its first slab, so that A's
            // slab z is at z·strideA (a period of the whole launch, or 1 when A is shared with stride 0).
            int perLaunch = Math.Max(1, MaxGemmsPerLaunch);
            for (int z0 = 0; z0 < batch; z0 += perLaunch)
            {
                int count = Math.Min(perLaunch, batch - z0);
                var shape = new GemmShape(m, n, k, transA, transB, beta, strideA == 0 ? 1 : count, strideA, strideB, strideC);
                LaunchGemm(av.SubView((long)z0 * strideA), bv.SubView((long)z0 * strideB), cv.SubView((long)z0 * strideC), shape, count);
            }

            Download(cv, c[..lengths.C]);
        }
    }

    /// <summary>
    /// The device view of a float operand, read-only: a constant's resident copy, the pass workspace's mirror of a
    /// tensor buffer (uploaded once), or an upload into <paramref name="slot"/>.
    /// </summary>
    private ArrayView<float> Operand(int slot, ReadOnlySpan<float> host)
        => _pool.TryResident(host, out var resident) ? resident : _pool.Upload(slot, host);

    /// <summary>
    /// The device view of an index map: its resident copy when it was declared constant (<see cref="DeclareConstant(int[])"/>),
    /// else an upload into <paramref name="slot"/>, counted as a round trip (an index map built on the host per call).
    /// </summary>
    private ArrayView<int> OperandInts(int slot, int[] host)
    {
        if (_constants.TryGet(host, out var view, out long uploaded))
        {
            if (uploaded > 0)
            {
                Meter?.HostToDevice(uploaded, constant: true);
            }

            return view;
        }

        return _pool.Upload(slot, host);
    }

    /// <summary>
    /// The device view of a small layout descriptor (a view's shape or strides): kept on the device by content, so a
    /// warm pass uploads none; longer arrays are uploaded into <paramref name="slot"/> (a named round trip).
    /// </summary>
    private ArrayView<int> Descriptor(int slot, int[] host)
    {
        if (host.Length is 0 or > IlgpuConstantCache.MaxDescriptorLength)
        {
            return _pool.Upload(slot, host);
        }

        var view = _constants.Descriptor(host, out long uploaded);
        if (uploaded > 0)
        {
            Meter?.HostToDevice(uploaded, constant: true);
        }

        return view;
    }

    /// <summary>The meter's name for host code: <c>File.Member</c>, or the name given whole when no file is given.</summary>
    private static string Cause(string member, string file)
        => file.Length == 0 ? member : $"{Path.GetFileNameWithoutExtension(file.Replace('\\', '/').Split('/')[^1])}.{member}";

    private static void Launched() => Meter?.Launch();
}
