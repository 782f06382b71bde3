using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Engine.Taps;

/// <summary>
/// The taps of one <see cref="LrpExplainer.Explain"/> call: when the relevance at a kept tensor is complete, masks it
/// to its condition's channels and drops every other pending relevance (only relevance that passes the tensor goes
/// on), records it, and computes the parameter relevance of a tapped linear node from its output relevance and input.
/// </summary>
internal sealed class RelevanceTapRun
{
    private readonly RelevanceTaps _taps;
    private readonly IRelevanceBackend _backend;
    private readonly LrpOptions _options;
    private readonly int _rows;
    private readonly Dictionary<string, float[]> _recorded = new(StringComparer.Ordinal);
    private readonly Dictionary<string, float[]> _parameters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int[]> _parameterShapes = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, int), float[]> _masks = [];

    public RelevanceTapRun(RelevanceTaps taps, IRelevanceBackend backend, LrpOptions options, int rows)
    {
        _taps = taps;
        _backend = backend;
        _options = options;
        _rows = rows;
        Removed = new float[rows];
        foreach (var name in taps.Recorded)
        {
            _recorded[name] = new float[rows * taps.Layouts[name].RowLength];
        }

        foreach (var tap in taps.Parameters.Values)
        {
            if (tap.WeightName is { } w && !_parameters.ContainsKey(w))
            {
                _parameters[w] = new float[rows * tap.WeightIndex.Length];
                _parameterShapes[w] = tap.WeightShape;
            }

            if (tap.BiasName is { } b && !_parameters.ContainsKey(b))
            {
                int length = tap.BiasShape.Aggregate(1, (p, d) => p * d);
                _parameters[b] = new float[rows * length];
                _parameterShapes[b] = tap.BiasShape;
            }
        }
    }

    /// <summary>Per row: the relevance that conditions removed (masked channels, and relevance that bypassed a conditioned tensor).</summary>
    public float[] Removed { get; }

    /// <summary>Runs the taps that fire just before <paramref name="node"/> runs: its kept outputs, then its parameters.</summary>
    public void BeforeNode(LrpNode node, Dictionary<string, Tensor> relevance, List<float[]> dead, int start, int count, Func<string, Tensor> value)
    {
        foreach (var name in _taps.ProducedBy(node))
        {
            Tap(name, relevance, dead, start, count, excludeOthers: true);
        }

        if (_taps.Parameters.TryGetValue(node, out var tap))
        {
            var r = relevance.GetValueOrDefault(node.Outputs[0]);
            if (r is not null)
            {
                ParameterRelevanceKernel.Accumulate(
                    tap, _backend, _options, value(node.Inputs[0]), r, count,
                    tap.WeightName is { } w ? _parameters[w] : null,
                    tap.BiasName is { } b ? _parameters[b] : null,
                    start);
            }
        }
    }

    /// <summary>Runs the taps of the explained input once the pass has reached it.</summary>
    public void AtInput(string input, Dictionary<string, Tensor> relevance, List<float[]> dead, int start, int count)
    {
        if (_taps.Kept.Contains(input))
        {
            Tap(input, relevance, dead, start, count, excludeOthers: false);
        }
    }

    public LrpTapResults Result() => new(
        _recorded.ToDictionary(p => p.Key, p => new LrpRelevanceTensor(p.Key, _taps.Layouts[p.Key].RowShape, _rows, p.Value, _taps.Layouts[p.Key].ChannelAxis), StringComparer.Ordinal),
        _parameters.ToDictionary(p => p.Key, p => new LrpRelevanceTensor(p.Key, _parameterShapes[p.Key], _rows, p.Value, -1), StringComparer.Ordinal),
        _taps);

    private void Tap(string name, Dictionary<string, Tensor> relevance, List<float[]> dead, int start, int count, bool excludeOthers)
    {
        var layout = _taps.Layouts[name];
        if (_taps.Conditions.TryGetValue(name, out var channels))
        {
            if (relevance.TryGetValue(name, out var arrived))
            {
                var before = layout.RowSums(arrived.Data, count);
                var mask = _masks.TryGetValue((name, count), out var m) ? m : _masks[(name, count)] = layout.ChannelMask(count, channels);
                var masked = new Tensor(arrived.Shape);
                _backend.Map(new MaskProduct(), arrived.Data, mask, masked.Data);
                var after = layout.RowSums(masked.Data, count);
                for (int r = 0; r < count; r++)
                {
                    Removed[start + r] += (float)(before[r] - after[r]);
                }

                dead.Add(arrived.Data);
                relevance[name] = masked;
            }

            if (excludeOthers)
            {
                foreach (var other in relevance.Keys.Where(k => k != name).ToList())
                {
                    var dropped = relevance[other];
                    relevance.Remove(other);
                    var sums = _taps.LayoutOrNull(other) is { } l ? l.RowSums(dropped.Data, count) : EvenRows(dropped.Data, count);
                    for (int r = 0; r < count; r++)
                    {
                        Removed[start + r] += (float)sums[r];
                    }

                    dead.Add(dropped.Data);
                }
            }
        }

        if (_recorded.TryGetValue(name, out var destination) && relevance.TryGetValue(name, out var complete))
        {
            layout.CopyRows(complete.Data, count, destination, start);
        }
    }

    /// <summary>Per-row sums of a tensor whose layout was not learnt: rows as contiguous blocks (batch-major).</summary>
    private static double[] EvenRows(float[] data, int count)
    {
        var sums = new double[count];
        int rowLength = data.Length / count;
        for (int i = 0; i < rowLength * count; i++)
        {
            sums[i / rowLength] += data[i];
        }

        return sums;
    }
}
