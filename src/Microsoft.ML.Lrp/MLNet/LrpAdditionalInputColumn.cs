namespace Microsoft.ML.Lrp.MLNet;

/// <summary>An ONNX input that carries no relevance, fed from the column of the same name.</summary>
/// <param name="InputName">The ONNX input (and column) name.</param>
/// <param name="Column">The input column.</param>
/// <param name="RowLength">Elements per row.</param>
internal sealed record LrpAdditionalInputColumn(string InputName, DataViewSchema.Column Column, int RowLength);
