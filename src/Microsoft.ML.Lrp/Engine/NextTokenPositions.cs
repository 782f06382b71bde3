namespace Microsoft.ML.Lrp.Engine;

/// <summary>
/// Resolves <see cref="LrpTarget.NextToken"/> to one flattened output index per row: the position is the row's last
/// non-padded token (from the attention mask, whose trailing part covers the new tokens when a key/value cache
/// precedes them), the token the given id or the arg-max of the logits there.
/// </summary>
internal static class NextTokenPositions
{
    /// <summary>The model input read as the attention mask: <c>attention_mask</c>, else the only integer input named like a mask.</summary>
    public static string? MaskInput(IEnumerable<string> additionalInputs)
    {
        var names = additionalInputs.ToList();
        var exact = names.FirstOrDefault(n => string.Equals(n, "attention_mask", StringComparison.OrdinalIgnoreCase));
        if (exact is not null)
        {
            return exact;
        }

        var masks = names.Where(n => n.Contains("mask", StringComparison.OrdinalIgnoreCase)).ToList();
        return masks.Count == 1 ? masks[0] : null;
    }

    /// <summary>The resolved targets of a chunk for <see cref="OutputSeeder"/>; null unless the target is <see cref="LrpTargetKind.NextToken"/>.</summary>
    public static (int[] Indices, int Vocabulary)? ForChunk(LrpExplainer explainer, Promises.RelevancePlan plan, IReadOnlyDictionary<string, OrtTensor> feeds, float[] output, int count, int start)
    {
        var target = explainer.Options.Target;
        if (target.Kind != LrpTargetKind.NextToken)
        {
            return null;
        }

        var shape = plan.Shapes.Shape(explainer.OutputName, count);
        var maskName = MaskInput(explainer.AdditionalInputs.Keys);
        var mask = maskName is null ? null : feeds[maskName];
        var indices = Resolve(target, explainer.OutputName, shape, output.AsSpan(0, count * explainer.OutputRowLength), mask, maskName, start);
        return (indices, shape[^1]);
    }

    /// <summary>Flattened target indices, one per row of the chunk.</summary>
    public static int[] Resolve(LrpTarget target, string outputName, int[] outputShape, ReadOnlySpan<float> output, OrtTensor? mask, string? maskName, int firstRow)
    {
        int rows = outputShape[0];
        if (outputShape.Length is not (2 or 3))
        {
            throw new LrpException($"LrpTarget.NextToken needs an output shaped [batch, sequence, vocabulary]; the output '{outputName}' has shape [{string.Join(", ", outputShape)}].");
        }

        int sequence = outputShape.Length == 3 ? outputShape[1] : 1;
        int vocabulary = outputShape[^1];
        if (target.ClassIndex >= vocabulary)
        {
            throw new LrpException($"LrpTarget.NextToken({target.ClassIndex}) is out of range: the output '{outputName}' has a vocabulary of {vocabulary} (valid ids: 0 to {vocabulary - 1}).");
        }

        var result = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            int position = sequence - 1;
            if (mask is not null)
            {
                position = LastUnpadded(mask, maskName!, r, sequence, firstRow);
            }

            int offset = position * vocabulary;
            int token = target.ClassIndex >= 0
                ? target.ClassIndex
                : System.Numerics.Tensors.TensorPrimitives.IndexOfMax(output.Slice(r * sequence * vocabulary + offset, vocabulary));
            result[r] = offset + token;
        }

        return result;
    }

    private static int LastUnpadded(OrtTensor mask, string maskName, int row, int sequence, int firstRow)
    {
        int length = mask.Shape[^1];
        if (mask.Shape.Length != 2 || length < sequence)
        {
            throw new LrpException($"LrpTarget.NextToken reads the input '{maskName}' as the attention mask, but its shape [{string.Join(", ", mask.Shape)}] is not [batch, total length ≥ {sequence}].");
        }

        int last = -1;
        for (int i = 0; i < length; i++)
        {
            double v = mask.Int64s is { } ids ? ids[row * length + i] : mask.Floats![row * length + i];
            if (v != 0)
            {
                last = i;
            }
        }

        int position = last - (length - sequence);
        if (position < 0)
        {
            throw new LrpException($"Row {firstRow + row} has no unpadded new token in the attention mask '{maskName}': LrpTarget.NextToken has no position to explain.");
        }

        return position;
    }
}
