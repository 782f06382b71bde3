namespace Microsoft.ML.Lrp.Visualization;

/// <summary>One line of a <see cref="TokenHeatmap"/>: a caption, the tokens and one relevance value per token.</summary>
/// <param name="Caption">Shown above the tokens (for example the document and its score).</param>
/// <param name="Tokens">The tokens in order; WordPiece continuations (<c>##ing</c>) are joined to the token before.</param>
/// <param name="Relevance">One value per token.</param>
public sealed record TokenHeatmapRow(string Caption, IReadOnlyList<string> Tokens, IReadOnlyList<float> Relevance);
