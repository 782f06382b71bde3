// LrpOptions.Progress, LrpOptions.CancellationToken and the MLContext.Log lines, on a 10,000-row pipeline explaining
// TestNetworks.Mlp (input "input" [N, 10]) in batches of 256 (39 full batches and one of 16 rows).
using Microsoft.ML.Lrp.MLNet;
using Microsoft.ML.Lrp.Tests.TestModels;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Lrp.Tests.MLNet;

[TestClass]
public sealed class ProgressAndCancellationTests
{
    private const int Rows = 10_000;
    private const int BatchSize = 256;
    private const int Batches = (Rows + BatchSize - 1) / BatchSize;

    [TestMethod]
    public void Progress_TenThousandRowsOfUnknownCount_ReportsEachBatchMonotoneToTheEnd()
    {
        var mlContext = new MLContext(seed: 1);
        var data = new RowCountView(ProgressTestKit.Rows(mlContext, Rows), rows: null);
        var recorder = new ProgressRecorder();
        var pipeline = mlContext.Transforms.CopyColumns("Features", "input")
            .Append(mlContext.Transforms.ExplainWithLrp(Options() with { InputColumnName = "input", Progress = recorder }));
        using var model = pipeline.Fit(data);

        int read = ProgressTestKit.ReadAll(model.Transform(data));

        Assert.AreEqual(Rows, read);
        Assert.HasCount(Batches, recorder.Reports);
        for (int b = 0; b < Batches; b++)
        {
            var report = recorder.Reports[b];
            Assert.AreEqual(Math.Min(Rows, (b + 1L) * BatchSize), report.RowsDone);
            Assert.IsNull(report.RowsTotal);
            Assert.IsNull(report.EstimatedTimeLeft);
            Assert.IsTrue(double.IsFinite(report.RowsPerSecond) && report.RowsPerSecond > 0, $"batch {b}: {report.RowsPerSecond} rows/s");
        }

        Assert.AreEqual(Rows, recorder.Reports[^1].RowsDone);
    }

    [TestMethod]
    public void Progress_TenThousandRowsOfKnownCount_GivesTheTotalAndATimeLeftThatReachesZero()
    {
        var mlContext = new MLContext(seed: 1);
        var data = ProgressTestKit.Rows(mlContext, Rows); // an in-memory list: ML.NET knows its count
        var recorder = new ProgressRecorder();
        using var model = Fit(mlContext, data, recorder);

        ProgressTestKit.ReadAll(model.Transform(data));

        Assert.AreEqual(Rows, data.GetRowCount());
        Assert.HasCount(Batches, recorder.Reports);
        foreach (var report in recorder.Reports)
        {
            Assert.AreEqual(Rows, report.RowsTotal);
            // time left = rows left / rate
            double expected = (Rows - report.RowsDone) / report.RowsPerSecond;
            Assert.AreEqual(expected, report.EstimatedTimeLeft!.Value.TotalSeconds, 1e-3 + 1e-6 * expected);
        }

        Assert.AreEqual(TimeSpan.Zero, recorder.Reports[^1].EstimatedTimeLeft);
        CollectionAssert.AreEqual(recorder.Reports.Select(r => r.RowsDone).Order().ToList(), recorder.Reports.Select(r => r.RowsDone).ToList());
    }

    [TestMethod]
    public void Cancellation_AfterThreeBatches_ThrowsAndExplainsNoFurtherBatch()
    {
        var mlContext = new MLContext(seed: 1);
        var data = ProgressTestKit.Rows(mlContext, Rows);
        using var cancellation = new CancellationTokenSource();
        var recorder = new ProgressRecorder(p =>
        {
            if (p.RowsDone >= 3 * BatchSize)
            {
                cancellation.Cancel();
            }
        });
        CountingBatchExplainer? counting = null;
        var options = Options() with { Progress = recorder, CancellationToken = cancellation.Token };
        using var model = new LrpEstimator(options, o => counting = new CountingBatchExplainer(LrpExplainerAdapter.Factory(o))).Fit(data);
        int served = 0;

        Assert.ThrowsExactly<OperationCanceledException>(() => ProgressTestKit.ReadAll(model.Transform(data), rows => served = rows));

        Assert.AreEqual(3, counting!.Calls);
        Assert.AreEqual(3 * BatchSize, served);
        Assert.HasCount(3, recorder.Reports);
    }

    [TestMethod]
    public void Cancellation_TokenCancelledBeforeReading_ThrowsOnTheFirstRowAndExplainsNothing()
    {
        var mlContext = new MLContext(seed: 1);
        var data = ProgressTestKit.Rows(mlContext, 100);
        CountingBatchExplainer? counting = null;
        var options = Options() with { CancellationToken = new CancellationToken(canceled: true) };
        using var model = new LrpEstimator(options, o => counting = new CountingBatchExplainer(LrpExplainerAdapter.Factory(o))).Fit(data);

        Assert.ThrowsExactly<OperationCanceledException>(() => ProgressTestKit.ReadAll(model.Transform(data)));

        Assert.AreEqual(0, counting!.Calls);
    }

    [TestMethod]
    public void Log_TenThousandRows_MLContextLogReceivesTheRowsExplained()
    {
        var mlContext = new MLContext(seed: 1);
        var lines = new List<string>();
        mlContext.Log += (_, e) =>
        {
            if (e.Source == LrpProgressReporter.ChannelName && e.Kind == ChannelMessageKind.Info)
            {
                lock (lines)
                {
                    lines.Add(e.RawMessage);
                }
            }
        };
        var data = ProgressTestKit.Rows(mlContext, Rows);
        using var model = (LrpTransformer)mlContext.Transforms.ExplainWithLrp(Options()).Fit(data);

        ProgressTestKit.ReadAll(model.Transform(data));

        Assert.IsNotEmpty(lines);
        Assert.IsTrue(lines.Count <= Batches, string.Join("\n", lines));
        StringAssert.StartsWith(lines[^1], $"LRP explained {Rows} of {Rows} rows in ");
        StringAssert.Contains(lines[^1], "rows/s");
    }

    private static LrpOptions Options() => new()
    {
        ModelBytes = TestNetworks.Mlp().Model,
        Composite = LrpComposite.Epsilon,
        BatchSize = BatchSize,
    };

    private static LrpTransformer Fit(MLContext mlContext, IDataView data, IProgress<LrpProgress> progress)
        => (LrpTransformer)mlContext.Transforms.ExplainWithLrp(Options() with { Progress = progress }).Fit(data);
}
