namespace Microsoft.ML.Lrp.Backends.Bodies;

/// <summary>
/// A dense layer's transposed product <c>c = s · W</c> bound by a backend to one immutable weight array
/// <c>W [out, in]</c> (<see cref="IRelevanceBackend.BindDense"/>): the CPU backend binds an ONNX Runtime session to it.
/// </summary>
internal interface IBoundDense
{
    /// <summary><c>c[r, :] = s[r, :] · W</c> for <paramref name="rows"/> rows; false when declined, nothing written.</summary>
    bool TryBackward(int rows, ReadOnlySpan<float> s, Span<float> c);

    /// <summary>Ends the binding (its owner is disposed).</summary>
    void Release();
}
