using System.Runtime.InteropServices;
using Microsoft.ML.Lrp.Backends.Ilgpu;
using Microsoft.ML.Lrp.Rules.Bodies;
using Microsoft.ML.Lrp.Tensors;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>
/// The ILGPU pass workspace (<see cref="IlgpuWorkspace"/>) on ILGPU's CPU accelerator: the pass's tensor buffers are
/// uploaded once, results stay on the device until host code declares a read, declared writes are uploaded again,
/// released buffers give their mirrors back, and (verification, on by default on this accelerator) an undeclared
/// host write throws and an undeclared read sees the poison NaN. Whole passes: a warm pass uploads only its imports
/// (input, captures, seed), each once, downloads only its input relevance, and moves per-row scalars; no round trip.
/// </summary>
[TestClass]
[TestCategory("Ilgpu")]
public sealed class TrafficResidencyTests
{
    private const int N = 37;

    [TestMethod]
    public void Workspace_ResultsStayOnDevice_UntilDeclaredRead()
    {
        using var backend = new IlgpuBackend(IlgpuDevice.CpuEmulator());
        using var meter = DeviceTrafficMeter.Begin();
        using (backend.BeginPass())
        {
            var (a, b) = (Filled(backend, 1), Filled(backend, 2));
            var c = TensorArena.Allocate(N, clear: false);
            var d = TensorArena.Allocate(N, clear: false);
            backend.Map(new Sum(), a, b, c);
            backend.Map(new Product(), c, a, d);
            backend.Map(new Difference(), d, c, c);
            var before = meter.Meter.Snapshot();
            Assert.AreEqual(2L * N * sizeof(float), before.HostToDeviceBytes, "a and b uploaded once each");
            Assert.AreEqual(2L * N * sizeof(float), before.ImportHostToDeviceBytes);
            Assert.AreEqual(0L, before.DeviceToHostBytes, "no result downloaded");

            backend.ToHost(c);
            backend.ToHost(c);
            var after = meter.Meter.Snapshot();
            Assert.AreEqual((long)N * sizeof(float), after.DeviceToHostBytes, "c downloaded once");
            var (ea, eb) = (new SeededWeights(1).Uniform(N, -1f, 1f), new SeededWeights(2).Uniform(N, -1f, 1f));
            for (int i = 0; i < N; i++)
            {
                double expected = (((double)ea[i] + eb[i]) * ea[i]) - ((double)ea[i] + eb[i]);
                Assert.AreEqual(expected, c[i], 1e-5, $"element {i}");
            }
        }
    }

    [TestMethod]
    public void Workspace_DeclaredHostWrite_UploadedAgainAndNamed()
    {
        using var backend = new IlgpuBackend(IlgpuDevice.CpuEmulator());
        using var meter = DeviceTrafficMeter.Begin();
        using (backend.BeginPass())
        {
            var a = Filled(backend, 1);
            var y = TensorArena.Allocate(N, clear: false);
            backend.Map(new Sum(), a, a, y);
            a[3] = 100f;
            backend.HostWrote(a);
            backend.Map(new Sum(), a, a, y);
            backend.ToHost(y);
            var traffic = meter.Meter.Snapshot();
            Assert.AreEqual(200f, y[3]);
            Assert.AreEqual(2L * N * sizeof(float), traffic.HostToDeviceBytes, "the import, then the re-upload");
            Assert.AreEqual((long)N * sizeof(float), traffic.RoundTripHostToDeviceBytes);
            StringAssert.Contains(traffic.RoundTrips, "re-upload after TrafficResidencyTests.Workspace_DeclaredHostWrite_UploadedAgainAndNamed");
        }
    }

    [TestMethod]
    public void Workspace_ZeroedBuffer_ClearedOnDeviceWithoutTransfer()
    {
        using var backend = new IlgpuBackend(IlgpuDevice.CpuEmulator());
        using var meter = DeviceTrafficMeter.Begin();
        using (backend.BeginPass())
        {
            var a = Filled(backend, 1);
            var accumulator = TensorArena.Allocate(N);
            backend.Map(new Sum(), accumulator, a, accumulator);
            backend.Map(new Sum(), accumulator, a, accumulator);
            backend.ToHost(accumulator);
            Assert.AreEqual((long)N * sizeof(float), meter.Meter.Snapshot().HostToDeviceBytes, "a only: the zeros are made on the device");
            Assert.AreEqual(2 * a[5], accumulator[5], 1e-6);
        }
    }

