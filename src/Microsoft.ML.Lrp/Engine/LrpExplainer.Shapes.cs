using Microsoft.ML.Lrp.Engine;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Lrp;

public sealed partial class LrpExplainer
{
    /// <summary>
    /// The batch axis of each of <see cref="AdditionalInputs"/> in its ONNX tensor (1 for a state
    /// <c>[2, batch, 128]</c>), or -1 for an input without one (a scalar, a shared state), whose
    /// <see cref="AdditionalInputs"/> entry is then the whole tensor, fed once per batch. The rule that finds it is
    /// described on <see cref="LrpOptions.InputRowShapes"/>.
    /// </summary>
    public IReadOnlyDictionary<string, int> AdditionalInputBatchAxes { get; private set; } = new Dictionary<string, int>();

    /// <summary>How each ONNX input is fed (row shape and batch axis).</summary>
    internal IReadOnlyDictionary<string, ModelInputShape> InputShapes => _inputShapes;

    /// <summary>
    /// <see cref="LearnShapes"/>, with every ONNX Runtime failure of the probe turned into an
    /// <see cref="LrpException"/> that names the model and the made-up inputs it was run on.
    /// </summary>
    private bool LearnShapesOrExplain(bool batchFixedAtOne)
    {
        try
        {
            return LearnShapes(batchFixedAtOne);
        }
        catch (OnnxRuntimeException ex)
        {
            var fed = _model.Graph.Inputs.Select(i => $"'{i.Name}' {_inputShapes[i.Name].Describe()} ({ProbeValueDescription(i)})");
            throw new LrpException(
                $"ONNX Runtime could not run {_modelDescription} on the made-up rows that learn its shapes ({string.Join("; ", fed)}): {ex.Message} "
                + "Check the model's input shapes, and give the real per-row shapes in LrpOptions.InputRowShape / LrpOptions.InputRowShapes.",
                ex);
        }
    }

    /// <summary>
    /// Runs the model once on one and on two made-up rows to learn every shape the plan needs and whether the
    /// model runs batched (a fixed batch of 1 is rewritten to a free one when the results stay the same).
    /// </summary>
    private bool LearnShapes(bool batchFixedAtOne)
    {
        var fedByCaller = new HashSet<string>(_model.Graph.Inputs.Select(i => i.Name), StringComparer.Ordinal);
        var probes = new[] { OutputName }.Concat(_plan.ShapeProbes.Concat(_plan.ReadValues).Where(p => !fedByCaller.Contains(p) && p != OutputName)).Distinct().ToArray();
        var rowA = MadeUpRows([MadeUpRow(1)]);
        var rowB = MadeUpRows([MadeUpRow(2)]);
        var both = MadeUpRows([MadeUpRow(1), MadeUpRow(2)]);

        var keep = new HashSet<string>([OutputName], StringComparer.Ordinal);
        Dictionary<string, int[]> one;
        Dictionary<string, int[]>? two = null;
        try
        {
            using var dynamicRunner = new OrtRunner(OrtModel.From(_model, new OnnxWriteOptions { ExtraOutputs = probes, MakeBatchDynamic = batchFixedAtOne }), Options with { GpuDeviceId = null }, _modelDescription, probe: true);
            var atOne = dynamicRunner.RunShapes(rowA, probes, keep);
            var atOneB = dynamicRunner.RunShapes(rowB, probes, keep);
            var atTwo = dynamicRunner.RunShapes(both, probes, keep);
            one = atOne.Shapes;
            if (SameRows(atOne.Kept[OutputName], atOneB.Kept[OutputName], atTwo.Kept[OutputName]))
            {
                two = atTwo.Shapes;
            }
        }
        catch (Exception ex) when (batchFixedAtOne && ex is LrpException or OnnxRuntimeException)
        {
            using var fixedRunner = new OrtRunner(OrtModel.From(_model, new OnnxWriteOptions { ExtraOutputs = probes }), Options with { GpuDeviceId = null }, _modelDescription, probe: true);
            one = fixedRunner.RunShapes(rowA, probes, keep).Shapes;
        }

        bool batched = two is not null;
        foreach (var (name, tensor) in rowA)
        {
            one[name] = tensor.Shape;
            two?.Add(name, both[name].Shape);
        }

        string? problem = _plan.Shapes.Learn(one, two);
        if (problem is not null && batched)
        {
            _plan.Shapes.Learn(one, null);
            return false;
        }

        return batched;
    }

