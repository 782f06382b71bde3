using ExplainSearch;

namespace Microsoft.ML.Lrp.Tests.Transformer.MiniLm;

/// <summary><see cref="LrpCoverage"/> on all-MiniLM-L6-v2 as the package ships it, and with the pooling step.</summary>
[TestClass]
public sealed class MiniLmCoverageTests
{
    [TestMethod]
    public void Analyze_MiniLmFile_CoversEveryNodeWithAttnLrp()
    {
        string path = Path.Combine(Path.GetTempPath(), "lrp-minilm-" + Guid.NewGuid().ToString("N") + ".onnx");
        File.WriteAllBytes(path, MiniLmPackage.ReadModel());
        try
        {
            var report = LrpCoverage.Analyze(path);

            Assert.AreEqual(LrpComposite.AttnLrp, report.Composite);
            Assert.AreEqual("input_ids", report.InputName);
            Assert.AreEqual("last_hidden_state", report.OutputName);
            Assert.AreEqual(0, report.UnsupportedOpTypes.Count, report.ToString());
            Assert.AreEqual(report.Nodes, report.CoveredNodes);
            Assert.AreEqual(1.0, report.Coverage, 1e-12);
            Assert.IsGreaterThan(100, report.RelevanceNodes);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void Analyze_PooledMiniLm_IsComplete()
    {
        var report = LrpCoverage.Analyze(new LrpOptions { ModelBytes = MiniLmFixture.Encoder.PooledModel, OutputName = MiniLmEncoder.EmbeddingOutput, Composite = LrpComposite.AttnLrp });

        Assert.IsTrue(report.IsComplete, report.ToString());
        Assert.AreEqual(1.0, report.Coverage, 1e-12);
    }
}
