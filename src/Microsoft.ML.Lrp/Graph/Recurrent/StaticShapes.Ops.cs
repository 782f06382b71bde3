using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Graph.Recurrent;

/// <summary>The shape rules of Concat, Slice, Split, Conv and the recurrent ops.</summary>
internal sealed partial class StaticShapes
{
    private long?[]? Concat(OnnxNode node)
    {
        var shapes = node.Inputs.Where(i => i.Length > 0).Select(Of).ToList();
        if (shapes.Count == 0 || shapes.Any(s => s is null) || shapes.Any(s => s!.Length != shapes[0]!.Length))
        {
            return null;
        }

        int axis = Normalize(node.GetInt("axis", 0), shapes[0]!.Length);
        var result = (long?[])shapes[0]!.Clone();
        result[axis] = shapes.Aggregate((long?)0, (sum, s) => sum + s![axis]);
        for (int a = 0; a < result.Length; a++)
        {
            if (a != axis && result[a] is null)
            {
                result[a] = shapes.Select(s => s![a]).FirstOrDefault(d => d is not null);
            }
        }

        return result;
    }

    private long?[]? Slice(OnnxNode node, long?[] x)
    {
        long[]? starts = node.Inputs.Count > 1 ? StaticInts(node.Inputs[1]) : node.GetInts("starts");
        long[]? ends = node.Inputs.Count > 2 ? StaticInts(node.Inputs[2]) : node.GetInts("ends");
        long[]? axes = node.Inputs.Count > 3 && node.Inputs[3].Length > 0 ? StaticInts(node.Inputs[3]) : node.Inputs.Count > 1 ? null : node.GetInts("axes");
        long[]? steps = node.Inputs.Count > 4 && node.Inputs[4].Length > 0 ? StaticInts(node.Inputs[4]) : null;
        if (node.Inputs.Count > 3 && node.Inputs[3].Length > 0 && axes is null)
        {
            return null;
        }

        if (starts is null || ends is null || (node.Inputs.Count > 4 && node.Inputs[4].Length > 0 && steps is null))
        {
            // Bounds not known before the run: the sliced axes are unknown, the others keep their size.
            if (axes is null)
            {
                return null;
            }

            var partial = (long?[])x.Clone();
            foreach (long a in axes)
            {
                partial[Normalize(a, x.Length)] = null;
            }

            return partial;
        }

        axes ??= [.. Enumerable.Range(0, starts.Length).Select(a => (long)a)];
        var result = (long?[])x.Clone();
        for (int k = 0; k < axes.Length; k++)
        {
            int a = Normalize(axes[k], x.Length);
            long step = steps?[k] ?? 1;
            if (x[a] is not long size || step != 1)
            {
                result[a] = null;
                continue;
            }

            long s = Math.Clamp(starts[k] < 0 ? starts[k] + size : starts[k], 0, size);
            long e = Math.Clamp(ends[k] < 0 ? ends[k] + size : ends[k], 0, size);
            result[a] = Math.Max(0, e - s);
        }

        return result;
    }

    /// <summary>Split output <paramref name="output"/>: the <c>split</c> sizes (input or attribute), else equal parts.</summary>
    private long?[]? Split(OnnxNode node, long?[] x, int output)
    {
        int axis = Normalize(node.GetInt("axis", 0), x.Length);
        long[]? sizes = node.Inputs.Count > 1 && node.Inputs[1].Length > 0 ? ConstantInts(node.Inputs[1]) : node.GetInts("split");
        var result = (long?[])x.Clone();
        if (sizes is not null)
        {
            result[axis] = output < sizes.Length ? sizes[output] : null;
        }
        else
        {
            int parts = node.Outputs.Count;
            result[axis] = x[axis] is long size && size % parts == 0 ? size / parts : null;
        }

        return result;
    }

    /// <summary>
    /// Conv output: <c>[N, M, ...]</c> with each spatial dim <c>⌊(d + pad_begin + pad_end − dilation·(k − 1) − 1) / stride⌋ + 1</c>
    /// (explicit pads only; an auto_pad other than NOTSET leaves the spatial dims unknown).
    /// </summary>
    private static long?[]? Conv(OnnxNode node, long?[] x, long?[]? w)
    {
        if (w is null || w.Length != x.Length || x.Length < 3)
        {
            return null;
        }

        int spatial = x.Length - 2;
        long[] pads = node.GetInts("pads") ?? new long[2 * spatial];
        long[] strides = node.GetInts("strides") ?? [.. Enumerable.Repeat(1L, spatial)];
        long[] dilations = node.GetInts("dilations") ?? [.. Enumerable.Repeat(1L, spatial)];
        bool explicitPads = node.GetString("auto_pad", "NOTSET") == "NOTSET";
        var result = new long?[x.Length];
        result[0] = x[0];
        result[1] = w[0];
        for (int i = 0; i < spatial; i++)
        {
            long? k = w[i + 2] ?? node.GetInts("kernel_shape")?[i];
            result[i + 2] = explicitPads && x[i + 2] is long d && k is long kk
                ? ((d + pads[i] + pads[i + spatial] - (dilations[i] * (kk - 1)) - 1) / strides[i]) + 1
                : null;
        }

        return result;
    }

    private static long?[]? Recurrent(OnnxNode node, long?[] x, int output)
    {
        if (x.Length != 3)
        {
            return null;
        }

        bool batchFirst = node.GetInt("layout", 0) == 1;
        long? seq = batchFirst ? x[1] : x[0];
        long? batch = batchFirst ? x[0] : x[1];
        long dirs = node.GetString("direction", "forward") == "bidirectional" ? 2 : 1;
        long? hidden = node.HasAttribute("hidden_size") ? node.GetInt("hidden_size", 0) : null;
        return output switch
        {
            0 => batchFirst ? [batch, seq, dirs, hidden] : [seq, dirs, batch, hidden],
            _ => batchFirst ? [batch, dirs, hidden] : [dirs, batch, hidden],
        };
    }
}
