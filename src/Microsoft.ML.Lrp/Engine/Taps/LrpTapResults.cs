namespace Microsoft.ML.Lrp.Engine.Taps;

/// <summary>What the taps of one call collected: relevance at the recorded tensors and at the parameters, by name.</summary>
internal sealed class LrpTapResults(
    IReadOnlyDictionary<string, LrpRelevanceTensor> tensors,
    IReadOnlyDictionary<string, LrpRelevanceTensor> parameters,
    RelevanceTaps taps)
{
    public LrpRelevanceTensor Tensor(string name)
    {
        var canonical = taps.CanonicalOf(name);
        return canonical is not null && tensors.TryGetValue(canonical, out var t)
            ? t
            : throw new LrpException($"No relevance was recorded at the tensor '{name}': add it to LrpOptions.RelevanceOutputs.{Listing(tensors.Keys)}");
    }

    public LrpRelevanceTensor Parameter(string name)
        => parameters.TryGetValue(name, out var p)
            ? p
            : throw new LrpException($"No relevance was computed for the parameter '{name}': add it (or \"*\") to LrpOptions.ParameterRelevance.{Listing(parameters.Keys)}");

    private static string Listing(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count == 0 ? "" : $" Recorded: {string.Join(", ", list.Take(20))}.";
    }
}
