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
    private readonly Dictionary<string, ModelInputShape> _inputShapes;
    private readonly CallGuard _calls = new();
    private TensorArena? _arena = new();

    /// <summary>The buffers lent to the next pass (null while a pass holds them or after <see cref="Dispose"/>); for tests and the memory probe.</summary>
    internal TensorArena? Arena => Volatile.Read(ref _arena);

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

        LrpOptionsValidation.Validate(options);

        _modelDescription = options.ModelFile is not null ? $"the model '{options.ModelFile}'" : "the model bytes";
        // Fused com.microsoft transformer ops become primitive ops here: rules, planner and ORT all see the decomposed model.
        // The inputs and outputs are the same before and after that rewrite; the original model answers the questions below.
        long planStart = System.Diagnostics.Stopwatch.GetTimestamp();
        var original = options.ModelFile is not null ? OnnxModel.Load(options.ModelFile) : OnnxModel.Load(options.ModelBytes!);
        StepProfiler.Phase(planStart, "model loaded");
        _model = original;
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
        _inputShapes = InputShapeResolver.Resolve(onnx.Inputs, input, options, _modelDescription);
        bool batchFixedAtOne = input.Shape![0].Value == 1;
        InputShape = _inputShapes[InputName].RowShape;
        InputRowLength = InputShape.Aggregate(1, (a, b) => a * b);
        var additional = new Dictionary<string, IReadOnlyList<int>>(StringComparer.Ordinal);
        foreach (var other in onnx.Inputs)
        {
            _inputTypes[other.Name] = other.ElementType;
            if (other.Name != InputName)
            {
                additional[other.Name] = _inputShapes[other.Name].RowShape;
            }
        }

        AdditionalInputs = additional;
        AdditionalInputBatchAxes = additional.Keys.ToDictionary(n => n, n => _inputShapes[n].BatchAxis, StringComparer.Ordinal);
        _model = FusedOpDecomposition.Apply(original, Graph.Recurrent.InputRowShapes.From(original, options), LearnRanks(original, batchFixedAtOne));
        StepProfiler.Phase(planStart, "fused ops decomposed");

        var graph = CanonicalGraph.Build(_model, InputName, OutputName);
        var choices = RuleSelector.Choose(graph, options);
        _plan = RelevancePlanner.Build(graph, choices, options);
        StepProfiler.Phase(planStart, "graph, rules and plan");
        Taps = Engine.Taps.RelevanceTaps.Resolve(graph, _plan.Steps, options);
        _plan.KeptRelevance = Taps?.Kept ?? _plan.KeptRelevance;
        ApplyStoredCalibration();
        _backend = backendFactory?.Invoke() ?? RelevanceBackendSelector.Select(options);
        BackendName = _backend.Name;

        CanBatch = LearnShapesOrExplain(batchFixedAtOne);
        StepProfiler.Phase(planStart, "shapes learned");
        Taps?.Bind(_plan.Shapes);
        _plan.SetSchedule(options.CapturePolicy, storedSchedule);
        Taps?.CheckSchedule(_plan);
        _steps = _plan.Steps.ToDictionary(s => s.Node);
        _runOutputs = new[] { OutputName }.Concat(_plan.Captures.Where(c => c != OutputName)).ToArray();
        var runModel = OrtModel.From(_model, new OnnxWriteOptions { ExtraOutputs = _runOutputs, MakeBatchDynamic = CanBatch && batchFixedAtOne });
        _runner = new OrtRunner(runModel, options, _modelDescription);
        StepProfiler.Phase(planStart, "capture session");
        OutputShape = _plan.Shapes.Shape(OutputName, 1)[1..];
        OutputRowLength = OutputShape.Aggregate(1, (a, b) => a * b);
        LrpOptionsValidation.ValidateBatch(options, Math.Max(InputRowLength, OutputRowLength));
        _statistics = _plan.Statistics();
        graph.Constants.DropFloatCache();

        // One trim for the shape probes' arenas and the capture session's build (Backends.Cpu.NativeHeap).
        Backends.Cpu.NativeHeap.Trim();
    }

    private readonly LrpPlanStatistics _statistics;

    /// <summary>Statistics of the relevance plan.</summary>
    public LrpPlanStatistics Statistics => _statistics;

    /// <summary>True when rows are explained in batches; false when the model only runs one row at a time.</summary>
    public bool CanBatch { get; }

    /// <summary>Where ONNX Runtime runs the forward pass (<c>CPU</c> or <c>CUDA:n</c>).</summary>
    public string ExecutionProvider => _runner.ExecutionProvider;

    internal RelevancePlan Plan => _plan;

    /// <summary>Whether every rule of the plan declares its host accesses, so that a device backend may keep tensors resident (<see cref="DeviceResidency"/>).</summary>
    internal bool ResidencyAudited => _residencyAudited ??= DeviceResidency.Audited(_plan);

    private bool? _residencyAudited;

    /// <summary>The row shape of the relevance recorded at <paramref name="tensorName"/> (one of <see cref="LrpOptions.RelevanceOutputs"/>); null for another tensor.</summary>
    internal IReadOnlyList<int>? RelevanceRowShape(string tensorName)
        => Taps?.CanonicalOf(tensorName) is { } name && Taps.Layouts.TryGetValue(name, out var layout) ? layout.RowShape : null;

    /// <summary>Relevance outputs, parameter relevance and conditions; null when the options ask for none.</summary>
    internal Engine.Taps.RelevanceTaps? Taps { get; }

    private readonly Dictionary<LrpNode, RelevanceStep> _steps = [];

    internal RelevanceStep StepOf(LrpNode node) => _steps[node];

    /// <summary>
    /// Explains <paramref name="rows"/> rows of the explained input (row-major, <see cref="InputRowLength"/> each).
    /// <paramref name="targets"/> gives one output index per row for <see cref="LrpTargetKind.FromColumn"/>;
    /// <paramref name="additionalInputs"/> feeds the model's other inputs (float[], long[] or int[] arrays, rows ×
    /// their row length, each row's slice in the row-major order of <see cref="AdditionalInputs"/>, whatever the
    /// batch axis; an input without a batch axis, see <see cref="AdditionalInputBatchAxes"/>, is given once, or once
    /// per row with the same values in every row of a batch). Non-finite inputs are rejected with an
    /// <see cref="LrpException"/> naming the row.
    /// </summary>
    public LrpExplanation Explain(float[] input, int rows, IReadOnlyList<int>? targets = null, IReadOnlyDictionary<string, Array>? additionalInputs = null, bool conservationReport = false)
    {
        // Dispose waits for this call to leave before it frees the sessions; calls after it throw.
        using var call = _calls.Enter(this);
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
            using var traffic = DeviceTrafficMeter.Begin();
            // The device workspace keeps the pass's tensors on a device backend (null on the CPU backend). Taps read and
            // write relevance on the host without declaring it, and so may rules not yet audited for residency, so such
            // passes run without one (operands travel).
            using var workspace = Taps is null && ResidencyAudited ? Backend.BeginPass() : null;
            for (int start = 0; start < rows; start += chunk)
            {
                int count = Math.Min(chunk, rows - start);
                run.RunChunk(input, start, count, targets, additionalInputs);
            }

            Backends.Cpu.NativeHeap.TrimAfterLoads();

            // Recorded whole at the end of each call: concurrent calls never mix their counts.
            Volatile.Write(ref _lastDeviceTraffic, traffic.Meter.Snapshot());
        }
        finally
        {
            Volatile.Write(ref _arena, _calls.IsClosed ? null : arena);
        }

        return run.Result();
    }

    /// <summary>
    /// Releases the ONNX Runtime session. Waits for the <see cref="Explain"/> calls running on other threads to
    /// finish; calls made after it throw <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose()
    {
        if (_calls.Close())
        {
            _arena = null;
            foreach (var step in _steps.Values)
            {
                if (step.Rule is Rules.Linear.LinearRule { Layer: Rules.Linear.ConvLayer conv })
                {
                    conv.ReleaseSessions();
                }
                else if (step.Rule is Rules.Linear.LinearRule { Layer: Rules.Linear.DenseLayer dense })
                {
                    dense.ReleaseSessions();
                }
            }

            _runner.Dispose();
            (_backend as IDisposable)?.Dispose();
        }
    }

    internal IRelevanceBackend Backend => _backend;

    private LrpDeviceTraffic _lastDeviceTraffic = LrpDeviceTraffic.None;

    /// <summary>
    /// Host↔device bytes, kernel launches and backend calls of the last <see cref="Explain"/> call to finish (each
    /// call records its own counts when it ends); all zeros on the CPU backend.
    /// </summary>
    public LrpDeviceTraffic LastDeviceTraffic => Volatile.Read(ref _lastDeviceTraffic);

    /// <summary>The model as it was loaded and planned (external data inlined), for saving: never a re-read of the file.</summary>
    internal byte[] FittedModelBytes() => Options.ModelBytes ?? _model.ToBytes(new OnnxWriteOptions { InlineExternalData = true });

    internal Dictionary<string, OrtTensor> RunModel(IReadOnlyDictionary<string, OrtTensor> inputs) => _runner.Run(inputs, _runOutputs);

    internal OnnxElementType InputElementType(string name) => _inputTypes[name];
}
