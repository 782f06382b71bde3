// mlContext.Model.SaveWithLrp / LoadWithLrp on the real engine (TestNetworks.Mlp, input "input" [N, 10]).
using System.IO.Compression;
using Microsoft.ML.Lrp.MLNet;
using Microsoft.ML.Lrp.Tests.TestModels;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Lrp.Tests.MLNet;

[TestClass]
public sealed class LrpModelCatalogTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void SaveWithLrp_ThenLoadWithLrp_GivesIdenticalRelevance()
    {
        var mlContext = new MLContext(seed: 1);
        var data = ProgressTestKit.Rows(mlContext, 7);
        using var model = mlContext.Transforms.CopyColumns("Copy", "input")
            .Append(mlContext.Transforms.ExplainWithLrp(new LrpOptions { ModelBytes = TestNetworks.Mlp().Model, Target = LrpTarget.Class(2), Composite = LrpComposite.EpsilonPlus, BatchSize = 3 }))
            .Fit(data);
        string path = TempPath();

        mlContext.Model.SaveWithLrp(model, data.Schema, path);
        var loaded = mlContext.Model.LoadWithLrp(path, out var schema);

        var expected = LrpTestData.ReadVectors(model.Transform(data), "Relevance");
        var actual = LrpTestData.ReadVectors(loaded.Transform(data), "Relevance");
        Assert.HasCount(7, actual);
        for (int r = 0; r < expected.Count; r++)
        {
            CollectionAssert.AreEqual(expected[r], actual[r]);
        }

        Assert.AreEqual(data.Schema.Count, schema.Count);
        Assert.AreEqual(2, ((IEnumerable<ITransformer>)loaded).Count());
        ((IDisposable)loaded).Dispose();
    }

    [TestMethod]
    public void SaveWithLrp_OptionsWithProgressAndToken_StoresNeitherAndLoadWithLrpSetsTheGivenOnes()
    {
        var mlContext = new MLContext(seed: 1);
        var data = ProgressTestKit.Rows(mlContext, 10);
        using var cancellation = new CancellationTokenSource();
        var options = new LrpOptions { ModelBytes = TestNetworks.Mlp().Model, BatchSize = 4, Progress = new ProgressRecorder(), CancellationToken = cancellation.Token };
        using var model = (LrpTransformer)mlContext.Transforms.ExplainWithLrp(options).Fit(data);
        string path = TempPath();
        mlContext.Model.SaveWithLrp(model, data.Schema, path);

        using (var plain = (LrpTransformer)mlContext.Model.LoadWithLrp(path, out _))
        {
            Assert.IsNull(plain.Options.Progress);
            Assert.IsFalse(plain.Options.CancellationToken.CanBeCanceled);
        }

        var recorder = new ProgressRecorder();
        using var loaded = (LrpTransformer)mlContext.Model.LoadWithLrp(path, out _, recorder, cancellation.Token);
        ProgressTestKit.ReadAll(loaded.Transform(data));

        Assert.AreSame(recorder, loaded.Options.Progress);
        Assert.AreEqual(cancellation.Token, loaded.Options.CancellationToken);
        CollectionAssert.AreEqual(new long[] { 4, 8, 10 }, recorder.Reports.Select(r => r.RowsDone).ToArray());
        using var zip = ZipFile.OpenRead(path);
        string stored = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith("options.json", StringComparison.Ordinal)).Open()).ReadToEnd();
        Assert.DoesNotContain("Progress", stored, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Cancel", stored, StringComparison.OrdinalIgnoreCase);
    }

    [TestMethod]
    public void LoadWithLrp_LoadedStep_LogsToTheLoadingContext()
    {
        var saving = new MLContext(seed: 1);
        var data = ProgressTestKit.Rows(saving, 20);
        using var model = (LrpTransformer)saving.Transforms.ExplainWithLrp(new LrpOptions { ModelBytes = TestNetworks.Mlp().Model, BatchSize = 8 }).Fit(data);
        string path = TempPath();
        saving.Model.SaveWithLrp(model, data.Schema, path);
        var loading = new MLContext(seed: 2);
        var lines = new List<string>();
        loading.Log += (_, e) =>
        {
            if (e.Source == LrpProgressReporter.ChannelName && e.Kind == ChannelMessageKind.Info)
            {
                lines.Add(e.RawMessage);
            }
        };

        using var loaded = (LrpTransformer)loading.Model.LoadWithLrp(path, out _);
        ProgressTestKit.ReadAll(loaded.Transform(data));

        Assert.IsNotEmpty(lines);
        StringAssert.StartsWith(lines[^1], "LRP explained 20 of 20 rows in ");
    }

    [TestMethod]
    public void LoadWithLrp_FileThatIsNotAnLrpModel_ThrowsNamingTheFile()
    {
        var mlContext = new MLContext(seed: 1);
        string path = TempPath();
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            zip.CreateEntry("other.txt");
        }

        var error = Assert.ThrowsExactly<LrpException>(() => mlContext.Model.LoadWithLrp(path, out _));

        StringAssert.Contains(error.Message, path);
    }

    private string TempPath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"{TestContext.TestName}-{Guid.NewGuid():N}.zip");
        TestContext.WriteLine(path);
        return path;
    }
}