    [TestMethod]
    public void Workspace_UndeclaredHostWrite_Throws()
    {
        using var backend = new IlgpuBackend(IlgpuDevice.CpuEmulator());
        Assert.IsTrue(backend.VerifyResidency);
        using (backend.BeginPass())
        {
            var a = Filled(backend, 1);
            var y = TensorArena.Allocate(N, clear: false);
            backend.Map(new Sum(), a, a, y);
            a[0] = 5f;
            var e = Assert.ThrowsExactly<InvalidOperationException>(() => backend.Map(new Sum(), a, a, y));
            StringAssert.Contains(e.Message, "changed on the host after its last upload");
            backend.HostWrote(a);
        }
    }

    [TestMethod]
    public void Workspace_UndeclaredRead_SeesPoison()
    {
        using var backend = new IlgpuBackend(IlgpuDevice.CpuEmulator());
        using (backend.BeginPass())
        {
            var a = Filled(backend, 1);
            var y = TensorArena.Allocate(N, clear: false);
            backend.Map(new Sum(), a, a, y);
            Assert.AreEqual(IlgpuWorkspace.PoisonBits, MemoryMarshal.Cast<float, uint>(y.AsSpan())[4]);
            backend.ToHost(y);
            Assert.AreEqual(2 * a[4], y[4], 1e-6);
        }
    }

    [TestMethod]
    public void Workspace_ReleasedBuffer_ForgottenAndPassEndFreesAll()
    {
        using var backend = new IlgpuBackend(IlgpuDevice.CpuEmulator());
        IlgpuWorkspace workspace;
        using (backend.BeginPass())
        {
            workspace = IlgpuWorkspace.Current!;
            var a = Filled(backend, 1);
            var y = TensorArena.Allocate(N, clear: false);
            backend.Map(new Sum(), a, a, y);
            Assert.AreEqual(2, workspace.TrackedBuffers);
            TensorArena.Release(y);
            Assert.AreEqual(1, workspace.TrackedBuffers);
            backend.ToHost(y);
            Assert.AreEqual(IlgpuWorkspace.PoisonBits, MemoryMarshal.Cast<float, uint>(y.AsSpan())[0], "a released buffer is no longer the workspace's");
        }

        Assert.AreEqual(0, workspace.TrackedBuffers);
        Assert.IsNull(IlgpuWorkspace.Current);
    }

    [TestMethod]
    public void IndexMap_DeclaredConstant_UploadedOnceElseNamedRoundTrip()
    {
        using var backend = new IlgpuBackend(IlgpuDevice.CpuEmulator());
        int[] map = [.. Enumerable.Range(0, N).Select(i => (i * 7) % N)];
        int[] undeclared = (int[])map.Clone();
        backend.DeclareConstant(map);
        var expected = map.Select(m => new SeededWeights(1).Uniform(N, -1f, 1f)[m]).ToArray();
        for (int call = 0; call < 2; call++)
        {
            using var meter = DeviceTrafficMeter.Begin();
            using (backend.BeginPass())
            {
                var x = Filled(backend, 1);
                var y = TensorArena.Allocate(N, clear: false);
                var z = TensorArena.Allocate(N, clear: false);
                backend.GatherByMap(map, x, 0f, y);
                backend.ToHost(y);
                CollectionAssert.AreEqual(expected, y, $"declared map, call {call}");
                var declared = meter.Meter.Snapshot();
                Assert.AreEqual(call == 0 ? (long)N * sizeof(int) : 0L, declared.ConstantHostToDeviceBytes, $"the declared map goes up on the first call only (call {call})");
                Assert.AreEqual(0L, declared.RoundTripHostToDeviceBytes, $"a declared map is no round trip (call {call})");

                backend.GatherByMap(undeclared, x, 0f, z);
                backend.ToHost(z);
                CollectionAssert.AreEqual(expected, z, $"undeclared map, call {call}");
                var after = meter.Meter.Snapshot();
                Assert.AreEqual((long)N * sizeof(int), after.RoundTripHostToDeviceBytes, $"an undeclared map goes up on every call (call {call})");
                StringAssert.Contains(after.RoundTrips, "index maps (int)");
            }
        }
    }

    /// <summary>
    /// Dense, convolutional (MaxPool; average pooling; a Flat first layer; GlobalMaxPool), residual, transformer
    /// (attention, fast-forwarded chains, routing replays, a kept-rows dense head) and routing networks.
    /// </summary>
    public static IEnumerable<object[]> Networks()
    {
        yield return ["Mlp", LrpComposite.Epsilon];
        yield return ["VggLike", LrpComposite.EpsilonPlus];
        yield return ["ResNetLike", LrpComposite.EpsilonGammaBox];
        yield return ["BertLike", LrpComposite.AttnLrp];
        yield return ["GptLike", LrpComposite.AttnLrp];
        yield return ["Pools", LrpComposite.EpsilonPlusFlat];
        yield return ["GlobalMaxPool", LrpComposite.EpsilonPlus];
        yield return ["Routing", LrpComposite.Epsilon];
        yield return ["Activations", LrpComposite.Epsilon];
        yield return ["SubAndSum", LrpComposite.EpsilonAlpha2Beta1];
        yield return ["GatherActivation", LrpComposite.Epsilon];
        yield return ["ConvTranspose", LrpComposite.EpsilonGammaBox];
    }

