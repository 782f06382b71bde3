using System.Globalization;

namespace Microsoft.ML.Lrp.Benchmarks;

/// <summary>
/// Zennit's EpsilonPlusFlat with its ResNet canonizer on torchvision's resnet18 (zennit/zennit-resnet18.py, batch 8,
/// every core) back to back with the library on the same architecture (our ResNet18 ONNX, batch 8). Needs Debian's
/// /usr/bin/python3 with torch + torchvision and a Zennit checkout: <c>--zennit DIR</c>, else $ZENNIT_DIR, else
/// /tmp/zennit (where the golden-file script's instructions put it). Without them the row says what is missing.
/// </summary>
internal static class ZennitRow
{
    public const string Name = "Images/s against Zennit (ResNet18 b8, EpsilonPlusFlat, back to back)";
    private const string Python = "/usr/bin/python3";

    public static TargetRow Measure(string[] args, Func<double> oursImagesPerSecond, double? oursPeakGiB)
    {
        string? checkout = args.SkipWhile(a => a != "--zennit").Skip(1).FirstOrDefault()
            ?? Environment.GetEnvironmentVariable("ZENNIT_DIR")
            ?? (Directory.Exists("/tmp/zennit") ? "/tmp/zennit" : null);
        string script = Path.Combine(AppContext.BaseDirectory, "zennit", "zennit-resnet18.py");
        string? missing =
            !File.Exists(Python) ? $"{Python} is absent"
            : checkout is null ? "no Zennit checkout (give --zennit DIR or ZENNIT_DIR; `git archive 0.5.1` of github.com/chr5tphr/zennit)"
            : !Directory.Exists(Path.Combine(checkout, "src", "zennit")) ? $"{checkout} holds no src/zennit"
            : !File.Exists(script) ? $"{script} is absent"
            : null;
        if (missing is not null)
        {
            return TargetRow.Missing(Name, "×", 2.5, atLeast: true, missing);
        }

        double ours = oursImagesPerSecond();
        string output;
        try
        {
            (output, _) = ChildProcess.Run(Python, [script, "--zennit", checkout!, "--batch", "8", "--warmup", "1", "--iterations", "3", "--threads", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture)], timeoutSeconds: 900);
        }
        catch (InvalidOperationException e) when (e.Message.Contains("MISSING", StringComparison.Ordinal))
        {
            return TargetRow.Missing(Name, "×", 2.5, atLeast: true, e.Message.Split('\n')[0]);
        }

        var z = ChildProcess.Fields(output, "ZENNIT");
        double zennit = ChildProcess.Number(z, "images_per_s");
        double zennitPeak = ChildProcess.Number(z, "peak_rss_bytes") / (1024.0 * 1024 * 1024);
        string ourPeak = oursPeakGiB is double p ? $"{p:F2} GiB" : "—";
        return new TargetRow(
            Name,
            ours / zennit,
            "×",
            2.5,
            AtLeast: true,
            $"ours {ours:F2} images/s, Zennit {zennit:F2} images/s (torch {z["torch"]}, {z["threads"]} threads, torchvision resnet18 random init); peak: ours {ourPeak} (explain-only child), Zennit {zennitPeak:F2} GiB");
    }
}
