using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Ilgpu;
using Microsoft.ML.Lrp.Engine;
using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Graph.Fused;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Promises;
using Microsoft.ML.Lrp.Rules;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp;

public sealed partial class LrpExplainer
{
    private readonly OnnxModel _model;
    private readonly RelevancePlan _plan;
    private readonly OrtRunner _runner;
    private readonly IRelevanceBackend _backend;
    private readonly string[] _runOutputs;
    private readonly Dictionary<string, OnnxElementType> _inputTypes = new(StringComparer.Ordinal);
    private readonly string _modelDescription;
    private readonly Dictionary<string, int> _symbolicDims;
    private bool _disposed;
    private TensorArena? _arena = new();

    /// <summary>
    /// Loads the model named by <paramref name="options"/>, checks that every node on the relevance path has a rule
    /// (listing every unsupported op type otherwise), and plans the relevance pass once.
    /// </summary>
    /// <exception cref="LrpException">The model cannot be loaded or explained; the message says why.</exception>
    public LrpExplainer(LrpOptions options)
        : this(options, (PromiseSchedule?)null, null)
    {
    }

    /// <summary>Builds the explainer with a stored schedule (from <c>LrpModel.Load</c>): checked against the graph, not replanned.</summary>
    internal LrpExplainer(LrpOptions options, string storedScheduleJson)
        : this(options, PromiseSchedule.FromJson(storedScheduleJson), null)
    {
    }

    /// <summary>
    /// As <see cref="LrpExplainer(LrpOptions)"/>, with <paramref name="backendFactory"/> (when not null) creating the
    /// relevance backend instead of the device selection (tests force the ILGPU backend on its CPU accelerator).
    /// </summary>
    internal LrpExplainer(LrpOptions options, Func<IRelevanceBackend>? backendFactory)
        : this(options, (PromiseSchedule?)null, backendFactory)
    {
    }

    private LrpExplainer(LrpOptions options, PromiseSchedule? storedSchedule, Func<IRelevanceBackend>? backendFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        if ((options.ModelFile is null) == (options.ModelBytes is null))
        {
            throw new ArgumentException("Set exactly one of LrpOptions.ModelFile and LrpOptions.ModelBytes.", nameof(options));
        }

        if (options.BatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "LrpOptions.BatchSize must be at least 1.");
        }

        _modelDescription = options.ModelFile is not null ? $"the model '{options.ModelFile}'" : "the model bytes";
        // Fused com.microsoft transformer ops become primitive ops here: rules, planner and ORT all see the decomposed model.
        // Recurrent ops are unrolled there too, over the sequence length the input shapes give.
        var loaded = options.ModelFile is not null ? OnnxModel.Load(options.ModelFile) : OnnxModel.Load(options.ModelBytes!);
        _model = FusedOpDecomposition.Apply(loaded, Graph.Recurrent.InputRowShapes.From(loaded, options));
        var onnx = _model.Graph;

        var input = options.InputColumnName is null
            ? onnx.Inputs.FirstOrDefault() ?? throw new LrpException($"{_modelDescription} has no inputs.")
            : onnx.Inputs.FirstOrDefault(i => i.Name == options.InputColumnName)
              ?? throw new LrpException($"{_modelDescription} has no input named '{options.InputColumnName}'. Its inputs: {string.Join(", ", onnx.Inputs.Select(i => i.Name))}.");
        var output = options.OutputName is null
            ? onnx.Outputs.FirstOrDefault() ?? throw new LrpException($"{_modelDescription} has no outputs.")
            : onnx.Outputs.FirstOrDefault(o => o.Name == options.OutputName)
              ?? throw new LrpException($"{_modelDescription} has no output named '{options.OutputName}'. Its outputs: {string.Join(", ", onnx.Outputs.Select(o => o.Name))}.");
        if (input.ElementType is not (OnnxElementType.Float or OnnxElementType.Double or OnnxElementType.Float16))
        {
            TokenInputs.CheckExplainable(input, _modelDescription);
        }

        InputName = input.Name;
        OutputName = output.Name;
        _symbolicDims = TokenInputs.SymbolicDims(input, options.InputRowShape, _modelDescription);
        InputShape = RowShape(input, out bool batchFixedAtOne);
        InputRowLength = InputShape.Aggregate(1, (a, b) => a * b);
        var additional = new Dictionary<string, IReadOnlyList<int>>(StringComparer.Ordinal);
        foreach (var other in onnx.Inputs)
        {
            _inputTypes[other.Name] = other.ElementType;
            if (other.Name != InputName)
            {
                additional[other.Name] = RowShape(other, out _);
            }
        }

