namespace Microsoft.ML.Lrp.Backends.Bodies;

/// <summary>
/// One operand of a <see cref="NormSumPlan"/>: its data, its sign in the sum, whether it is whole on the inner axes
/// (a block of <c>Inner</c> elements per block) or one value per block, the element offset of each block's data,
/// whether it receives relevance, whether its blocks are distinct (no broadcast over blocks) and its length.
/// </summary>
internal sealed record NormSumOperand(float[] Data, float Sign, bool Whole, int[] Offsets, bool Relevant, bool Injective, int Length);

/// <summary>
/// The layout of the Norm rule on a broadcasting sum <c>z = Σ_j sign_j · x_j</c>: the output seen as
/// <c>[Outer, Inner]</c> blocks (the batch leading), each operand whole or constant on a block
/// (the backend's <c>NormSum</c> runs it).
/// </summary>
internal sealed record NormSumPlan(int Outer, int Inner, int Batch, NormSumOperand[] Operands);
