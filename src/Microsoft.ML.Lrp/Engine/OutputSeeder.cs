namespace Microsoft.ML.Lrp.Engine;

/// <summary>
/// The relevance at the explained output (RULES.md, "Output seed"): <c>output[t] · onehot(t)</c> or a plain
/// one-hot; for a direction <c>output ⊙ w</c> (or <c>w</c>); for all outputs the output itself (or ones).
/// </summary>
internal static class OutputSeeder
{
    public static float[] Seed(LrpOptions options, float[] output, int rows, int rowLength, int firstRow, IReadOnlyList<int>? targets, int[] targetsOut, float[] scoresOut, (int[] Indices, int Vocabulary)? nextTokens = null)
    {
        var seed = new float[rows * rowLength];
        bool one = options.OutputSeed == LrpOutputSeed.One;
        var target = options.Target;
        for (int r = 0; r < rows; r++)
        {
            var row = output.AsSpan(r * rowLength, rowLength);
            var seedRow = seed.AsSpan(r * rowLength, rowLength);
            switch (target.Kind)
            {
                case LrpTargetKind.Direction:
                {
                    var w = target.DirectionWeights!;
                    if (w.Count != rowLength)
                    {
                        throw new LrpException($"LrpTarget.Direction has {w.Count} weights but the output has {rowLength} elements per row.");
                    }

                    double score = 0;
                    for (int i = 0; i < rowLength; i++)
                    {
                        seedRow[i] = one ? w[i] : row[i] * w[i];
                        score += row[i] * w[i];
                    }

                    targetsOut[firstRow + r] = -1;
                    scoresOut[firstRow + r] = (float)score;
                    break;
                }

                case LrpTargetKind.AllOutputs:
                {
                    double score = 0;
                    for (int i = 0; i < rowLength; i++)
                    {
                        seedRow[i] = one ? 1f : row[i];
                        score += row[i];
                    }

                    targetsOut[firstRow + r] = -1;
                    scoresOut[firstRow + r] = (float)score;
                    break;
                }

                case LrpTargetKind.NextToken:
                {
                    var (indices, vocabulary) = nextTokens ?? throw new InvalidOperationException("NextToken targets were not resolved.");
                    int t = indices[r];
                    seedRow[t] = one ? 1f : row[t];
                    targetsOut[firstRow + r] = t % vocabulary;
                    scoresOut[firstRow + r] = row[t];
                    break;
                }

                default:
                {
                    int t = target.Kind switch
                    {
                        LrpTargetKind.PredictedClass => System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row),
                        LrpTargetKind.Class => target.ClassIndex,
                        _ => targets is not null && firstRow + r < targets.Count
                            ? targets[firstRow + r]
                            : throw new LrpException($"LrpTarget.FromColumn('{target.ColumnName}') needs one target index per row; none was given for row {firstRow + r}."),
                    };
                    if (t < 0 || t >= rowLength)
                    {
                        throw new LrpException($"Target index {t} for row {firstRow + r} is out of range: the output has {rowLength} elements per row (valid: 0 to {rowLength - 1}).");
                    }

                    seedRow[t] = one ? 1f : row[t];
                    targetsOut[firstRow + r] = t;
                    scoresOut[firstRow + r] = row[t];
                    break;
                }
            }
        }

        return seed;
    }
}
