namespace Microsoft.ML.Lrp.MLNet;

/// <summary>One step of an <see cref="LrpModelManifest"/>: a run of ML.NET transformers or one LRP step.</summary>
internal sealed record LrpModelManifestStep
{
    public const string MLNetKind = "MLNet", LrpKind = "Lrp";

    public string Kind { get; init; } = MLNetKind;

    /// <summary>The nested <c>mlContext.Model.Save</c> zip (ML.NET) or the ONNX model bytes (LRP).</summary>
    public string Entry { get; init; } = "";

    /// <summary>ML.NET: the run of several transformers was saved as one <c>TransformerChain</c> to be unwrapped.</summary>
    public bool Wrapped { get; init; }

    /// <summary>LRP: the options JSON.</summary>
    public string? OptionsEntry { get; init; }

    /// <summary>LRP: the static relevance schedule JSON (absent in files saved before the Promise System).</summary>
    public string? ScheduleEntry { get; init; }
}
