namespace Microsoft.ML.Lrp.Promises;

/// <summary>A tentative way to rebuild one activation: the values it would promise and capture, and its cost.</summary>
internal sealed class PromiseTrial(PromiseTrial? parent = null)
{
    public List<string> Promised { get; } = [];

    public List<string> Captured { get; } = [];

    public PromiseCost Cost { get; set; }

    /// <summary>True when this trial or one it extends already obtains <paramref name="value"/>.</summary>
    public bool Has(string value) => Promised.Contains(value) || Captured.Contains(value) || (parent?.Has(value) ?? false);

    public void Merge(PromiseTrial sub)
    {
        Promised.AddRange(sub.Promised);
        Captured.AddRange(sub.Captured);
        Cost += sub.Cost;
    }
}
