using Microsoft.ML.Lrp.Backends;

namespace Microsoft.ML.Lrp.Rules.Interpolation;

/// <summary>
/// The map of a RoiAlign node (opsets 10, 16): box r (x1, y1, x2, y2, times spatial_scale, minus 0.5 with half_pixel)
/// is split into output_height × output_width bins, each sampled on a sampling_ratio² grid (adaptive when 0) by bilinear
/// weights, as ONNX Runtime computes them. Average mode: the mean of the samples, linear in X. Max mode: ONNX Runtime
/// keeps the largest weighted corner term <c>w · x[p]</c> over the bin's samples, so the output is one input element
/// times its weight: the map holds that winner (it depends on x). One block per box, over the image batch_indices[r].
/// </summary>
internal static class RoiAlignMaps
{
    public static InterpolationPlan Plan(RuleContext ctx, int[] xShape, int[] yShape, bool halfPixel, float[]? x)
    {
        var node = ctx.Node.Source;
        bool max = node.GetString("mode", "avg") == "max";
        int samplingRatio = (int)node.GetInt("sampling_ratio", 0);
        float spatialScale = node.GetFloat("spatial_scale", 1f);
        var rois = ctx.Value(ctx.Node.Inputs[1]).Data;
        var batchIndices = ctx.Int64s(ctx.Node.Inputs[2]);
        int c = xShape[1], h = xShape[2], w = xShape[3], ph = yShape[2], pw = yShape[3];
        int plane = h * w;
        var blocks = new List<InterpolationBlock>();
        for (int r = 0; r < batchIndices.Length; r++)
        {
            int image = (int)batchIndices[r];
            float offset = halfPixel ? 0.5f : 0f;
            float startW = (rois[r * 4] * spatialScale) - offset, startH = (rois[(r * 4) + 1] * spatialScale) - offset;
            float endW = (rois[(r * 4) + 2] * spatialScale) - offset, endH = (rois[(r * 4) + 3] * spatialScale) - offset;
            float roiW = endW - startW, roiH = endH - startH;
            if (!halfPixel)
            {
                roiW = Math.Max(roiW, 1f);
                roiH = Math.Max(roiH, 1f);
            }

            float binH = roiH / ph, binW = roiW / pw;
            int gridH = samplingRatio > 0 ? samplingRatio : (int)MathF.Ceiling(roiH / ph);
            int gridW = samplingRatio > 0 ? samplingRatio : (int)MathF.Ceiling(roiW / pw);
            int count = Math.Max(gridH * gridW, 1);
            var bins = new List<(int Pos, float Weight)>[ph * pw];
            for (int oy = 0; oy < ph; oy++)
            {
                for (int ox = 0; ox < pw; ox++)
                {
                    var samples = bins[(oy * pw) + ox] = [];
                    for (int iy = 0; iy < gridH; iy++)
                    {
                        float yy = startH + (oy * binH) + ((iy + .5f) * binH / gridH);
                        for (int ix = 0; ix < gridW; ix++)
                        {
                            float xx = startW + (ox * binW) + ((ix + .5f) * binW / gridW);
                            Corners(yy, xx, h, w, samples);
                        }
                    }
                }
            }

            if (!max)
            {
                var builder = new SparseMapBuilder(plane);
                foreach (var samples in bins)
                {
                    foreach (var (pos, weight) in samples)
                    {
                        builder.Add(pos, weight / count);
                    }

                    builder.EndRow();
                }

                blocks.Add(new InterpolationBlock(builder.Build(), image * c * plane, r * c * ph * pw, c));
                continue;
            }

            // Max mode: the winner differs per channel, so each channel of the box is a block of its own.
            for (int ch = 0; ch < c; ch++)
            {
                int xBase = ((image * c) + ch) * plane;
                var builder = new SparseMapBuilder(plane);
                foreach (var samples in bins)
                {
                    AddWinner(builder, samples, x!, xBase);
                    builder.EndRow();
                }

                blocks.Add(new InterpolationBlock(builder.Build(), xBase, ((r * c) + ch) * ph * pw, 1));
            }
        }

        return new InterpolationPlan(blocks, xShape[0] * c * plane, batchIndices.Length * c * ph * pw, null, max, disjointInputs: false);
    }

    /// <summary>The four bilinear corners of one sample point (none outside [−1, size]; clamped at the far edge).</summary>
    private static void Corners(float y, float x, int h, int w, List<(int, float)> samples)
    {
        if (y < -1.0 || y > h || x < -1.0 || x > w)
        {
            // An empty sample: four zero-weight taps at element 0 (they still compete in max mode).
            for (int k = 0; k < 4; k++)
            {
                samples.Add((0, 0f));
            }

            return;
        }

        y = Math.Max(y, 0f);
        x = Math.Max(x, 0f);
        int yLow = (int)y, xLow = (int)x, yHigh, xHigh;
        if (yLow >= h - 1)
        {
            yHigh = yLow = h - 1;
            y = yLow;
        }
        else
        {
            yHigh = yLow + 1;
        }

        if (xLow >= w - 1)
        {
            xHigh = xLow = w - 1;
            x = xLow;
        }
        else
        {
            xHigh = xLow + 1;
        }

        float ly = y - yLow, lx = x - xLow, hy = 1f - ly, hx = 1f - lx;
        samples.Add(((yLow * w) + xLow, hy * hx));
        samples.Add(((yLow * w) + xHigh, hy * lx));
        samples.Add(((yHigh * w) + xLow, ly * hx));
        samples.Add(((yHigh * w) + xHigh, ly * lx));
    }

    /// <summary>The largest weighted corner term <c>w · x[p]</c> of a bin (the first wins ties), as its single entry.</summary>
    private static void AddWinner(SparseMapBuilder builder, List<(int Pos, float Weight)> samples, float[] x, int xBase)
    {
        int best = -1;
        float bestValue = 0f;
        for (int k = 0; k < samples.Count; k++)
        {
            float v = samples[k].Weight * x[xBase + samples[k].Pos];
            if (best < 0 || v > bestValue)
            {
                best = k;
                bestValue = v;
            }
        }

        if (best >= 0)
        {
            builder.Add(samples[best].Pos, samples[best].Weight);
        }
    }
}
