// Packs src/Microsoft.ML.Lrp into a local folder feed and explains a small model from a fresh console project that
// references the package by PackageReference only, as a user of the published package would.
using System.Globalization;
using System.Reflection;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Packaging;

[TestClass]
public sealed class PackAndConsumeTests
{
    private const int Rows = 3;
    private const int Features = 10;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [TestCategory("Packaging")]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void PackedPackage_ConsumedFromALocalFeed_ExplainsAModelWhoseRelevanceSumsToTheScore()
    {
        string root = PackagingWorkspace.RepositoryRoot();
        using var workspace = new PackagingWorkspace();
        string version = $"0.0.0-packtest.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        string configuration = typeof(PackAndConsumeTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

        // The library was built with this test project: pack those binaries (no second build).
        var pack = workspace.Dotnet(root, TestContext.CancellationToken, "pack", Path.Combine("src", "Microsoft.ML.Lrp"), "-c", configuration, "--no-build",
            "-o", workspace.Feed, $"-p:PackageVersion={version}");
        Assert.AreEqual(0, pack.ExitCode, pack.Output);
        Assert.IsTrue(File.Exists(Path.Combine(workspace.Feed, $"Microsoft.ML.Lrp.{version}.nupkg")), pack.Output);
        Assert.IsTrue(File.Exists(Path.Combine(workspace.Feed, $"Microsoft.ML.Lrp.{version}.snupkg")), pack.Output);

        var network = TestNetworks.Mlp(withBias: false);
        string model = Path.Combine(workspace.Directory, "mlp.onnx");
        File.WriteAllBytes(model, network.Model);
        var inputs = Enumerable.Range(0, Rows * Features).Select(i => (float)Math.Sin(0.37 * i + 0.2)).ToArray();
        string project = workspace.WriteConsumer(version, ConsumerProgram(inputs));

        var run = workspace.Dotnet(project, TestContext.CancellationToken, "run", "-c", "Release", "--", model);
        Assert.AreEqual(0, run.ExitCode, run.Output);

        var printed = ParseRows(run.Output);
        Assert.HasCount(Rows, printed, run.Output);
        var options = new LrpOptions { ModelBytes = network.Model, Composite = LrpComposite.Epsilon, Epsilon = 1e-9f };
        using var explainer = new LrpExplainer(options);
        var expected = explainer.Explain(inputs, Rows);
        for (int r = 0; r < Rows; r++)
        {
            var (score, relevance) = printed[r];
            Assert.HasCount(Features, relevance);
            Assert.IsTrue(relevance.All(float.IsFinite), $"row {r}: {run.Output}");
            // No biases and Epsilon with ε = 1e-9: Σ relevance = the explained score.
            Assert.AreEqual(score, relevance.Sum(), 1e-4 * Math.Max(1.0, Math.Abs(score)), $"row {r}");
            // The packaged library computes what the project reference does.
            Assert.AreEqual(expected.Scores[r], score, 1e-5f * Math.Max(1f, Math.Abs(score)));
            for (int i = 0; i < Features; i++)
            {
                Assert.AreEqual(expected.Relevance[r * Features + i], relevance[i], 1e-5f * Math.Max(1f, Math.Abs(score)));
            }
        }
    }

    /// <summary>Lines "ROW score r0 r1 …" printed by the consumer.</summary>
    private static List<(float Score, float[] Relevance)> ParseRows(string output)
        => output.Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.StartsWith("ROW ", StringComparison.Ordinal))
            .Select(line => line[4..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray())
            .Select(values => (values[0], values[1..]))
            .ToList();

    /// <summary>A user's program: an MLP explained by <c>ExplainWithLrp</c> in an ML.NET pipeline.</summary>
    private static string ConsumerProgram(float[] inputs)
    {
        string values = string.Join(", ", inputs.Select(v => v.ToString("R", CultureInfo.InvariantCulture) + "f"));
        return $$"""
            using System.Globalization;
            using Microsoft.ML;
            using Microsoft.ML.Data;
            using Microsoft.ML.Lrp;

            float[] values = [{{values}}];
            var mlContext = new MLContext(seed: 1);
            var rows = Enumerable.Range(0, {{Rows}}).Select(r => new Row { Input = values[(r * {{Features}})..((r + 1) * {{Features}})] }).ToList();
            var definition = SchemaDefinition.Create(typeof(Row));
            definition["input"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, {{Features}});
            var data = mlContext.Data.LoadFromEnumerable(rows, definition);

            using var model = mlContext.Transforms.ExplainWithLrp(new LrpOptions
            {
                ModelFile = args[0],
                InputColumnName = "input",
                Composite = LrpComposite.Epsilon,
                Epsilon = 1e-9f,
            }).Fit(data);
            foreach (var row in mlContext.Data.CreateEnumerable<Explained>(model.Transform(data), reuseRowObject: false))
            {
                var culture = CultureInfo.InvariantCulture;
                Console.WriteLine("ROW " + row.LrpScore.ToString("R", culture) + " " + string.Join(" ", row.Relevance.Select(v => v.ToString("R", culture))));
            }

            internal sealed class Row
            {
                [ColumnName("input")]
                public float[] Input { get; set; } = [];
            }

            internal sealed class Explained
            {
                public float[] Relevance { get; set; } = [];

                public float LrpScore { get; set; }
            }
            """;
    }
}