    /// <summary>
    /// One made-up row of every input (the whole tensor for an input without a batch axis, the same in every row):
    /// seeded random floats in [0, 1) for float inputs, and for integer inputs values that are valid for any lookup:
    /// ones for inputs named like a mask (<c>attention_mask</c>), zeros for all others (token ids, token types,
    /// positions), so that a one-row token-type embedding (RoBERTa) or a short vocabulary never sees an index out of
    /// range.
    /// </summary>
    private Dictionary<string, (float[]? Floats, long[]? Ints)> MadeUpRow(int seed)
    {
        var row = new Dictionary<string, (float[]?, long[]?)>(StringComparer.Ordinal);
        foreach (var info in _model.Graph.Inputs)
        {
            var shape = _inputShapes[info.Name];
            int length = shape.RowLength;
            if (IsFloat(info.ElementType))
            {
                var random = new Random((shape.HasBatchAxis ? seed : 1) * 7919);
                row[info.Name] = (Enumerable.Range(0, length).Select(_ => (float)random.NextDouble()).ToArray(), null);
            }
            else
            {
                row[info.Name] = (null, Enumerable.Repeat(IsMask(info) ? 1L : 0L, length).ToArray());
            }
        }

        return row;
    }

    /// <summary>Feeds for the given rows: their slices laid out along each input's batch axis.</summary>
    private Dictionary<string, OrtTensor> MadeUpRows(IReadOnlyList<Dictionary<string, (float[]? Floats, long[]? Ints)>> rows)
    {
        var result = new Dictionary<string, OrtTensor>(StringComparer.Ordinal);
        foreach (var info in _model.Graph.Inputs)
        {
            var shape = _inputShapes[info.Name];
            int count = rows.Count;
            var first = rows[0][info.Name];
            if (!shape.HasBatchAxis)
            {
                result[info.Name] = new OrtTensor(shape.Shape(count), first.Floats, first.Ints);
            }
            else if (first.Floats is not null)
            {
                result[info.Name] = new OrtTensor(shape.Shape(count), shape.Gather<float>(rows.SelectMany(r => r[info.Name].Floats!).ToArray(), 0, count), null);
            }
            else
            {
                result[info.Name] = new OrtTensor(shape.Shape(count), null, shape.Gather<long>(rows.SelectMany(r => r[info.Name].Ints!).ToArray(), 0, count));
            }
        }

        return result;
    }

    private static bool IsFloat(OnnxElementType type) => type is OnnxElementType.Float or OnnxElementType.Double or OnnxElementType.Float16;

    private static bool IsMask(OnnxValueInfo info) => info.Name.Contains("mask", StringComparison.OrdinalIgnoreCase);

    private string ProbeValueDescription(OnnxValueInfo info)
        => IsFloat(info.ElementType) ? "random values in [0, 1)" : IsMask(info) ? "ones" : "zeros";

    private static bool SameRows(OrtTensor a, OrtTensor b, OrtTensor both)
    {
        if (a.Floats is null || b.Floats is null || both.Floats is null || both.Floats.Length != a.Floats.Length + b.Floats.Length)
        {
            return false;
        }

        for (int i = 0; i < both.Floats.Length; i++)
        {
            float expected = i < a.Floats.Length ? a.Floats[i] : b.Floats[i - a.Floats.Length];
            if (Math.Abs(expected - both.Floats[i]) > 1e-4f * (1f + Math.Abs(expected)))
            {
                return false;
            }
        }

        return true;
    }
}
