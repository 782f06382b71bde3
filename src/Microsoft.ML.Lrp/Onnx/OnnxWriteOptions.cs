namespace Microsoft.ML.Lrp.Onnx;

/// <summary>Edits that <see cref="OnnxModel.ToBytes"/> applies to a copy of the original model.</summary>
internal sealed record OnnxWriteOptions
{
    /// <summary>
    /// Values to append as graph outputs (without a type: ONNX Runtime infers it). Names that already are graph
    /// outputs are skipped; graph inputs, initializers and node outputs are all accepted under their own name.
    /// </summary>
    public IReadOnlyList<string> ExtraOutputs { get; init; } = [];

    /// <summary>
    /// Rewrites a fixed batch dimension (dim 0 equal to 1) of every graph input and output to the symbolic "N",
    /// forgets dim 0 of value_info entries whose dim 0 is 1, and turns a leading 1 of a constant Reshape target
    /// shape into 0 (copy from input) when <c>allowzero</c> is 0.
    /// </summary>
    public bool MakeBatchDynamic { get; init; }

    /// <summary>Writes tensors stored in external files inline, so the bytes load without the model's folder.</summary>
    public bool InlineExternalData { get; init; }

    /// <summary>
    /// With <see cref="InlineExternalData"/>: leaves the external float initializers that are held once in memory
    /// (<see cref="OnnxTensorData.SharedFloats"/>) as references, for sessions that are handed them as pre-allocated
    /// initializers.
    /// </summary>
    public bool KeepSharedExternal { get; init; }
}
