namespace Microsoft.ML.Lrp.Ops;

/// <summary>Rows of the attention, rotary and spectral ops that are not decomposed before the graph analysis.</summary>
internal static partial class OpRegistry
{
    private static IEnumerable<OpInfo> AttentionRows() => [];
}