    /// <summary>
    /// What a warm pass moves. Host→device: the imports only, each at most once (the input, the seed and the
    /// captured activations; weights, index maps and view descriptors were uploaded as constants by the first call),
    /// plus per-row scalars. Device→host: the input relevance plus per-row scalars (row sums, quotient totals, the row
    /// list a dense rule keeps). No round trip: no host code reads or writes a tensor of the pass in between, and
    /// every result of a device operation stays on the device.
    /// </summary>
    [TestMethod]
    [DynamicData(nameof(Networks))]
    public void Explain_WarmPass_MovesOnlyImportsExportsAndPerRowScalars(string name, LrpComposite composite)
    {
        var network = name switch
        {
            "VggLike" => TestNetworks.VggLike(dilation: 1),
            "ResNetLike" => TestNetworks.ResNetLike(projection: true),
            _ => TestNetworks.ByName(name),
        };
        const int batch = 3;
        using var explainer = TrafficTests.Ilgpu(network, composite, batch);
        var input = TrafficTests.Input(network, batch);
        explainer.Explain(input, batch);
        explainer.Explain(input, batch);
        var t = explainer.LastDeviceTraffic;
        Console.WriteLine($"{name}: {t}; imports {t.ImportHostToDeviceBytes:N0} B, export {t.ExportDeviceToHostBytes:N0} B, round trips: {t.RoundTrips}");

        var plan = explainer.Plan;
        long captured = plan.Captures.Append(explainer.OutputName).Distinct().Sum(c => (long)Tensor.ShapeSize(plan.Shapes.Shape(c, batch)));
        long inputFloats = input.Length;
        long seedFloats = (long)Tensor.ShapeSize(plan.Shapes.Shape(explainer.OutputName, batch));
        Assert.IsTrue(explainer.ResidencyAudited, "every rule of the test networks is audited for residency");
        Assert.AreEqual(0L, t.ConstantHostToDeviceBytes, "weights, index maps and descriptors only on the first call");
        if (composite is not (LrpComposite.EpsilonPlusFlat or LrpComposite.EpsilonAlpha2Beta1Flat))
        {
            // A Flat first layer reads no input.
            Assert.IsGreaterThanOrEqualTo(inputFloats * sizeof(float), t.ImportHostToDeviceBytes, "the input is uploaded");
        }

        Assert.IsLessThanOrEqualTo(sizeof(float) * (inputFloats + seedFloats + captured), t.ImportHostToDeviceBytes, "each import at most once");
        Assert.AreEqual(0L, t.RoundTripHostToDeviceBytes, $"host→device round trips ({t.RoundTrips})");
        Assert.AreEqual(0L, t.RoundTripDeviceToHostBytes, $"device→host round trips ({t.RoundTrips})");
        Assert.AreEqual(t.ImportHostToDeviceBytes + t.UntrackedHostToDeviceBytes, t.HostToDeviceBytes, $"host→device beyond imports and per-row scalars ({t.RoundTrips})");
        Assert.AreEqual(t.ExportDeviceToHostBytes + t.UntrackedDeviceToHostBytes, t.DeviceToHostBytes, $"device→host beyond the export and per-row scalars ({t.RoundTrips})");
        Assert.AreEqual(inputFloats * sizeof(float), t.ExportDeviceToHostBytes, "the export is the input relevance");
        // Untracked transfers are host arrays outside the arena: per-row scalars (row sums, quotient totals, kept row
        // lists) and a few small scratch operands. They stay O(batch × steps): at most 128 floats per row and step.
        long untrackedBound = 128L * sizeof(float) * batch * plan.Steps.Count;
        Assert.IsLessThanOrEqualTo(untrackedBound, t.UntrackedHostToDeviceBytes + t.UntrackedDeviceToHostBytes, $"untracked transfers beyond O(batch × steps) ({t.RoundTrips})");
    }

    /// <summary>A buffer of the pass filled on the host and declared an import (as the engine does with the input and captures).</summary>
    private static float[] Filled(IlgpuBackend backend, int seed)
    {
        var a = TensorArena.Allocate(N, clear: false);
        new SeededWeights(seed).Uniform(N, -1f, 1f).CopyTo(a, 0);
        backend.HostWrote(a, IlgpuBackend.ImportWriter);
        return a;
    }
}
