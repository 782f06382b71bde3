namespace Microsoft.ML.Lrp.Benchmarks;

/// <summary>One line of the benchmark table.</summary>
/// <param name="Model">What was measured.</param>
/// <param name="Batch">Rows per ONNX Runtime call and relevance pass.</param>
/// <param name="OrtMsPerImage">Plain ONNX Runtime forward pass, median, per image.</param>
/// <param name="LrpMsPerImage">LrpExplainer.Explain with EpsilonPlusFlat, median, per image.</param>
/// <param name="CapturedBytesPerImage">Bytes of captured activations per image (the plan's statistics).</param>
/// <param name="PeakWorkingSetMiB">The process's peak working set after the row (cumulative over the run).</param>
internal sealed record BenchmarkRow(string Model, int Batch, double OrtMsPerImage, double LrpMsPerImage, long CapturedBytesPerImage, double PeakWorkingSetMiB)
{
    public static string Header =>
        "| Model | Batch | ORT forward ms/image | LRP (EpsilonPlusFlat) ms/image | Ratio | Captured bytes/image | Peak working set MiB |\n" +
        "|---|---:|---:|---:|---:|---:|---:|";

    public string ToMarkdown()
    {
        return $"| {Model} | {Batch} | {Milliseconds(OrtMsPerImage)} | {Milliseconds(LrpMsPerImage)} | {LrpMsPerImage / OrtMsPerImage:F2} | {CapturedBytesPerImage:N0} | {PeakWorkingSetMiB:F0} |";
    }

    /// <summary>Three significant digits at least: 0.0123, 1.23, 123.45.</summary>
    public static string Milliseconds(double ms) => ms >= 1 ? ms.ToString("F2") : ms.ToString("G3");
}
