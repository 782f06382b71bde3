namespace Microsoft.ML.Lrp.Tests.TestModels;

/// <summary>Factories of small ONNX test networks (a few thousand weights each), for the engine and the reference.</summary>
internal static partial class TestNetworks
{
    /// <summary>MLP 10 → 16 → 12 → 4: Gemm(transB=1) → Relu → Gemm → Relu → Gemm; zero biases when <paramref name="withBias"/> is false.</summary>
    public static TestNetwork Mlp(bool withBias = true)
    {
        var b = new OnnxModelBuilder(seed: 11).Input("input", "N", 10);
        int[] sizes = [10, 16, 12, 4];
        string current = "input";
        for (int layer = 0; layer < 3; layer++)
        {
            b.RandomWeight($"W{layer}", sizes[layer + 1], sizes[layer]);
            Bias(b, $"B{layer}", sizes[layer + 1], withBias);
            string z = layer == 2 ? "output" : $"z{layer}";
            b.Node("Gemm", [current, $"W{layer}", $"B{layer}"], [z], $"dense{layer}", ("transB", 1));
            if (layer < 2)
            {
                b.Node("Relu", z, $"a{layer}", $"relu{layer}");
                current = $"a{layer}";
            }
        }

        return new TestNetwork(withBias ? "Mlp" : "MlpNoBias", b.Output("output", "N", 4).Build(), [3, 10]) { HasBiases = withBias, FirstLayers = ["dense0"] };
    }

    /// <summary>The MLP written as MatMul with constant weights + Add of a constant bias.</summary>
    public static TestNetwork MlpMatMul(bool withBias = true)
    {
        var b = new OnnxModelBuilder(seed: 12).Input("input", "N", 10);
        int[] sizes = [10, 16, 12, 4];
        string current = "input";
        for (int layer = 0; layer < 3; layer++)
        {
            b.RandomWeight($"W{layer}", sizes[layer], sizes[layer + 1]);
            Bias(b, $"B{layer}", sizes[layer + 1], withBias);
            b.Node("MatMul", [current, $"W{layer}"], [$"m{layer}"], $"matmul{layer}");
            string z = layer == 2 ? "output" : $"z{layer}";
            b.Node("Add", [$"m{layer}", $"B{layer}"], [z], $"bias{layer}");
            if (layer < 2)
            {
                b.Node("Relu", z, $"a{layer}", $"relu{layer}");
                current = $"a{layer}";
            }
        }

        return new TestNetwork(withBias ? "MlpMatMul" : "MlpMatMulNoBias", b.Output("output", "N", 4).Build(), [3, 10]) { HasBiases = withBias, FirstLayers = ["matmul0"] };
    }

    /// <summary>Flatten of a 3-D input [N, 2, 5] in front of the MLP.</summary>
    public static TestNetwork MlpFlatten()
    {
        var b = new OnnxModelBuilder(seed: 13).Input("input", "N", 2, 5)
            .RandomWeight("W0", 16, 10).RandomUniform("B0", -0.1f, 0.1f, 16)
            .RandomWeight("W1", 4, 16).RandomUniform("B1", -0.1f, 0.1f, 4)
            .Node("Flatten", "input", "flat", "flatten", ("axis", 1))
            .Node("Gemm", ["flat", "W0", "B0"], ["z0"], "dense0", ("transB", 1))
            .Node("Relu", "z0", "a0", "relu0")
            .Node("Gemm", ["a0", "W1", "B1"], ["output"], "dense1", ("transB", 1));
        return new TestNetwork("MlpFlatten", b.Output("output", "N", 4).Build(), [2, 2, 5]) { FirstLayers = ["dense0"] };
    }

    /// <summary>Gemm with transA, alpha and beta (the activation transposed in front): [N, 6] → [N, 4].</summary>
    public static TestNetwork GemmTransA()
    {
        var b = new OnnxModelBuilder(seed: 14).Input("input", "N", 6)
            .RandomWeight("W", 6, 4).RandomUniform("C", -0.5f, 0.5f, 4)
            .Node("Transpose", "input", "t", "transpose", ("perm", new[] { 1, 0 }))
            .Node("Gemm", ["t", "W", "C"], ["output"], "dense", ("transA", 1), ("alpha", 0.5f), ("beta", 2f));
        return new TestNetwork("GemmTransA", b.Output("output", "N", 4).Build(), [3, 6]) { FirstLayers = ["dense"] };
    }

