using System.Text.Json;
using System.Text.Json.Serialization;

namespace Microsoft.ML.Lrp.MLNet;

/// <summary>
/// The saved form of <see cref="LrpOptions"/> in <see cref="LrpModel"/> files: every option except the model, whose
/// bytes are stored next to it.
/// </summary>
internal sealed record LrpOptionsDto
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    public string? InputColumnName { get; init; }

    public string? OutputName { get; init; }

    public string RelevanceColumnName { get; init; } = "";

    public string TargetColumnName { get; init; } = "";

    public string ScoreColumnName { get; init; } = "";

    public string? RelevanceByColumnName { get; init; }

    public Dictionary<string, int[]>? RelevanceColumnGroups { get; init; }

    public LrpTargetDto Target { get; init; } = new();

    public LrpComposite Composite { get; init; }

    public float Epsilon { get; init; }

    public float Gamma { get; init; }

    public float[]? InputLowerBound { get; init; }

    public float[]? InputUpperBound { get; init; }

    public Dictionary<string, LrpRuleDto>? RuleOverrides { get; init; }

    public LrpOutputSeed OutputSeed { get; init; }

    public int BatchSize { get; init; }

    public int? GpuDeviceId { get; init; }

    public bool FallbackToCpu { get; init; }

    public bool IlgpuCpuAccelerator { get; init; }

    public int[]? InputRowShape { get; init; }

    public Dictionary<string, int[]>? InputRowShapes { get; init; }

    public Dictionary<string, int[]>? ColumnRowShapes { get; init; }

    public LrpCapturePolicy CapturePolicy { get; init; }

    public Dictionary<string, string>? RelevanceOutputs { get; init; }

    public string[]? ParameterRelevance { get; init; }

    public Dictionary<string, int[]>? Conditions { get; init; }

    public static LrpOptionsDto From(LrpOptions options) => new()
    {
        InputColumnName = options.InputColumnName,
        OutputName = options.OutputName,
        RelevanceColumnName = options.RelevanceColumnName,
        TargetColumnName = options.TargetColumnName,
        ScoreColumnName = options.ScoreColumnName,
        RelevanceByColumnName = options.RelevanceByColumnName,
        RelevanceColumnGroups = options.RelevanceColumnGroups?.ToDictionary(p => p.Key, p => p.Value.ToArray()),
        Target = LrpTargetDto.From(options.Target),
        Composite = options.Composite,
        Epsilon = options.Epsilon,
        Gamma = options.Gamma,
        InputLowerBound = options.InputLowerBound,
        InputUpperBound = options.InputUpperBound,
        RuleOverrides = options.RuleOverrides?.ToDictionary(p => p.Key, p => LrpRuleDto.From(p.Value)),
        OutputSeed = options.OutputSeed,
        BatchSize = options.BatchSize,
        GpuDeviceId = options.GpuDeviceId,
        FallbackToCpu = options.FallbackToCpu,
        IlgpuCpuAccelerator = options.IlgpuCpuAccelerator,
        InputRowShape = options.InputRowShape?.ToArray(),
        InputRowShapes = options.InputRowShapes?.ToDictionary(p => p.Key, p => p.Value.ToArray()),
        ColumnRowShapes = options.ColumnRowShapes?.ToDictionary(p => p.Key, p => p.Value.ToArray()),
        CapturePolicy = options.CapturePolicy,
        RelevanceOutputs = options.RelevanceOutputs?.ToDictionary(p => p.Key, p => p.Value),
        ParameterRelevance = options.ParameterRelevance?.ToArray(),
        Conditions = options.Conditions?.ToDictionary(p => p.Key, p => p.Value.ToArray()),
    };

    public static LrpOptionsDto FromJson(byte[] json)
        => JsonSerializer.Deserialize<LrpOptionsDto>(json, Json) ?? throw new LrpException("The saved LRP options are empty.");

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>The options, with the model given as <paramref name="modelBytes"/>.</summary>
    public LrpOptions ToOptions(byte[] modelBytes) => new()
    {
        ModelBytes = modelBytes,
        InputColumnName = InputColumnName,
        OutputName = OutputName,
        RelevanceColumnName = RelevanceColumnName,
        TargetColumnName = TargetColumnName,
        ScoreColumnName = ScoreColumnName,
        RelevanceByColumnName = RelevanceByColumnName,
        RelevanceColumnGroups = RelevanceColumnGroups,
        Target = Target.ToTarget(),
        Composite = Composite,
        Epsilon = Epsilon,
        Gamma = Gamma,
        InputLowerBound = InputLowerBound,
        InputUpperBound = InputUpperBound,
        RuleOverrides = RuleOverrides?.ToDictionary(p => p.Key, p => p.Value.ToRule()),
        OutputSeed = OutputSeed,
        BatchSize = BatchSize,
        GpuDeviceId = GpuDeviceId,
        FallbackToCpu = FallbackToCpu,
        IlgpuCpuAccelerator = IlgpuCpuAccelerator,
        InputRowShape = InputRowShape,
        InputRowShapes = InputRowShapes,
        ColumnRowShapes = ColumnRowShapes,
        CapturePolicy = CapturePolicy,
        RelevanceOutputs = RelevanceOutputs,
        ParameterRelevance = ParameterRelevance,
        Conditions = Conditions,
    };
}
