using Microsoft.ML.Lrp.Ops;
using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Promises;
using Microsoft.ML.Lrp.Promises.Replay;
using Microsoft.ML.Lrp.Rules;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Engine;

/// <summary>
/// One call of <see cref="LrpExplainer.Explain"/>: for each chunk of rows, one ONNX Runtime run, the output seed,
/// and the planned steps from the output back to the input, collecting relevance, targets, scores and the
/// conservation figures.
/// </summary>
internal sealed class RelevancePass
{
    private readonly LrpExplainer _explainer;
    private readonly int _rows;
    private readonly float[] _output;
    private readonly float[] _relevance;
    private readonly int[] _targets;
    private readonly float[] _scores;
    private readonly float[] _seeds;
    private readonly float[] _absorbed;
    private readonly Dictionary<LrpNode, (string Rule, double In, double Out, double Absorbed)>? _report;
    private readonly List<float[]> _dead = [];
    private readonly Dictionary<string, double> _deadEnds = new(StringComparer.Ordinal);

    public RelevancePass(LrpExplainer explainer, int rows, bool report)
    {
        _explainer = explainer;
        _rows = rows;
        _output = new float[rows * explainer.OutputRowLength];
        _relevance = new float[rows * explainer.InputRowLength];
        _targets = new int[rows];
        _scores = new float[rows];
        _seeds = new float[rows];
        _absorbed = new float[rows];
        _report = report ? [] : null;
        _taps = explainer.Taps is { } taps ? new Taps.RelevanceTapRun(taps, explainer.Backend, explainer.Options, rows) : null;
    }

    private readonly Taps.RelevanceTapRun? _taps;
    private int _chunkStart;

    /// <summary>The op type of the report's pseudo-node for relevance that reached a value no step consumes.</summary>
    internal const string DeadEndOpType = "DeadEnd";

    public void RunChunk(float[] input, int start, int count, IReadOnlyList<int>? targets, IReadOnlyDictionary<string, Array>? additional)
    {
        var plan = _explainer.Plan;
        var graph = plan.Graph;
        _chunkStart = start;
        int inLen = _explainer.InputRowLength;
        int outLen = _explainer.OutputRowLength;

        var feeds = new Dictionary<string, OrtTensor>(StringComparer.Ordinal)
        {
            [_explainer.InputName] = new OrtTensor([count, .. _explainer.InputShape], _explainer.Backend.HostResident ? input.AsSpan(start * inLen, count * inLen).ToArray() : Import(input, start * inLen, count * inLen), null),
        };
        foreach (var name in _explainer.AdditionalInputs.Keys)
        {
            feeds[name] = AdditionalInputFeeds.Feed(_explainer.InputShapes[name], _rows, start, count, additional);
        }

        long ortStart = StepProfiler.Start();
        var results = _explainer.RunModel(feeds);
        StepProfiler.Stop(ortStart, "ONNX Runtime run (with captures)");
        var values = new Dictionary<string, OrtTensor>(results, StringComparer.Ordinal);
        foreach (var (name, feed) in feeds)
        {
            values[name] = feed;
        }

        foreach (var value in values.Values)
        {
            if (value.Floats is { } floats)
            {
                _explainer.Backend.HostWrote(floats, "import");
            }
        }

        var outTensor = results[_explainer.OutputName];
        var outData = outTensor.Floats ?? throw new LrpException($"The output '{_explainer.OutputName}' is not a float tensor and cannot be explained.");
        FiniteCheck.CheckOutput(graph, _explainer.OutputName, outData.AsSpan(0, count * outLen), outLen, start, results);
        Array.Copy(outData, 0, _output, start * outLen, count * outLen);

        var seed = OutputSeeder.Seed(_explainer.Options, outData, count, outLen, start, targets, _targets, _scores, NextTokenPositions.ForChunk(_explainer, plan, feeds, outData, count, start));
        for (int r = 0; r < count; r++)
        {
            double s = 0;
            foreach (float v in seed.AsSpan(r * outLen, outLen))
            {
                s += v;
            }

            _seeds[start + r] = (float)s;
        }

        var relevance = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            [_explainer.OutputName] = new Tensor(plan.Shapes.Shape(_explainer.OutputName, count), _explainer.Backend.HostResident ? seed : Import(seed, 0, seed.Length)),
        };
        _explainer.Backend.HostWrote(relevance[_explainer.OutputName].Data, "import");
        var absorbedRows = new double[count];

