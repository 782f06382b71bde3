namespace Microsoft.ML.Lrp.MLNet;

/// <summary>The saved form of an <see cref="LrpTarget"/> in <see cref="LrpModel"/> files.</summary>
internal sealed record LrpTargetDto
{
    public LrpTargetKind Kind { get; init; }

    public int ClassIndex { get; init; } = -1;

    public string? ColumnName { get; init; }

    public float[]? DirectionWeights { get; init; }

    public static LrpTargetDto From(LrpTarget target) => new()
    {
        Kind = target.Kind,
        ClassIndex = target.ClassIndex,
        ColumnName = target.ColumnName,
        DirectionWeights = target.DirectionWeights?.ToArray(),
    };

    public LrpTarget ToTarget() => Kind switch
    {
        LrpTargetKind.PredictedClass => LrpTarget.PredictedClass,
        LrpTargetKind.AllOutputs => LrpTarget.AllOutputs,
        LrpTargetKind.Class => LrpTarget.Class(ClassIndex),
        LrpTargetKind.NextToken => LrpTarget.NextToken(ClassIndex < 0 ? null : ClassIndex),
        LrpTargetKind.FromColumn => LrpTarget.FromColumn(ColumnName ?? throw new LrpException("The saved model has a FromColumn target without a column name.")),
        LrpTargetKind.Direction => LrpTarget.Direction(DirectionWeights ?? throw new LrpException("The saved model has a Direction target without weights.")),
        _ => throw new LrpException($"The saved model names an unknown target kind '{Kind}'."),
    };
}
