using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules;

/// <summary>For data-movement ops: the flat input index each output element is copied from (−1: from no input element).</summary>
internal static class IndexMaps
{
    public static int[] SourceIndex(RuleContext ctx, int[] xShape, int[] yShape)
    {
        var node = ctx.Node.Source;
        int rank = yShape.Length;
        var xStrides = TensorShapes.Strides(xShape);
        var map = new int[Tensor.ShapeSize(yShape)];
        var index = new int[rank];
        Func<int[], int> source;
        switch (node.OpType)
        {
            case "Transpose":
            {
                int[] perm = node.GetInts("perm")?.Select(p => (int)p).ToArray() ?? Enumerable.Range(0, rank).Reverse().ToArray();
                source = idx =>
                {
                    int flat = 0;
                    for (int a = 0; a < rank; a++)
                    {
                        flat += idx[a] * xStrides[perm[a]];
                    }

                    return flat;
                };
                break;
            }

            case "Slice":
            {
                var (starts, steps) = SliceParameters(ctx, xShape);
                source = idx =>
                {
                    int flat = 0;
                    for (int a = 0; a < rank; a++)
                    {
                        flat += (starts[a] + (idx[a] * steps[a])) * xStrides[a];
                    }

                    return flat;
                };
                break;
            }

            case "Pad":
            {
                long[] pads = node.GetInts("pads") ?? ctx.Int64s(node.Inputs[1]);
                int[] begin = new int[rank];
                long[]? axes = node.Inputs.Count > 3 && node.Inputs[3].Length > 0 ? ctx.Int64s(node.Inputs[3]) : null;
                int count = axes?.Length ?? rank;
                for (int i = 0; i < count; i++)
                {
                    int axis = axes is null ? i : (int)(axes[i] < 0 ? axes[i] + rank : axes[i]);
                    begin[axis] = (int)pads[i];
                }

                string mode = node.GetString("mode", "constant");
                source = idx =>
                {
                    int flat = 0;
                    for (int a = 0; a < rank; a++)
                    {
                        int p = idx[a] - begin[a];
                        int n = xShape[a];
                        if (p < 0 || p >= n)
                        {
                            switch (mode)
                            {
                                case "edge":
                                    p = Math.Clamp(p, 0, n - 1);
                                    break;
                                case "reflect":
                                    int period = Math.Max(1, 2 * (n - 1));
                                    p = ((p % period) + period) % period;
                                    if (p >= n)
                                    {
                                        p = period - p;
                                    }

                                    break;
                                case "wrap":
                                    p = ((p % n) + n) % n;
                                    break;
                                default:
                                    return -1;
                            }
                        }

                        flat += p * xStrides[a];
                    }

                    return flat;
                };
                break;
            }

            case "Gather":
            {
                int axis = (int)node.GetInt("axis", 0);
                if (axis < 0)
                {
                    axis += xShape.Length;
                }

                long[] indices = ctx.Int64s(node.Inputs[1]);
                int q = rank - xShape.Length + 1;
                int[] indexShape = yShape[axis..(axis + q)];
                var indexStrides = TensorShapes.Strides(indexShape);
                source = idx =>
                {
                    int flat = 0;
                    for (int a = 0; a < axis; a++)
                    {
                        flat += idx[a] * xStrides[a];
                    }

                    int k = 0;
                    for (int a = 0; a < q; a++)
                    {
                        k += idx[axis + a] * indexStrides[a];
                    }

                    long g = indices[k];
                    if (g < 0)
                    {
                        g += xShape[axis];
                    }

                    flat += (int)g * xStrides[axis];
                    for (int a = axis + 1; a < xShape.Length; a++)
                    {
                        flat += idx[a + q - 1] * xStrides[a];
                    }

                    return flat;
                };
                break;
            }

            case "Expand" or "Tile":
            {
                bool tile = node.OpType == "Tile";
                int offset = rank - xShape.Length;
                source = idx =>
                {
                    int flat = 0;
                    for (int a = 0; a < xShape.Length; a++)
                    {
                        int i = idx[a + offset];
                        int p = tile ? i % xShape[a] : (xShape[a] == 1 ? 0 : i);
                        flat += p * xStrides[a];
                    }

                    return flat;
                };
                break;
            }

            case "DepthToSpace" or "SpaceToDepth":
            {
                // The 6-D transpose of PixelShuffle, enumerated in output order.
                var (shape6, strides6) = PixelShuffle(node, xShape);
                var index6 = new int[6];
                for (int i = 0; i < map.Length; i++)
                {
                    int flat = 0;
                    for (int a = 0; a < 6; a++)
                    {
                        flat += index6[a] * strides6[a];
                    }

                    map[i] = flat;
                    TensorShapes.Increment(index6, shape6);
                }

                return map;
            }

            default:
                throw new InvalidOperationException($"No index map for {node.OpType}.");
        }

        for (int i = 0; i < map.Length; i++)
        {
            map[i] = source(index);
            TensorShapes.Increment(index, yShape);
        }

        return map;
    }

