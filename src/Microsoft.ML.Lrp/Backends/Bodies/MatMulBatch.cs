namespace Microsoft.ML.Lrp.Backends.Bodies;

/// <summary>
/// A batch of row-major products <c>Z_i = A_i · B_i</c> of one shape (<c>[M, K] · [K, N]</c>): per output matrix the
/// element offsets of its A matrix, its B matrix and itself (operands may be shared by several outputs when
/// broadcast). <see cref="ADistinct"/>/<see cref="BDistinct"/>: every output reads its own A/B matrix.
/// </summary>
internal sealed record MatMulBatch(int M, int N, int K, (int A, int B, int Out)[] Offsets, bool ADistinct, bool BDistinct);
