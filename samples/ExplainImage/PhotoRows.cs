namespace ExplainImage;

/// <summary>One photo to load: a file name inside the sample's <c>images/</c> folder.</summary>
internal sealed class PhotoInput
{
    public string ImagePath { get; set; } = "";
}

/// <summary>One photo after the ML.NET pipeline: the model input, the background for the heatmap, the features.</summary>
internal sealed class PhotoRow
{
    public string ImagePath { get; set; } = "";

    /// <summary>ResNet18's input (<c>Input247</c>, 3 × 224 × 224, BGR minus the mean image), as ResNetPreprocess.onnx makes it.</summary>
    public float[] Input247 { get; set; } = [];

    /// <summary>The resized photo as interleaved 8-bit RGB, 224 × 224 × 3 bytes.</summary>
    public byte[] Background { get; set; } = [];

    /// <summary>ResNet18's 512 pooled features (its output <c>Pooling395_Output_0</c>, 1 × 512 × 1 × 1).</summary>
    public float[] Pooling395_Output_0 { get; set; } = [];
}

/// <summary>The columns ExplainWithLrp adds that the sample reads (for the ML.NET form of the explanation step).</summary>
internal sealed class ExplainedRow
{
    /// <summary>Relevance of <c>Input247</c>, 3 × 224 × 224.</summary>
    public float[] Relevance { get; set; } = [];

    /// <summary>The explained score, <c>w · f</c>.</summary>
    public float LrpScore { get; set; }
}
