namespace Microsoft.ML.Lrp.Tests.Tokens;

/// <summary>
/// Integer token ids as the explained input: relevance per token (RULES.md, "Gather on an embedding table") against
/// the naive double-precision reference, with a variable sequence length fixed by <see cref="LrpOptions.InputRowShape"/>.
/// </summary>
[TestClass]
public sealed class TokenEmbeddingRuleTests
{
    private const int Sequence = 6;

    private static readonly long[] Ids = [1, 4, 4, 6, 0, 2, 3, 5, 2, 1, 0, 0];

    private static readonly long[] Mask = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0];

    [TestMethod]
    [DataRow(0)]
    [DataRow(2)]
    public void ExplainTokens_MatchesNaiveReference(int target)
    {
        var model = new TokenTestModel(Sequence);
        using var explainer = Create(model, LrpTarget.Class(target));
        var explanation = explainer.ExplainTokens(Ids, 2, additionalInputs: MaskInput());

        Assert.AreEqual(Sequence, explainer.InputRowLength);
        for (int row = 0; row < 2; row++)
        {
            var expected = TokenRelevanceReference.Explain(model, Ids[(row * Sequence)..((row + 1) * Sequence)], Mask[(row * Sequence)..((row + 1) * Sequence)], target, 1e-6);
            var actual = explanation.RelevanceOf(row);
            for (int i = 0; i < Sequence; i++)
            {
                Assert.AreEqual(expected[i], actual[i], 1e-4 * (1 + Math.Abs(expected[i])), $"row {row}, token {i}");
            }
        }
    }

    [TestMethod]
    public void ExplainTokens_MaskedTokens_GetExactlyZero()
    {
        using var explainer = Create(new TokenTestModel(Sequence), LrpTarget.Class(1));
        var relevance = explainer.ExplainTokens(Ids, 2, additionalInputs: MaskInput()).RelevanceOf(1);

        Assert.AreEqual(0f, relevance[4]);
        Assert.AreEqual(0f, relevance[5]);
        Assert.AreNotEqual(0f, relevance[0]);
    }

    [TestMethod]
    public void ExplainTokens_ConservesRelevancePerRow()
    {
        using var explainer = Create(new TokenTestModel(Sequence), LrpTarget.Class(0));
        var explanation = explainer.ExplainTokens(Ids, 2, additionalInputs: MaskInput(), conservationReport: true);

        Assert.AreEqual(0, explanation.ConservationError(0), 1e-4);
        Assert.AreEqual(0, explanation.ConservationError(1), 1e-4);
        var lookup = explanation.ConservationReport!.Nodes.Single(n => n.NodeName == "word_embeddings");
        Assert.AreEqual(lookup.RelevanceIn, lookup.RelevanceOut, 1e-4);
    }

    [TestMethod]
    public void Constructor_VariableSequenceWithoutInputRowShape_Throws()
    {
        var model = new TokenTestModel(Sequence);
        var ex = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(new LrpOptions { ModelBytes = model.Model, Composite = LrpComposite.Epsilon }));
        StringAssert.Contains(ex.Message, "sequence");
    }

    [TestMethod]
    public void ExplainTokens_IdOutOfFloatRange_Throws()
    {
        using var explainer = Create(new TokenTestModel(Sequence), LrpTarget.Class(0));
        long[] ids = [.. Ids[..Sequence]];
        ids[2] = 1L << 30;
        Assert.ThrowsExactly<LrpException>(() => explainer.ExplainTokens(ids, 1, additionalInputs: new Dictionary<string, Array> { ["attention_mask"] = Mask[..Sequence] }));
    }

    /// <summary>
    /// The embedding rule is audited for device residency (<c>DeviceResidency</c>): on the ILGPU backend the token
    /// model's plan keeps its tensors in the pass workspace, a warm pass makes no round trip (the token relevance is
    /// summed into a device tensor), and it agrees with the CPU backend.
    /// </summary>
    [TestMethod]
    [TestCategory("Ilgpu")]
    public void ExplainTokens_IlgpuCpuAccelerator_RunsResidentAndMatchesCpu()
    {
        var model = new TokenTestModel(Sequence);
        using var cpu = Create(model, LrpTarget.Class(0));
        using var ilgpu = Create(model, LrpTarget.Class(0), ilgpu: true);

        Assert.IsTrue(ilgpu.ResidencyAudited, string.Join(", ", Microsoft.ML.Lrp.Engine.DeviceResidency.Unaudited(ilgpu.Plan)));
        var expected = cpu.ExplainTokens(Ids, 2, additionalInputs: MaskInput()).Relevance;
        ilgpu.ExplainTokens(Ids, 2, additionalInputs: MaskInput());
        var actual = ilgpu.ExplainTokens(Ids, 2, additionalInputs: MaskInput()).Relevance;
        double scale = expected.Max(v => Math.Abs((double)v));
        Assert.IsGreaterThan(0.0, scale);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], actual[i], 1e-5 * scale, $"token {i}");
        }

        var traffic = ilgpu.LastDeviceTraffic;
        Assert.IsGreaterThan(0L, traffic.KernelLaunches);
        Assert.AreEqual(0L, traffic.RoundTripHostToDeviceBytes + traffic.RoundTripDeviceToHostBytes, $"round trips: {traffic.RoundTrips}");
        Assert.AreEqual(0L, traffic.ConstantHostToDeviceBytes, "weights only on the first call");
    }

    private static LrpExplainer Create(TokenTestModel model, LrpTarget target, bool ilgpu = false) => new(new LrpOptions
    {
        ModelBytes = model.Model,
        Composite = LrpComposite.Epsilon,
        Target = target,
        InputRowShape = [model.Sequence],
        BatchSize = 2,
        IlgpuCpuAccelerator = ilgpu,
    });

    private static Dictionary<string, Array> MaskInput() => new() { ["attention_mask"] = Mask };
}
