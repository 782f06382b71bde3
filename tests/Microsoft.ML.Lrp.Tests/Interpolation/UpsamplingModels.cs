using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Interpolation;

/// <summary>Small end-to-end models with upsampling: a U-Net-like skip (Conv → Resize → Concat → Conv) and a pixel shuffle.</summary>
internal static class UpsamplingModels
{
    /// <summary>
    /// [N, 3, 8, 8] → Conv 3×3 → Relu (skip) → MaxPool 2 → Conv 3×3 → Relu → ×2 upsampling → Concat(up, skip) → Conv 1×1
    /// → GlobalAveragePool → Flatten → [N, 2]. The upsampling is a Resize of <paramref name="mode"/>, or, with
    /// <paramref name="mode"/> "expand", nearest ×2 written as Reshape → Expand → Reshape.
    /// </summary>
    public static byte[] UNet(string mode)
    {
        var b = new OnnxModelBuilder(3).Input("input", "N", 3, 8, 8)
            .RandomWeight("w1", 4, 3, 3, 3).RandomWeight("b1", 4)
            .RandomWeight("w2", 4, 4, 3, 3).RandomWeight("b2", 4)
            .RandomWeight("w3", 2, 8, 1, 1).RandomWeight("b3", 2)
            .Node("Conv", ["input", "w1", "b1"], ["e1"], "conv1", ("pads", new long[] { 1, 1, 1, 1 }))
            .Node("Relu", "e1", "skip", "relu1")
            .Node("MaxPool", ["skip"], ["p1"], "pool", ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }))
            .Node("Conv", ["p1", "w2", "b2"], ["e2"], "conv2", ("pads", new long[] { 1, 1, 1, 1 }))
            .Node("Relu", "e2", "low", "relu2");
        if (mode == "expand")
        {
            b = b.Initializer("split", new long[] { 0, 4, 4, 1, 4, 1 }, 6).Initializer("wide", new long[] { 1, 1, 1, 2, 1, 2 }, 6).Initializer("merged", new long[] { 0, 4, 8, 8 }, 4)
                .Node("Reshape", ["low", "split"], ["low6"], "split")
                .Node("Expand", ["low6", "wide"], ["up6"], "copy")
                .Node("Reshape", ["up6", "merged"], ["up"], "merge");
        }
        else
        {
            b = b.Initializer("scales", [1f, 1f, 2f, 2f], 4).Node("Resize", ["low", "", "scales"], ["up"], "up", ("mode", mode));
        }

        return b.Node("Concat", ["up", "skip"], ["cat"], "concat", ("axis", 1L))
            .Node("Conv", ["cat", "w3", "b3"], ["e3"], "conv3")
            .Node("GlobalAveragePool", "e3", "g", "gap")
            .Node("Flatten", "g", "output", "flatten")
            .Output("output", "N", 2).Build();
    }

    /// <summary>
    /// [N, 1, 6, 6] → Conv 3×3 (8 channels) → Relu → pixel shuffle ×2 → Conv 3×3 → [N, 1, 12, 12]. The shuffle is
    /// DepthToSpace (<paramref name="mode"/> DCR or CRD) or, with <paramref name="decomposed"/>, the Reshape → Transpose →
    /// Reshape the specification defines it by.
    /// </summary>
    public static byte[] PixelShuffle(string mode, bool decomposed)
    {
        var b = new OnnxModelBuilder(4).Input("input", "N", 1, 6, 6)
            .RandomWeight("w1", 8, 1, 3, 3).RandomWeight("b1", 8)
            .RandomWeight("w2", 1, 2, 3, 3).RandomWeight("b2", 1)
            .Node("Conv", ["input", "w1", "b1"], ["e1"], "conv1", ("pads", new long[] { 1, 1, 1, 1 }))
            .Node("Relu", "e1", "features", "relu1");
        if (decomposed)
        {
            bool dcr = mode == "DCR";
            // DCR splits channels as [b, b, C'], CRD as [C', b, b]; with b = C' = 2 both reshapes read [N, 2, 2, 2, 6, 6].
            b = b.Initializer("blocks", new long[] { 0, 2, 2, 2, 6, 6 }, 6).Initializer("image", new long[] { 0, 2, 12, 12 }, 4)
                .Node("Reshape", ["features", "blocks"], ["f6"], "split")
                .Node("Transpose", ["f6"], ["t6"], "permute", ("perm", dcr ? new long[] { 0, 3, 4, 1, 5, 2 } : [0, 1, 4, 2, 5, 3]))
                .Node("Reshape", ["t6", "image"], ["shuffled"], "merge");
        }
        else
        {
            b = b.Node("DepthToSpace", ["features"], ["shuffled"], "shuffle", ("blocksize", 2L), ("mode", mode));
        }

        return b.Node("Conv", ["shuffled", "w2", "b2"], ["output"], "conv2", ("pads", new long[] { 1, 1, 1, 1 }))
            .Output("output", "N", 1, 12, 12).Build();
    }
}