        AdditionalInputs = additional;

        var graph = CanonicalGraph.Build(_model, InputName, OutputName);
        var choices = RuleSelector.Choose(graph, options);
        _plan = RelevancePlanner.Build(graph, choices, options);
        ApplyStoredCalibration();
        _backend = backendFactory?.Invoke() ?? RelevanceBackendSelector.Select(options.GpuDeviceId, options.FallbackToCpu);
        BackendName = _backend.Name;

        CanBatch = LearnShapes(batchFixedAtOne);
        _plan.SetSchedule(options.CapturePolicy, storedSchedule);
        _steps = _plan.Steps.ToDictionary(s => s.Node);
        _runOutputs = new[] { OutputName }.Concat(_plan.Captures.Where(c => c != OutputName)).ToArray();
        var runBytes = _model.ToBytes(new OnnxWriteOptions { ExtraOutputs = _runOutputs, MakeBatchDynamic = CanBatch && batchFixedAtOne });
        _runner = new OrtRunner(runBytes, options, _modelDescription);
        OutputShape = _plan.Shapes.Shape(OutputName, 1)[1..];
        OutputRowLength = OutputShape.Aggregate(1, (a, b) => a * b);
        _statistics = _plan.Statistics();
    }

    private readonly LrpPlanStatistics _statistics;

    /// <summary>Statistics of the relevance plan.</summary>
    public LrpPlanStatistics Statistics => _statistics;

    /// <summary>True when rows are explained in batches; false when the model only runs one row at a time.</summary>
    public bool CanBatch { get; }

    /// <summary>Where ONNX Runtime runs the forward pass (<c>CPU</c> or <c>CUDA:n</c>).</summary>
    public string ExecutionProvider => _runner.ExecutionProvider;

    internal RelevancePlan Plan => _plan;

    private readonly Dictionary<LrpNode, RelevanceStep> _steps = [];

    internal RelevanceStep StepOf(LrpNode node) => _steps[node];

    /// <summary>
    /// Explains <paramref name="rows"/> rows of the explained input (row-major, <see cref="InputRowLength"/> each).
    /// <paramref name="targets"/> gives one output index per row for <see cref="LrpTargetKind.FromColumn"/>;
    /// <paramref name="additionalInputs"/> feeds the model's other inputs (float[], long[] or int[] arrays, rows ×
    /// their row length). Non-finite inputs are rejected with an <see cref="LrpException"/> naming the row.
    /// </summary>
    public LrpExplanation Explain(float[] input, int rows, IReadOnlyList<int>? targets = null, IReadOnlyDictionary<string, Array>? additionalInputs = null, bool conservationReport = false)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if ((long)rows * InputRowLength != input.Length)
        {
            throw new ArgumentException($"The input '{InputName}' needs {InputRowLength} values per row ([{string.Join(", ", InputShape)}]); got {input.Length} values for {rows} rows.", nameof(input));
        }

        for (int i = 0; i < input.Length; i++)
        {
            if (!float.IsFinite(input[i]))
            {
                throw new LrpException($"Row {i / InputRowLength} of the input '{InputName}' has a non-finite value ({input[i]}) at element {i % InputRowLength}. LRP cannot explain NaN or infinite inputs: filter or replace them first.");
            }
        }

        var run = new RelevancePass(this, rows, conservationReport);
        int chunk = CanBatch ? Options.BatchSize : 1;
        // One pass at a time borrows the explainer's buffers; a concurrent one works with its own.
        var arena = Interlocked.Exchange(ref _arena, null) ?? new TensorArena();
        try
        {
            using var scope = arena.Enter();
            for (int start = 0; start < rows; start += chunk)
            {
                int count = Math.Min(chunk, rows - start);
                run.RunChunk(input, start, count, targets, additionalInputs);
            }
        }
        finally
        {
            Volatile.Write(ref _arena, _disposed ? null : arena);
        }

        return run.Result();
    }

    /// <summary>Releases the ONNX Runtime session.</summary>
    public void Dispose()
    {
        _arena = null;
        if (!_disposed)
        {
            _disposed = true;
            foreach (var step in _steps.Values)
            {
                if (step.Rule is Rules.Linear.LinearRule { Layer: Rules.Linear.ConvLayer conv })
                {
                    conv.ReleaseSessions();
                }
            }

            _runner.Dispose();
            (_backend as IDisposable)?.Dispose();
        }
    }

    internal IRelevanceBackend Backend => _backend;

    internal Dictionary<string, OrtTensor> RunModel(IReadOnlyDictionary<string, OrtTensor> inputs) => _runner.Run(inputs, _runOutputs);

    internal OnnxElementType InputElementType(string name) => _inputTypes[name];

    private IReadOnlyList<int> RowShape(OnnxValueInfo info, out bool batchFixedAtOne)
    {
        batchFixedAtOne = false;
        if (info.Shape is null || info.Shape.Count == 0)
        {
            throw new LrpException($"The input '{info.Name}' of {_modelDescription} has no known shape; a batch dimension followed by fixed dimensions is needed.");
        }

        batchFixedAtOne = info.Shape[0].Value == 1;
        var dims = new List<int>();
        for (int a = 1; a < info.Shape.Count; a++)
        {
            var d = info.Shape[a];
            if (_symbolicDims.TryGetValue(info.Name == InputName ? $"#{a}" : d.Param ?? "", out int given))
            {
                dims.Add(given);
                continue;
            }

            if (d.Value is not long v || v <= 0)
            {
                throw new LrpException($"The input '{info.Name}' of {_modelDescription} has a variable dimension {a} ({d.Param ?? "?"}); only the batch dimension may vary so far.");
            }

            dims.Add((int)v);
        }

        return dims;
    }

    /// <summary>
    /// Runs the model once on one and on two made-up rows to learn every shape the plan needs and whether the
    /// model runs batched (a fixed batch of 1 is rewritten to a free one when the results stay the same).
    /// </summary>
    private bool LearnShapes(bool batchFixedAtOne)
    {
        var fedByCaller = new HashSet<string>(_model.Graph.Inputs.Select(i => i.Name), StringComparer.Ordinal);
        var probes = new[] { OutputName }.Concat(_plan.ShapeProbes.Concat(_plan.ReadValues).Where(p => !fedByCaller.Contains(p) && p != OutputName)).Distinct().ToArray();
        var rowA = MadeUpRows(1, 1);
        var rowB = MadeUpRows(1, 2);
        var both = MadeUpRows(2, 1, rowA, rowB);

        Dictionary<string, OrtTensor>? atTwo = null;
        Dictionary<string, OrtTensor> atOne;
        bool batched = false;
        try
        {
            using var dynamicRunner = new OrtRunner(_model.ToBytes(new OnnxWriteOptions { ExtraOutputs = probes, MakeBatchDynamic = batchFixedAtOne }), Options with { GpuDeviceId = null }, _modelDescription);
            atOne = dynamicRunner.Run(rowA, probes);
            var atOneB = dynamicRunner.Run(rowB, probes);
            atTwo = dynamicRunner.Run(both, probes);
            batched = SameRows(atOne[OutputName], atOneB[OutputName], atTwo[OutputName]);
        }
        catch (Exception ex) when (batchFixedAtOne && ex is LrpException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            using var fixedRunner = new OrtRunner(_model.ToBytes(new OnnxWriteOptions { ExtraOutputs = probes }), Options with { GpuDeviceId = null }, _modelDescription);
            atOne = fixedRunner.Run(rowA, probes);
        }

        var one = atOne.ToDictionary(kv => kv.Key, kv => kv.Value.Shape);
        var two = batched ? atTwo!.ToDictionary(kv => kv.Key, kv => kv.Value.Shape) : null;
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

    private Dictionary<string, OrtTensor> MadeUpRows(int rows, int seed, Dictionary<string, OrtTensor>? first = null, Dictionary<string, OrtTensor>? second = null)
    {
        var result = new Dictionary<string, OrtTensor>(StringComparer.Ordinal);
        foreach (var info in _model.Graph.Inputs)
        {
            var rowShape = info.Name == InputName ? InputShape : AdditionalInputs[info.Name];
            int[] shape = [rows, .. rowShape];
            int length = shape.Aggregate(1, (a, b) => a * b);
            if (first is not null && second is not null)
            {
                var a = first[info.Name];
                var b = second[info.Name];
                result[info.Name] = a.Floats is not null
                    ? new OrtTensor(shape, [.. a.Floats, .. b.Floats!], null)
                    : new OrtTensor(shape, null, [.. a.Int64s!, .. b.Int64s!]);
                continue;
            }

            var random = new Random(seed * 7919);
            bool isFloat = info.ElementType is OnnxElementType.Float or OnnxElementType.Double or OnnxElementType.Float16;
            result[info.Name] = isFloat
                ? new OrtTensor(shape, Enumerable.Range(0, length).Select(_ => (float)random.NextDouble()).ToArray(), null)
                : new OrtTensor(shape, null, Enumerable.Repeat(1L, length).ToArray());
        }

        return result;
    }

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