    /// <summary>
    /// Transpose, Slice and Expand as an affine view of the source (no index map); null for the other movements
    /// (Pad, Gather, Tile).
    /// </summary>
    public static StridedView? Strided(RuleContext ctx, int[] xShape, int[] yShape)
    {
        var node = ctx.Node.Source;
        int rank = yShape.Length;
        var xStrides = TensorShapes.Strides(xShape);
        var strides = new int[rank];
        int offset = 0;
        switch (node.OpType)
        {
            case "Transpose":
            {
                int[] perm = node.GetInts("perm")?.Select(p => (int)p).ToArray() ?? Enumerable.Range(0, rank).Reverse().ToArray();
                for (int a = 0; a < rank; a++)
                {
                    strides[a] = xStrides[perm[a]];
                }

                break;
            }

            case "Slice":
            {
                var (starts, steps) = SliceParameters(ctx, xShape);
                for (int a = 0; a < rank; a++)
                {
                    strides[a] = steps[a] * xStrides[a];
                    offset += starts[a] * xStrides[a];
                }

                break;
            }

            case "Expand":
            {
                int shift = rank - xShape.Length;
                for (int a = 0; a < xShape.Length; a++)
                {
                    strides[a + shift] = xShape[a] == 1 ? 0 : xStrides[a];
                }

                break;
            }

            case "DepthToSpace" or "SpaceToDepth":
            {
                var (shape6, strides6) = PixelShuffle(node, xShape);
                return StridedView.Create(0, shape6, strides6);
            }

            default:
                return null;
        }

        return StridedView.Create(offset, yShape, strides);
    }

    /// <summary>
    /// DepthToSpace (DCR: channel <c>(i·b + j)·C' + c</c>; CRD: <c>c·b² + i·b + j</c>) and SpaceToDepth as a 6-D
    /// transpose: the output read as [N, C', H, b, W, b] (DepthToSpace) or [N, b, b, C, H', W'] (SpaceToDepth).
    /// </summary>
    private static (int[] Shape, int[] Strides) PixelShuffle(Onnx.OnnxNode node, int[] xShape)
    {
        int b = (int)node.GetInt("blocksize", 0);
        if (xShape.Length != 4 || b < 1)
        {
            throw new LrpException($"Node '{node.Name}' ({node.OpType}): expected a 4-D input and a positive blocksize; got [{string.Join(", ", xShape)}] and {b}.");
        }

        int n = xShape[0], c = xShape[1], h = xShape[2], w = xShape[3];
        int hw = h * w, chw = c * hw;
        if (node.OpType == "SpaceToDepth")
        {
            // y[n, (i·b + j)·C + c, h', w'] = x[n, c, h'·b + i, w'·b + j]
            return ([n, b, b, c, h / b, w / b], [chw, w, 1, hw, b * w, b]);
        }

        int cOut = c / (b * b);
        bool crd = node.GetString("mode", "DCR") == "CRD";
        int[] strides = crd
            ? [chw, b * b * hw, w, b * hw, 1, hw]
            : [chw, hw, w, b * cOut * hw, 1, cOut * hw];
        return ([n, cOut, h, b, w, b], strides);
    }

    /// <summary>Effective start and step per axis of a Slice (clamped as ONNX specifies).</summary>
    private static (int[] Starts, int[] Steps) SliceParameters(RuleContext ctx, int[] xShape)
    {
        var node = ctx.Node.Source;
        int rank = xShape.Length;
        long[] starts, ends;
        long[]? axes, steps = null;
        if (node.HasAttribute("starts"))
        {
            starts = node.GetInts("starts")!;
            ends = node.GetInts("ends")!;
            axes = node.GetInts("axes");
        }
        else
        {
            starts = ctx.Int64s(node.Inputs[1]);
            ends = ctx.Int64s(node.Inputs[2]);
            axes = node.Inputs.Count > 3 && node.Inputs[3].Length > 0 ? ctx.Int64s(node.Inputs[3]) : null;
            steps = node.Inputs.Count > 4 && node.Inputs[4].Length > 0 ? ctx.Int64s(node.Inputs[4]) : null;
        }

        var s = new int[rank];
        var st = Enumerable.Repeat(1, rank).ToArray();
        for (int i = 0; i < starts.Length; i++)
        {
            int axis = axes is null ? i : (int)(axes[i] < 0 ? axes[i] + rank : axes[i]);
            long step = steps is null ? 1 : steps[i];
            long dim = xShape[axis];
            long start = starts[i] < 0 ? starts[i] + dim : starts[i];
            start = step > 0 ? Math.Clamp(start, 0, dim) : Math.Clamp(start, 0, dim - 1);
            s[axis] = (int)start;
            st[axis] = (int)step;
        }

        return (s, st);
    }
}
