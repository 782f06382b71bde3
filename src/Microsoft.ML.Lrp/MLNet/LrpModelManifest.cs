namespace Microsoft.ML.Lrp.MLNet;

/// <summary>The table of contents of an <see cref="LrpModel"/> zip (entry <c>lrp-model.json</c>).</summary>
internal sealed record LrpModelManifest
{
    public const string FormatName = "Microsoft.ML.Lrp.Model";

    public const int CurrentVersion = 1;

    public string Format { get; init; } = FormatName;

    public int Version { get; init; } = CurrentVersion;

    /// <summary>True when the saved model was a <c>TransformerChain</c> (Load returns a chain even of one step).</summary>
    public bool IsChain { get; init; }

    public List<LrpModelManifestStep> Steps { get; init; } = [];
}