    /// <summary>BatchNormalization after a Relu (not foldable: Pass) between two Gemms.</summary>
    public static TestNetwork BatchNormAfterRelu()
    {
        var b = new OnnxModelBuilder(seed: 15).Input("input", "N", 6)
            .RandomWeight("W0", 8, 6).RandomUniform("B0", -0.1f, 0.1f, 8)
            .RandomWeight("W1", 3, 8).RandomUniform("B1", -0.1f, 0.1f, 3);
        BatchNormParameters(b, "bn", 8, true);
        b.Node("Gemm", ["input", "W0", "B0"], ["z0"], "dense0", ("transB", 1))
            .Node("Relu", "z0", "a0", "relu0")
            .Node("BatchNormalization", ["a0", "bn_scale", "bn_bias", "bn_mean", "bn_var"], ["n0"], "bn0", ("epsilon", 1e-3f))
            .Node("Gemm", ["n0", "W1", "B1"], ["output"], "dense1", ("transB", 1));
        return new TestNetwork("BatchNormAfterRelu", b.Output("output", "N", 3).Build(), [2, 6]) { FirstLayers = ["dense0"] };
    }

    /// <summary>Gather with constant indices on an activation (axis 1): Gemm → Relu → Gather [0,2,2,5,7] → Gemm.</summary>
    public static TestNetwork GatherActivation()
    {
        var b = new OnnxModelBuilder(seed: 16).Input("input", "N", 10)
            .RandomWeight("W0", 8, 10).RandomUniform("B0", -0.1f, 0.1f, 8)
            .RandomWeight("W1", 3, 5).RandomUniform("B1", -0.1f, 0.1f, 3)
            .Initializer("idx", new long[] { 0, 2, 2, 5, 7 }, 5)
            .Node("Gemm", ["input", "W0", "B0"], ["z0"], "dense0", ("transB", 1))
            .Node("Relu", "z0", "a0", "relu0")
            .Node("Gather", ["a0", "idx"], ["g"], "gather", ("axis", 1))
            .Node("Gemm", ["g", "W1", "B1"], ["output"], "dense1", ("transB", 1));
        return new TestNetwork("GatherActivation", b.Output("output", "N", 3).Build(), [2, 10]) { FirstLayers = ["dense0"] };
    }

    /// <summary>All the networks, for data-driven tests.</summary>
    public static IReadOnlyList<TestNetwork> All() =>
    [
        Mlp(), Mlp(false), MlpMatMul(), MlpMatMul(false), MlpFlatten(), GemmTransA(), BatchNormAfterRelu(), GatherActivation(),
        VggLike(1), VggLike(2), VggLike(1, false), ResNetLike(false), ResNetLike(true), ResNetLike(true, false),
        GroupedConv(), DepthwiseConv(), Conv1d(), Conv3d(), ConvTranspose(), Pools(), GlobalMaxPool(),
        Routing(), Activations(), SubAndSum(), LegacyOpset10(),
        BertLike(), GptLike(),
    ];

    /// <summary>A network of <see cref="All"/> by name.</summary>
    public static TestNetwork ByName(string name) => All().Single(n => n.Name == name);

    private static void Bias(OnnxModelBuilder b, string name, int size, bool random)
    {
        if (random)
        {
            b.RandomUniform(name, -0.2f, 0.2f, size);
        }
        else
        {
            b.Initializer(name, new float[size], size);
        }
    }

    private static void BatchNormParameters(OnnxModelBuilder b, string prefix, int channels, bool withShift)
    {
        b.RandomUniform($"{prefix}_scale", 0.5f, 1.5f, channels);
        if (withShift)
        {
            b.RandomUniform($"{prefix}_bias", -0.2f, 0.2f, channels).RandomUniform($"{prefix}_mean", -0.2f, 0.2f, channels);
        }
        else
        {
            b.Initializer($"{prefix}_bias", new float[channels], channels).Initializer($"{prefix}_mean", new float[channels], channels);
        }

        b.RandomUniform($"{prefix}_var", 0.5f, 1.5f, channels);
    }
}
