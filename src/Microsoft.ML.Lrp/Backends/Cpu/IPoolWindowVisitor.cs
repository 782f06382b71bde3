namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>What a pooling kernel does with each window; implemented by structs so the sweep is specialised.</summary>
internal interface IPoolWindowVisitor
{
    /// <summary>Begins window <paramref name="output"/>; returns false to skip visiting its elements.</summary>
    bool Start(int output, int inBounds);

    /// <summary>Visits one in-bounds element (flat index within the plane), in row-major window order.</summary>
    void Element(int input);

    /// <summary>Ends window <paramref name="output"/>, which had <paramref name="inBounds"/> in-bounds elements.</summary>
    void Finish(int output, int inBounds);
}
