using Microsoft.ML.Lrp.Engine;

namespace Microsoft.ML.Lrp;

public sealed partial class LrpExplainer
{
    /// <summary>
    /// Explains <paramref name="rows"/> rows of integer token ids (row-major, <see cref="InputRowLength"/> each). The
    /// relevance has one value per token: the relevance that reached the token's embedding row, summed over the
    /// embedding dimension, on the token's own position even when the ids reach the lookup through an integer Cast,
    /// Reshape, Flatten, Squeeze, Unsqueeze, Identity or Transpose. <paramref name="additionalInputs"/> feeds the other inputs (attention mask, token types),
    /// which carry no relevance.
    /// </summary>
    public LrpExplanation ExplainTokens(long[] tokenIds, int rows, IReadOnlyList<int>? targets = null, IReadOnlyDictionary<string, Array>? additionalInputs = null, bool conservationReport = false)
    {
        ArgumentNullException.ThrowIfNull(tokenIds);
        return Explain(TokenInputs.ToFloats(tokenIds, InputName), rows, targets, additionalInputs, conservationReport);
    }

    /// <summary>True when the explained input holds integer token ids rather than float features.</summary>
    public bool ExplainsTokenIds => TokenInputs.IsTokenIds(_inputTypes[InputName]);
}
