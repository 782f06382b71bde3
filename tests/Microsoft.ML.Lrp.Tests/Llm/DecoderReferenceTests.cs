namespace Microsoft.ML.Lrp.Tests.Llm;

/// <summary>The engine on the exported tiny Llama decoder against <see cref="NaiveLlamaReference"/> (double, by hand).</summary>
[TestClass]
public sealed class DecoderReferenceTests
{
    [TestMethod]
    [DataRow(6, 21)]
    [DataRow(9, 22)]
    public void Llama_AttnLrp_EqualsNaiveDoubleReference(int sequence, int seed) => AssertEqualsReference(sequence, seed, LrpCapturePolicy.MinimizeMemory);

    /// <summary>
    /// MinimizeTime captures the outputs of the bias-free dense layers (q, k, v, o, gate, up, down, the LM head) so
    /// that their rules read them instead of recomputing the forward product; the relevance stays the reference's.
    /// </summary>
    [TestMethod]
    public void Llama_MinimizeTime_CapturesDenseOutputsAndEqualsReference()
    {
        const int sequence = 7;
        var options = TinyDecoder.Options("llama", cache: false, sequence, past: 0, LrpComposite.AttnLrp);
        using var memory = new LrpExplainer(options);
        using var time = new LrpExplainer(options with { CapturePolicy = LrpCapturePolicy.MinimizeTime });
        var reused = time.Plan.Steps
            .Where(s => s.Rule is Microsoft.ML.Lrp.Rules.Linear.LinearRule)
            .SelectMany(s => s.Rule.WorthCapturing(s.Node))
            .Where(v => v != time.OutputName)
            .ToList();

        Assert.IsNotEmpty(reused, "the tiny Llama has bias-free dense layers under AttnLrp");
        CollectionAssert.IsSubsetOf(reused, time.Plan.Captures.ToList());
        Assert.IsFalse(reused.All(memory.Plan.Captures.Contains), "MinimizeMemory recomputes some of them");
        AssertEqualsReference(sequence, 23, LrpCapturePolicy.MinimizeTime);
    }

    /// <summary>The rows-with-relevance path (LM head, last block) on ILGPU's CPU accelerator: the CPU backend's result.</summary>
    [TestMethod]
    [TestCategory("Ilgpu")]
    public void Llama_IlgpuCpuAccelerator_MatchesCpuBackend()
    {
        const int sequence = 5;
        var ids = TinyDecoder.Ids(1, sequence, 24);
        var options = TinyDecoder.Options("llama", cache: false, sequence, past: 0, LrpComposite.AttnLrp);
        using var cpu = new LrpExplainer(options);
        using var ilgpu = new LrpExplainer(options with { IlgpuCpuAccelerator = true });
        var expected = cpu.ExplainTokens(ids, 1, additionalInputs: TinyDecoder.Inputs("llama", false, 1, sequence, 0)).RelevanceOf(0).ToArray();
        ilgpu.ExplainTokens(ids, 1, additionalInputs: TinyDecoder.Inputs("llama", false, 1, sequence, 0));
        var actual = ilgpu.ExplainTokens(ids, 1, additionalInputs: TinyDecoder.Inputs("llama", false, 1, sequence, 0)).RelevanceOf(0).ToArray();
        double scale = expected.Max(v => Math.Abs((double)v));
        Assert.IsGreaterThan(0.0, scale);
        for (int t = 0; t < sequence; t++)
        {
            Assert.AreEqual(expected[t], actual[t], 1e-5 * scale, $"token {t}");
        }

        // A warm pass keeps its tensors on the device: no round trip, no weight upload.
        var traffic = ilgpu.LastDeviceTraffic;
        Assert.IsTrue(ilgpu.ResidencyAudited);
        Assert.AreEqual(0L, traffic.RoundTripHostToDeviceBytes + traffic.RoundTripDeviceToHostBytes, $"round trips: {traffic.RoundTrips}");
        Assert.AreEqual(0L, traffic.ConstantHostToDeviceBytes, "weights only on the first call");
    }

    private static void AssertEqualsReference(int sequence, int seed, LrpCapturePolicy policy)
    {
        var ids = TinyDecoder.Ids(1, sequence, seed);
        var reference = new NaiveLlamaReference(Path.Combine(AppContext.BaseDirectory, "Llm", "models", "llama.weights.json"), heads: 4, kvHeads: 2, epsilon: 1e-6);
        var (logits, token, expected) = reference.Explain(ids);

        using var explainer = new LrpExplainer(TinyDecoder.Options("llama", cache: false, sequence, past: 0, LrpComposite.AttnLrp) with { CapturePolicy = policy });
        var result = explainer.ExplainTokens(ids, 1, additionalInputs: TinyDecoder.Inputs("llama", false, 1, sequence, 0));

        var lastLogits = result.Output.AsSpan((sequence - 1) * TinyDecoder.Vocabulary, TinyDecoder.Vocabulary);
        for (int v = 0; v < TinyDecoder.Vocabulary; v++)
        {
            Assert.AreEqual(logits[v], lastLogits[v], 1e-4, $"logit {v}: the reference's forward is the model's");
        }

        Assert.AreEqual(token, result.Targets[0]);
        // NextToken seeds the last position only: the LM head's rule runs on that row alone (and equals the reference).
        var head = explainer.Plan.Steps.Single(s => s.Node.Outputs.Contains(explainer.OutputName)).Rule;
        Assert.AreEqual(sequence - 1, ((Microsoft.ML.Lrp.Rules.Linear.LinearRule)head).LastSkippedRows);
        double scale = expected.Max(Math.Abs);
        Assert.IsGreaterThan(0, scale);
        for (int t = 0; t < sequence; t++)
        {
            Assert.AreEqual(expected[t], result.RelevanceOf(0)[t], 1e-5 * scale, $"token {t}");
        }
    }
}
