using Microsoft.ML;
using Microsoft.ML.Lrp.Promises;
using Microsoft.ML.Lrp.Tests.Engine;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Promises;

/// <summary>Fast-forwarded chains, the stored schedule (used without replanning, checked against the graph).</summary>
[TestClass]
public sealed class ScheduleTests
{
    [TestMethod]
    public void Schedule_RoutingChain_FastForwardedAndMatchesReference()
    {
        var network = TestNetworks.ByName("Routing");
        using var explainer = new LrpExplainer(PromiseRuns.Options(network, LrpCapturePolicy.MinimizeMemory));
        var chains = explainer.Plan.Schedule.Actions.Where(a => a.Kind == ScheduleActionKind.Relevance && a.Nodes.Count > 1).ToList();
        Assert.IsNotEmpty(chains);
        CollectionAssert.Contains(chains.SelectMany(c => c.Names).ToList(), "squeeze");
        var relevance = explainer.Explain(PromiseRuns.Input(network, 8), network.InputShape[0]).Relevance;
        EngineVersusReferenceTests.AssertClose(PromiseRuns.Reference(network, 8), relevance, "Routing fast-forwarded");
    }

    [TestMethod]
    public void Schedule_StoredJson_UsedWithoutReplanning()
    {
        var network = PromiseGraphs.PromiseTree();
        var options = PromiseRuns.Options(network, LrpCapturePolicy.MinimizeMemory);
        using var planned = new LrpExplainer(options);
        var json = planned.Statistics.ScheduleJson;

        // Loaded with the CaptureAll policy, the stored MinimizeMemory schedule still rules.
        using var loaded = new LrpExplainer(options with { CapturePolicy = LrpCapturePolicy.CaptureAll }, json);
        Assert.AreEqual(json, loaded.Statistics.ScheduleJson);
        Assert.AreEqual(planned.Statistics.Promises, loaded.Statistics.Promises);
        var input = PromiseRuns.Input(network, 2);
        PromiseRuns.AssertSame(planned.Explain(input, 2).Relevance, loaded.Explain(input, 2).Relevance, 0, "stored schedule");
    }

    [TestMethod]
    public void Schedule_StoredForAnotherGraph_ThrowsNamingTheMismatch()
    {
        using var planned = new LrpExplainer(PromiseRuns.Options(PromiseGraphs.PromiseTree(), LrpCapturePolicy.MinimizeMemory));
        var other = PromiseRuns.Options(PromiseGraphs.SharedAncestor(), LrpCapturePolicy.MinimizeMemory);
        var ex = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(other, planned.Statistics.ScheduleJson));
        StringAssert.Contains(ex.Message, "does not match the model");
    }

    [TestMethod]
    [DataRow("\"Actions\":[", "\"Actions\":[null,")]
    [DataRow("\"Captures\":[", "\"Captures\":null,\"Ignored\":[")]
    [DataRow("\"Release\":[", "\"Release\":[null,")]
    [DataRow("\"Names\":[", "\"Names\":null,\"Ignored\":[")]
    [DataRow("\"Kind\":\"", "\"Kind\":99,\"Ignored\":\"")]
    public void Schedule_StoredWithNulls_ThrowsLrpException(string find, string replace)
    {
        var options = PromiseRuns.Options(PromiseGraphs.PromiseTree(), LrpCapturePolicy.MinimizeMemory);
        using var planned = new LrpExplainer(options);
        string json = planned.Statistics.ScheduleJson;
        int at = json.IndexOf(find, StringComparison.Ordinal);
        Assert.IsGreaterThanOrEqualTo(0, at, $"the schedule has no {find}");
        string corrupted = string.Concat(json.AsSpan(0, at), replace, json.AsSpan(at + find.Length));

        var ex = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(options, corrupted));
        StringAssert.Contains(ex.Message, "schedule");
    }

    [TestMethod]
    public void SaveLoad_LrpStep_KeepsTheSchedule()
    {
        var network = PromiseGraphs.ReluReshapeTransposeChain();
        var mlContext = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 4).Select(i => new Row { input = PromiseRuns.Input(network, 20 + i)[..8] }).ToList();
        var data = mlContext.Data.LoadFromEnumerable(rows);
        var model = mlContext.Transforms.ExplainWithLrp(PromiseRuns.Options(network, LrpCapturePolicy.MinimizeMemory)).Fit(data);
        string path = Path.Combine(Path.GetTempPath(), $"promise-{Guid.NewGuid():N}.zip");
        try
        {
            LrpModel.Save(mlContext, model, data.Schema, path);
            var loaded = (LrpTransformer)LrpModel.Load(mlContext, path, out _);
            Assert.AreEqual(model.Statistics.ScheduleJson, loaded.Statistics.ScheduleJson);
            Assert.AreEqual(model.Statistics.CapturedBytesPerSample, loaded.Statistics.CapturedBytesPerSample);
            loaded.Dispose();
        }
        finally
        {
            File.Delete(path);
            model.Dispose();
        }
    }

    private sealed class Row
    {
        [Microsoft.ML.Data.VectorType(8)]
        public float[] input { get; set; } = [];
    }
}
