namespace Microsoft.ML.Lrp.Backends.Bodies;

/// <summary>
/// A convolution bound by a backend to one immutable weight array and one geometry (any batch), from
/// <see cref="IRelevanceBackend.BindConvolution"/>: the CPU backend binds an ONNX Runtime session to it once, so
/// repeated calls skip the kernel cache's content comparison.
/// </summary>
internal interface IBoundConvolution
{
    /// <summary>Runs the bound map (forward, or transposed when bound so) on <paramref name="input"/>; false when declined, nothing written.</summary>
    bool TryRun(ConvGeometry g, ReadOnlySpan<float> input, Span<float> output);

    /// <summary>Ends the binding (its owner is disposed); a later bind binds anew.</summary>
    void Release();
}
