using System.Text.Json.Serialization;

namespace Microsoft.ML.Lrp.Coverage;

/// <summary>How to feed one model input: its per-row shape, element type and the values that are valid for it.</summary>
internal sealed class CorpusInput
{
    /// <summary>The ONNX input name.</summary>
    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    /// <summary><c>float32</c>, <c>int64</c> or <c>int32</c>.</summary>
    [JsonPropertyName("dtype")]
    public string ElementType { get; init; } = "float32";

    /// <summary>The shape of one row: the input's shape without its batch axis (empty for a scalar).</summary>
    [JsonPropertyName("row_shape")]
    public int[] RowShape { get; init; } = [];

    /// <summary>Which axis of the input is the batch (0 for most; 1 for a <c>[2, batch, H]</c> state); null: none (a scalar or a shared tensor).</summary>
    [JsonPropertyName("batch_axis")]
    public int? BatchAxis { get; init; } = 0;

    /// <summary>Smallest value (inclusive).</summary>
    [JsonPropertyName("low")]
    public double Low { get; init; }

    /// <summary>Largest value: inclusive for floats, exclusive for integers (a token id is below the vocabulary size).</summary>
    [JsonPropertyName("high")]
    public double High { get; init; } = 1;

    /// <summary>When set, every element takes this value (masks of ones, zero states, a sample rate).</summary>
    [JsonPropertyName("fill")]
    public double? Fill { get; init; }

    /// <summary>Elements of one row.</summary>
    [JsonIgnore]
    public int RowLength => RowShape.Aggregate(1, (a, b) => a * b);

    /// <summary>Elements fed for <paramref name="rows"/> rows (one row's worth for an input without a batch axis).</summary>
    public int Length(int rows) => BatchAxis is null ? RowLength : rows * RowLength;

    /// <summary>True for integer inputs.</summary>
    [JsonIgnore]
    public bool IsInteger => ElementType is "int64" or "int32";
}
