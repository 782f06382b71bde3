namespace Microsoft.ML.Lrp;

/// <summary>
/// What to explain in one row's explained output, flattened row-major (for a <c>[N, 512, 1, 1]</c> output the
/// indices are 0..511).
/// </summary>
public sealed class LrpTarget
{
    private LrpTarget(LrpTargetKind kind, int classIndex = -1, string? columnName = null, float[]? direction = null)
    {
        Kind = kind;
        ClassIndex = classIndex;
        ColumnName = columnName;
        DirectionWeights = direction;
    }

    /// <summary>The arg-max of the flattened output row.</summary>
    public static LrpTarget PredictedClass { get; } = new(LrpTargetKind.PredictedClass);

    /// <summary>Every output element, each seeded with its own value (or 1 with <see cref="LrpOutputSeed.One"/>).</summary>
    public static LrpTarget AllOutputs { get; } = new(LrpTargetKind.AllOutputs);

    /// <summary>The kind of target.</summary>
    public LrpTargetKind Kind { get; }

    /// <summary>The fixed index for <see cref="LrpTargetKind.Class"/>, the token id for <see cref="LrpTargetKind.NextToken"/>; -1 otherwise.</summary>
    public int ClassIndex { get; }

    /// <summary>The column that holds each row's index for <see cref="LrpTargetKind.FromColumn"/>.</summary>
    public string? ColumnName { get; }

    /// <summary>The weights of <see cref="LrpTargetKind.Direction"/>, one per element of the flattened output row.</summary>
    public IReadOnlyList<float>? DirectionWeights { get; }

    /// <summary>A fixed 0-based index into the flattened output row.</summary>
    public static LrpTarget Class(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return new LrpTarget(LrpTargetKind.Class, classIndex: index);
    }

    /// <summary>
    /// A per-row index read from a column of type Int32, Int64, UInt32 or a key (keys are 1-based: key k means index k−1).
    /// </summary>
    public static LrpTarget FromColumn(string columnName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(columnName);
        return new LrpTarget(LrpTargetKind.FromColumn, columnName: columnName);
    }

    /// <summary>
    /// The next-token logit of a language model: for an output shaped <c>[batch, sequence, vocabulary]</c>, the logit
    /// of <paramref name="tokenId"/> (null: the predicted token, the arg-max there) at each row's last non-padded
    /// position, taken from the model's <c>attention_mask</c> input when it has one (with a key/value cache the mask
    /// spans past and new tokens; the position is counted among the new ones), else the last position. The target
    /// column reports the token id explained.
    /// </summary>
    public static LrpTarget NextToken(int? tokenId = null)
    {
        if (tokenId is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(tokenId), tokenId, "A token id cannot be negative.");
        }

        return new LrpTarget(LrpTargetKind.NextToken, classIndex: tokenId ?? -1);
    }

    /// <summary>
    /// A direction in output space: the seed is <c>output ⊙ w</c> (or <c>w</c> with <see cref="LrpOutputSeed.One"/>),
    /// so relevance explains the dot product <c>w · output</c>.
    /// </summary>
    public static LrpTarget Direction(float[] weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Length == 0)
        {
            throw new ArgumentException("A direction needs at least one weight.", nameof(weights));
        }

        return new LrpTarget(LrpTargetKind.Direction, direction: (float[])weights.Clone());
    }

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        LrpTargetKind.Class => $"Class({ClassIndex})",
        LrpTargetKind.FromColumn => $"FromColumn({ColumnName})",
        LrpTargetKind.Direction => $"Direction({DirectionWeights!.Count} weights)",
        LrpTargetKind.NextToken => ClassIndex < 0 ? "NextToken(predicted)" : $"NextToken({ClassIndex})",
        _ => Kind.ToString(),
    };
}

/// <summary>The kinds of <see cref="LrpTarget"/>.</summary>
public enum LrpTargetKind
{
    /// <summary>The arg-max of the output row.</summary>
    PredictedClass,

    /// <summary>A fixed index.</summary>
    Class,

    /// <summary>An index read per row from a column.</summary>
    FromColumn,

    /// <summary>A weighted sum of the outputs.</summary>
    Direction,

    /// <summary>All outputs at once.</summary>
    AllOutputs,

    /// <summary>A language model's next-token logit at each row's last non-padded position.</summary>
    NextToken,
}