        var schedule = plan.Schedule;
        for (int a = 0; a < schedule.Actions.Count; a++)
        {
            var action = schedule.Actions[a];
            long actionStart = StepProfiler.Start();
            if (action.Kind == ScheduleActionKind.Replay)
            {
                var replayed = plan.ReplayNode(action.Nodes[0]);
                var inputs = new ReplayInputs(replayed, _explainer.Backend, count, name => Value(values, graph, name), name => Int64s(values, graph, name), name => ShapeOf(graph, plan, name, count), build => ReplayMap(plan, graph, replayed, count, build));
                var rebuilt = ForwardReplay.Run(inputs);
                values[replayed.Outputs[0]] = new OrtTensor(rebuilt.Shape, rebuilt.Data, null);
                if (StepProfiler.Enabled)
                {
                    StepProfiler.Stop(actionStart, "replay " + replayed.OpType);
                }
            }
            else
            {
                RunRelevance(plan, a, action, values, relevance, count, absorbedRows);
                if (StepProfiler.Enabled)
                {
                    var first = graph.RelevanceNodes[action.Nodes[0]];
                    StepProfiler.Stop(actionStart, action.Nodes.Count == 1 ? $"{first.OpType} {_explainer.StepOf(first).Rule.Description}" : $"FastForward({action.Nodes.Count})");
                }
            }

            foreach (var dead in action.Release)
            {
                if (values.Remove(dead, out var released) && released.Floats is { } floats)
                {
                    _dead.Add(floats);
                }
            }

            Recycle(values, relevance);
        }

        _taps?.AtInput(_explainer.InputName, relevance, _dead, start, count);
        if (relevance.TryGetValue(_explainer.InputName, out var inputRelevance))
        {
            _explainer.Backend.ToHost(inputRelevance.Data, "export");
            Array.Copy(inputRelevance.Data, 0, _relevance, start * inLen, count * inLen);
        }

        // Relevance still held by any other value reached a dead end: no step consumed it (its producer ran before
        // it arrived, or nothing on the relevance path produces it). It is lost to the input, so the report lists
        // it as a pseudo-node that takes it in and passes nothing on; "every node balances" then implies overall
        // conservation.
        if (_report is not null)
        {
            foreach (var (name, left) in relevance)
            {
                if (name != _explainer.InputName)
                {
                    _deadEnds[name] = _deadEnds.GetValueOrDefault(name) + Total(left.Data);
                }
            }
        }

        // Everything left dies with the chunk: the input relevance is copied out, the output was copied at the start.
        _dead.AddRange(values.Values.Select(v => v.Floats).OfType<float[]>());
        _dead.AddRange(relevance.Values.Select(t => t.Data));
        values.Clear();
        relevance.Clear();
        Recycle(values, relevance);

