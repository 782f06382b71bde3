namespace Microsoft.ML.Lrp.Tests.Reference;

/// <summary>One node of a reference tree: a split <c>x[Feature] &lt;= Threshold</c> (or <c>&lt;</c>) or a leaf with one weight per target.</summary>
internal sealed record NaiveTreeNode(int Feature, float Threshold, bool LessThan, NaiveTreeNode? True, NaiveTreeNode? False, double[]? Weights)
{
    public bool IsLeaf => Weights is not null;
}
