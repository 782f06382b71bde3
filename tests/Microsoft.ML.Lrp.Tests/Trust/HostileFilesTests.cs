// Files that would hang or exhaust memory: pipes and devices named as the model or its external data, external data
// larger than its tensor, and a saved model whose entry is a zip bomb. Each must end in an LrpException, at once and
// without reading more than the header declares.
using System.Diagnostics;
using System.IO.Compression;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Onnx.Proto;
using Microsoft.ML.Lrp.Tests.MLNet;
using static Microsoft.ML.Lrp.Tests.Onnx.OnnxTestModels;

namespace Microsoft.ML.Lrp.Tests.Trust;

[TestClass]
public sealed class HostileFilesTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly float[] Weights = [1f, -2f, 3f, -4f];

    [TestMethod]
    [OSCondition(OperatingSystems.Linux | OperatingSystems.OSX)]
    public void ExternalDataInAPipe_LoadCoverageAndExplainer_ThrowAtOnce()
    {
        string folder = NewFolder();
        MakeFifo(Path.Combine(folder, "w.bin"));
        string model = Save(ExternalAdd("w.bin", length: 16), folder);

        AssertRefused(() => OnnxModel.Load(model), "'W'");
        AssertRefused(() => LrpCoverage.Analyze(model), "'W'");
        AssertRefused(() => new LrpExplainer(new LrpOptions { ModelFile = model }).Dispose(), "'W'");
    }

    [TestMethod]
    [OSCondition(OperatingSystems.Linux | OperatingSystems.OSX)]
    public void ModelFileIsAPipe_ThrowsAtOnce()
    {
        string fifo = Path.Combine(NewFolder(), "model.onnx");
        MakeFifo(fifo);

        AssertRefused(() => new LrpExplainer(new LrpOptions { ModelFile = fifo }).Dispose(), fifo);
    }

    [TestMethod]
    [OSCondition(OperatingSystems.Linux | OperatingSystems.OSX)]
    public void ModelFileIsDevZero_ThrowsWithoutReading()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(new LrpOptions { ModelFile = "/dev/zero" }));
        StringAssert.Contains(e.Message, "/dev/zero");
        Assert.IsLessThan(1L << 20, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [TestMethod]
    public void ExternalDataWithoutLengthInAHugeFile_ReadsOnlyWhatTheShapeNeeds()
    {
        string folder = NewFolder();
        string data = Path.Combine(folder, "w.bin");
        using (var file = new FileStream(data, FileMode.CreateNew))
        {
            file.Write(MemoryMarshal.AsBytes(Weights.AsSpan()));
            file.SetLength(3L << 30); // sparse: 3 GiB that take no disk
        }

        string model = Save(ExternalAdd("w.bin", length: null), folder);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var loaded = OnnxModel.Load(model);

        Assert.IsLessThan(1L << 20, GC.GetAllocatedBytesForCurrentThread() - before);
        CollectionAssert.AreEqual(Weights, loaded.Graph.Initializers["W"].ToFloats());
    }

    [TestMethod]
    public void ExternalDataLengthDisagreeingWithTheShape_ThrowsNamingTheTensor()
    {
        string folder = NewFolder();
        File.WriteAllBytes(Path.Combine(folder, "w.bin"), new byte[64]);
        string model = Save(ExternalAdd("w.bin", length: 32), folder);

        var e = Assert.ThrowsExactly<LrpException>(() => OnnxModel.Load(model));
        StringAssert.Contains(e.Message, "'W'");
        StringAssert.Contains(e.Message, "32");
        StringAssert.Contains(e.Message, "16");
    }

    [TestMethod]
    public void SavedModelWhoseOnnxEntryIsAZipBomb_ThrowsBeforeInflatingIt()
    {
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(LrpTestData.Rows(3));
        var options = LrpTestData.Options(2) with { ModelBytes = [9, 8, 7] };
        using var transformer = (LrpTransformer)new LrpEstimator(options, o => new FakeBatchExplainer(o)).Fit(data);
        string path = Path.Combine(NewFolder(), "bomb.zip");
        LrpModel.Save(mlContext, transformer, data.Schema, path);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            var entry = zip.Entries.Single(e => e.FullName.EndsWith("model.onnx", StringComparison.Ordinal));
            string name = entry.FullName;
            entry.Delete();
            using var bomb = zip.CreateEntry(name, CompressionLevel.SmallestSize).Open();
            var zeros = new byte[1 << 20];
            for (int i = 0; i < 256; i++)
            {
                bomb.Write(zeros);
            }
        }

        Assert.IsLessThan(4L << 20, new FileInfo(path).Length);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.ThrowsExactly<LrpException>(() => LrpModel.Load(mlContext, path, out _, o => new FakeBatchExplainer(o)));
        StringAssert.Contains(e.Message, "model.onnx");
        Assert.IsLessThan(64L << 20, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>Runs <paramref name="action"/> on its own thread: it must end within <see cref="Patience"/> in an LrpException naming <paramref name="named"/>.</summary>
    private static void AssertRefused(Action action, string named)
    {
        var run = Task.Factory.StartNew(
            () =>
            {
                try
                {
                    action();
                    return null;
                }
                catch (Exception e)
                {
                    return e;
                }
            },
            TaskCreationOptions.LongRunning);
        Assert.IsTrue(run.Wait(Patience), "The call still blocks (it opened a pipe).");
        Assert.IsInstanceOfType<LrpException>(run.Result, run.Result?.ToString());
        StringAssert.Contains(run.Result!.Message, named);
    }

    private static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        mkfifo.WaitForExit();
        Assert.AreEqual(0, mkfifo.ExitCode);
    }

    /// <summary>y = x[1,4] + W, W (float [1,4]) in <paramref name="location"/>, with or without a 'length' entry.</summary>
    private static ModelProto ExternalAdd(string location, int? length)
    {
        ModelProto model = NewModel();
        model.Graph.Input.Add(Value("x", 1, 4));
        var w = new TensorProto { Name = "W", DataType = (int)OnnxElementType.Float, DataLocation = TensorProto.Types.DataLocation.External };
        w.Dims.AddRange([1, 4]);
        w.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        if (length is int l)
        {
            w.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = l.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }

        model.Graph.Initializer.Add(w);
        model.Graph.Node.Add(Node("Add", "add", ["x", "W"], ["y"]));
        model.Graph.Output.Add(Value("y", 1, 4));
        return model;
    }
}
