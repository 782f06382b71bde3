using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Lrp.MLNet;

/// <summary>
/// The progress and cancellation of one data-view cursor of an LRP step: checks <see cref="LrpOptions.CancellationToken"/>
/// before each batch, sends an <see cref="LrpProgress"/> to <see cref="LrpOptions.Progress"/> after each batch, and
/// writes the same figures to ML.NET's log (an Info message on the channel <see cref="ChannelName"/>) at most once per
/// <see cref="LogInterval"/>, plus a last line when the cursor reaches the end of its input.
/// </summary>
internal sealed class LrpProgressReporter : IDisposable
{
    /// <summary>The ML.NET channel (the <c>Source</c> of <c>MLContext.Log</c>'s messages).</summary>
    public const string ChannelName = "ExplainWithLrp";

    /// <summary>The shortest time between two log lines.</summary>
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(1);

    private readonly IProgress<LrpProgress>? _progress;
    private readonly CancellationToken _cancellation;
    private readonly IChannel? _channel;
    private readonly long? _rowsTotal;
    private readonly Func<TimeSpan> _elapsed;
    private TimeSpan _lastLogged;
    private long _rowsDone;
    private long _rowsLogged;
    private bool _finished;

    /// <param name="options">The step's options (progress sink and cancellation token).</param>
    /// <param name="environment">The ML.NET environment to log to; null logs nothing.</param>
    /// <param name="rowsTotal">The rows of the data view, when it knows them.</param>
    /// <param name="elapsed">The time since the cursor started; null uses a stopwatch started now (tests pass a clock).</param>
    public LrpProgressReporter(LrpOptions options, IHostEnvironment? environment, long? rowsTotal, Func<TimeSpan>? elapsed = null)
    {
        _progress = options.Progress;
        _cancellation = options.CancellationToken;
        _rowsTotal = rowsTotal;
        if (elapsed is null)
        {
            var clock = Stopwatch.StartNew();
            elapsed = () => clock.Elapsed;
        }

        _elapsed = elapsed;
        _channel = environment?.Start(ChannelName);
    }

    /// <summary>Rows explained so far.</summary>
    public long RowsDone => _rowsDone;

    /// <summary>Throws <see cref="OperationCanceledException"/> when the options' token is cancelled (called before each batch).</summary>
    public void ThrowIfCancellationRequested() => _cancellation.ThrowIfCancellationRequested();

    /// <summary>Records a batch of <paramref name="rows"/> explained rows: reports it, and logs it when a log line is due.</summary>
    public void BatchDone(int rows)
    {
        _rowsDone += rows;
        var now = _elapsed();
        var progress = Snapshot(now);
        _progress?.Report(progress);
        if (_channel is not null && now - _lastLogged >= LogInterval)
        {
            Log(progress, now, final: false);
        }
    }

    /// <summary>The cursor has read all its input: logs the last line (once) unless nothing was explained.</summary>
    public void Finish()
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        if (_channel is not null && _rowsDone > 0 && _rowsDone != _rowsLogged)
        {
            var now = _elapsed();
            Log(Snapshot(now), now, final: true);
        }
    }

    /// <summary>Closes the ML.NET channel.</summary>
    public void Dispose() => _channel?.Dispose();

    private LrpProgress Snapshot(TimeSpan now)
    {
        double seconds = now.TotalSeconds;
        double rate = seconds > 0 ? _rowsDone / seconds : 0;
        TimeSpan? left = _rowsTotal is { } total && rate > 0
            ? TimeSpan.FromSeconds(Math.Max(0, total - _rowsDone) / rate)
            : null;
        return new LrpProgress(_rowsDone, _rowsTotal, rate, left);
    }

    private void Log(LrpProgress progress, TimeSpan now, bool final)
    {
        _lastLogged = now;
        _rowsLogged = progress.RowsDone;
        var culture = CultureInfo.InvariantCulture;
        string rows = progress.RowsTotal is { } total
            ? string.Format(culture, "{0} of {1} rows", progress.RowsDone, total)
            : string.Format(culture, "{0} rows", progress.RowsDone);
        string message = final
            ? string.Format(culture, "LRP explained {0} in {1:F1} s ({2:F0} rows/s).", rows, now.TotalSeconds, progress.RowsPerSecond)
            : string.Format(culture, "LRP explained {0} ({1:F0} rows/s{2}).", rows, progress.RowsPerSecond,
                progress.EstimatedTimeLeft is { } left ? string.Format(culture, ", about {0:F1} s left", left.TotalSeconds) : "");
        _channel!.Info(MessageSensitivity.None, message);
    }
}