        for (int r = 0; r < count; r++)
        {
            _absorbed[start + r] = (float)absorbedRows[r];
        }
    }

    private void RunRelevance(RelevancePlan plan, int actionIndex, ScheduleAction action, Dictionary<string, OrtTensor> values, Dictionary<string, Tensor> relevance, int count, double[] absorbedRows)
    {
        var graph = plan.Graph;
        var node = graph.RelevanceNodes[action.Nodes[0]];
        _taps?.BeforeNode(node, relevance, _dead, _chunkStart, count, name => Value(values, graph, name));
        if (!node.Outputs.Any(relevance.ContainsKey))
        {
            return;
        }

        var step = _explainer.StepOf(node);
        var writer = graph.RelevanceNodes[action.Nodes[^1]];
        double inTotal = _report is null ? 0 : node.Outputs.Sum(o => relevance.TryGetValue(o, out var t) ? Total(t.Data) : 0);
        double outTotal = 0;
        var written = writer.Inputs.Where((name, i) => graph.IsRelevance(name) && OpRegistry.IsDataInput(writer.Source, i));
        var ledger = RowLedger.For(plan.Shapes, node.Outputs.Where(relevance.ContainsKey).Concat(written), count);
        foreach (var o in node.Outputs)
        {
            if (ledger is not null && relevance.TryGetValue(o, out var arrived))
            {
                _explainer.Backend.ToHost(arrived.Data);
                ledger.AddIn(o, arrived.Data);
            }
        }

        RuleContext Context(LrpNode n) => new(
            n,
            _explainer.Backend,
            count,
            _explainer.Options.Epsilon,
            name => Value(values, graph, name),
            name => Int64s(values, graph, name),
            name => ShapeOf(graph, plan, name, count),
            name => relevance.GetValueOrDefault(name),
            i => graph.IsRelevance(n.Inputs[i]) && (OpRegistry.IsDataInput(n.Source, i) || TokenEmbedding.IsIdsOperand(n, i, graph)),
            (i, r) =>
            {
                var name = n.Inputs[i];
                double total = CheckFinite(n, name, r.Data);
                if (_report is not null)
                {
                    outTotal += double.IsNaN(total) ? Total(r.Data) : total;
                }

                if (ledger is not null)
                {
                    _explainer.Backend.ToHost(r.Data);
                    ledger.AddOut(name, r.Data);
                }

                if (!relevance.TryGetValue(name, out var existing))
                {
                    relevance[name] = r;
                    return;
                }

                // Relevance tensors are owned by this map alone (an output's entry is removed once its node has run),
                // so accumulating in place is safe unless both are views of one buffer. The buffer summed away is
                // dead (fan-outs such as a residual stream): without handing it back every pass lost one buffer per
                // fan-out to the garbage collector (a 1.1 B decoder: about 0.2 GB per explanation).
                if (ReferenceEquals(existing.Data, r.Data))
                {
                    var doubled = new Tensor(existing.Shape);
                    _explainer.Backend.Map(new Rules.Bodies.Sum(), existing.Data, r.Data, doubled.Data);
                    relevance[name] = doubled;
                }
                else if (_explainer.Backend.HostResident)
                {
                    System.Numerics.Tensors.TensorPrimitives.Add(existing.Data, r.Data, existing.Data);
                }
                else
                {
                    _explainer.Backend.Map(new Rules.Bodies.Sum(), existing.Data, r.Data, existing.Data);
                }

                _dead.Add(r.Data);
            },
            values.ContainsKey,
            _dead.Add);

        var ctx = Context(action.Nodes.Count == 1 ? node : writer);
        if (action.Nodes.Count == 1)
        {
            step.Rule.Propagate(ctx);
        }
        else
        {
            var chain = action.Nodes.Select(i => _explainer.StepOf(graph.RelevanceNodes[i])).ToList();
            // A chain through a data movement whose indices vary with the row is composed anew on every call.
            var map = chain.Any(s => s.Rule is RoutingRule { ParametersFixed: false })
                ? FastForwardMap.Compose(chain, n => Context(n), count)
                : Declared(plan.FastForwardMaps.GetOrAdd((actionIndex, count), _ => FastForwardMap.Compose(chain, n => Context(n), count)));
            var r = relevance.GetValueOrDefault(node.Outputs[0]) ?? new Tensor(ShapeOf(graph, plan, node.Outputs[0], count));
            int input = FastForward.RelevanceInput(chain[^1]);
            ctx.AddInputRelevance(input, FastForwardMap.Apply(map, r, ShapeOf(graph, plan, writer.Inputs[input], count), ctx));
        }

        foreach (var o in node.Outputs)
        {
            if (relevance.Remove(o, out var consumed))
            {
                _dead.Add(consumed.Data);
            }
        }

        double absorbedTotal = 0;
        ledger?.Redistribute(ctx.AbsorbedPerRow);
        for (int r = 0; r < count; r++)
        {
            absorbedRows[r] += ctx.AbsorbedPerRow[r];
            absorbedTotal += ctx.AbsorbedPerRow[r];
        }

        if (_report is not null)
        {
            string rule = action.Nodes.Count == 1 ? step.Rule.Description : $"FastForward({action.Nodes.Count})";
            var previous = _report.GetValueOrDefault(node, (rule, 0, 0, 0));
            _report[node] = (rule, previous.In + inTotal, previous.Out + outTotal, previous.Absorbed + absorbedTotal);
        }
    }

    /// <summary>
    /// Hands the buffers of dead tensors back to the pass's <see cref="TensorArena"/>, except those a live tensor
    /// still shares (a reshaped view, relevance passed through unchanged).
    /// </summary>
    private void Recycle(Dictionary<string, OrtTensor> values, Dictionary<string, Tensor> relevance)
    {
        foreach (var data in _dead)
        {
            if (!values.Values.Any(v => ReferenceEquals(v.Floats, data)) && !relevance.Values.Any(t => ReferenceEquals(t.Data, data)))
            {
                TensorArena.Release(data);
            }
        }

        _dead.Clear();
    }

    /// <summary>An index map the plan keeps for this batch size, declared constant to the backend (a device backend uploads it once).</summary>
    private int[] Declared(int[] map)
    {
        _explainer.Backend.DeclareConstant(map);
        return map;
    }

    /// <summary>A routing replay's index map: kept per node and batch size (and declared constant) when its parameters are fixed.</summary>
    private int[] ReplayMap(RelevancePlan plan, CanonicalGraph graph, LrpNode node, int count, Func<int[]> build)
        => plan.ReplayParametersFixed.GetOrAdd(node.Name, _ => RuleBinder.ParametersFixed(node, graph))
            ? Declared(plan.ReplayMaps.GetOrAdd((node.Name, count), _ => build()))
            : build();

    private static int[] ShapeOf(CanonicalGraph graph, RelevancePlan plan, string name, int count)
        => graph.Constants.Contains(name) ? graph.Constants.Get(name).Shape : plan.Shapes.Shape(name, count);

    public LrpExplanation Result()
    {
        LrpConservationReport? report = null;
        if (_report is not null)
        {
            var nodes = _explainer.Plan.Graph.RelevanceNodes;
            var order = _explainer.Plan.Schedule.Actions.Where(a => a.Kind == ScheduleActionKind.Relevance && _report.ContainsKey(nodes[a.Nodes[0]]));
            var entries = order.Select(a =>
            {
                var n = nodes[a.Nodes[0]];
                IReadOnlyList<string>? chain = a.Nodes.Count > 1 ? [.. a.Nodes.Skip(1).Select(i => nodes[i].DisplayOpType)] : null;
                return new LrpNodeConservation(n.Name, n.DisplayOpType, _report[n].Rule, _report[n].In, _report[n].Out, _report[n].Absorbed, n.Source.DecomposedFrom, chain);
            }).ToList();
            entries.AddRange(_deadEnds.Select(d => new LrpNodeConservation($"(dead end) {d.Key}", DeadEndOpType, "none: no step consumes this value", d.Value, 0, 0)));
            report = new LrpConservationReport(entries);
        }

        return new LrpExplanation(_rows, _output, _explainer.OutputRowLength, _relevance, _explainer.InputRowLength, _targets, _scores, _seeds, _absorbed, report)
        {
            Taps = _taps?.Result(),
            Removed = _taps?.Removed ?? new float[_rows],
        };
    }

    /// <summary>
    /// <c>source[start .. start + length)</c> in a tensor buffer of the pass, so that a device backend uploads it once
    /// however many operations read it (RunChunk declares it an import, with the captures).
    /// </summary>
    private static float[] Import(float[] source, int start, int length)
    {
        var copy = TensorArena.Allocate(length, clear: false);
        source.AsSpan(start, length).CopyTo(copy);
        return copy;
    }

    /// <summary>
    /// Checks that relevance a node sends is finite. On a device backend the data stays there: one double sum (finite
    /// exactly when every element is) comes back instead, and the data only when it is not finite, for the message.
    /// Returns the sum (NaN when none was computed).
    /// </summary>
    private double CheckFinite(LrpNode node, string name, float[] data)
    {
        var backend = _explainer.Backend;
        if (backend.HostResident)
        {
            FiniteCheck.CheckRelevance(node, name, data);
            return double.NaN;
        }

        var sum = new double[1];
        backend.RowSums(data, 1, sum);
        if (!double.IsFinite(sum[0]))
        {
            backend.ToHost(data);
            FiniteCheck.CheckRelevance(node, name, data);
        }

        return sum[0];
    }

    /// <summary>The sum of a relevance tensor (on a device backend, computed there: one double comes back).</summary>
    private double Total(float[] data)
    {
        if (_explainer.Backend.HostResident || data.Length == 0)
        {
            return Sum(data);
        }

        var sum = new double[1];
        _explainer.Backend.RowSums(data, 1, sum);
        return sum[0];
    }

    private static double Sum(float[] data)
    {
        double s = 0;
        foreach (float v in data)
        {
            s += v;
        }

        return s;
    }

    private Tensor Value(Dictionary<string, OrtTensor> values, CanonicalGraph graph, string name)
    {
        if (values.TryGetValue(name, out var t))
        {
            return new Tensor(t.Shape, t.Floats ?? t.Int64s!.Select(v => (float)v).ToArray());
        }

        if (graph.Constants.Contains(name))
        {
            // Cached by the store (one array per constant), so a device backend uploads it once per explainer.
            var constant = graph.Constants.GetFloat(name);
            _explainer.Backend.DeclareConstant(constant.Data);
            return constant;
        }

        throw new InvalidOperationException($"The value '{name}' was neither captured nor constant; the plan is incomplete.");
    }

    private static long[] Int64s(Dictionary<string, OrtTensor> values, CanonicalGraph graph, string name)
    {
        if (graph.Constants.Contains(name))
        {
            return graph.Constants.GetInt64s(name);
        }

        if (values.TryGetValue(name, out var t))
        {
            return t.Int64s ?? t.Floats!.Select(v => (long)v).ToArray();
        }

        throw new InvalidOperationException($"The parameter '{name}' was neither captured nor constant; the plan is incomplete.");
    }
}
