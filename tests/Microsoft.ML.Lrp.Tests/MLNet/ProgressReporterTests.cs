// LrpProgressReporter on a test clock: the figures of each report, and the rate of the MLContext.Log lines.
using Microsoft.ML.Lrp.MLNet;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Lrp.Tests.MLNet;

[TestClass]
public sealed class ProgressReporterTests
{
    [TestMethod]
    public void BatchDone_EveryThreeTenthsOfASecond_ReportsEachBatchAndLogsAtMostOncePerSecondThenAtTheEnd()
    {
        var mlContext = new MLContext(seed: 1);
        var logged = new List<string>();
        mlContext.Log += (_, e) =>
        {
            if (e.Source == LrpProgressReporter.ChannelName && e.Kind == ChannelMessageKind.Info)
            {
                logged.Add(e.RawMessage);
            }
        };
        var recorder = new ProgressRecorder();
        var now = TimeSpan.Zero;
        using (var reporter = new LrpProgressReporter(new LrpOptions { Progress = recorder }, mlContext, rowsTotal: 1000, elapsed: () => now))
        {
            for (int batch = 1; batch <= 10; batch++)
            {
                now = TimeSpan.FromSeconds(0.3 * batch);
                reporter.BatchDone(100);
            }

            reporter.Finish();
            reporter.Finish();
        }

        Assert.HasCount(10, recorder.Reports);
        for (int batch = 1; batch <= 10; batch++)
        {
            var report = recorder.Reports[batch - 1];
            double seconds = 0.3 * batch;
            double rate = 100 * batch / seconds;
            Assert.AreEqual(100L * batch, report.RowsDone);
            Assert.AreEqual(1000L, report.RowsTotal);
            Assert.AreEqual(rate, report.RowsPerSecond, 1e-6 * rate); // the clock counts 100 ns ticks
            Assert.AreEqual((1000 - 100 * batch) / rate, report.EstimatedTimeLeft!.Value.TotalSeconds, 1e-6);
        }

        // Lines at 1.2 s (400 rows) and 2.4 s (800 rows): the first whole second after the previous line; then the end.
        Assert.HasCount(3, logged, string.Join("\n", logged));
        Assert.AreEqual("LRP explained 400 of 1000 rows (333 rows/s, about 1.8 s left).", logged[0]);
        Assert.AreEqual("LRP explained 800 of 1000 rows (333 rows/s, about 0.6 s left).", logged[1]);
        Assert.AreEqual("LRP explained 1000 of 1000 rows in 3.0 s (333 rows/s).", logged[2]);
    }

    [TestMethod]
    public void Finish_RightAfterALoggedBatch_AddsNoSecondLine()
    {
        var mlContext = new MLContext(seed: 1);
        int lines = 0;
        mlContext.Log += (_, e) => lines += e.Source == LrpProgressReporter.ChannelName && e.Kind == ChannelMessageKind.Info ? 1 : 0;
        var now = TimeSpan.Zero;
        using var reporter = new LrpProgressReporter(new LrpOptions(), mlContext, rowsTotal: null, elapsed: () => now);

        now = TimeSpan.FromSeconds(2);
        reporter.BatchDone(50);
        reporter.Finish();

        Assert.AreEqual(1, lines);
        Assert.AreEqual(50L, reporter.RowsDone);
    }

    [TestMethod]
    public void ThrowIfCancellationRequested_CancelledToken_ThrowsOperationCanceled()
    {
        using var cancellation = new CancellationTokenSource();
        using var reporter = new LrpProgressReporter(new LrpOptions { CancellationToken = cancellation.Token }, environment: null, rowsTotal: null);
        reporter.ThrowIfCancellationRequested();

        cancellation.Cancel();

        Assert.ThrowsExactly<OperationCanceledException>(reporter.ThrowIfCancellationRequested);
    }
}
