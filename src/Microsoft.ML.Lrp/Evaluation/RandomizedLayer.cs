namespace Microsoft.ML.Lrp.Evaluation;

/// <summary>One linear layer of the cascade: the node and the float initializer holding its weights.</summary>
internal sealed record RandomizedLayer(string NodeName, string OpType, string Initializer);
