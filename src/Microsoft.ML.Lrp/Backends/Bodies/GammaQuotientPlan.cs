namespace Microsoft.ML.Lrp.Backends.Bodies;

/// <summary>
/// The layout of the Gamma rule's fused quotient pass on a layer whose input has one sign (the backend's
/// <c>GammaQuotient</c>). With <c>a = W x</c> (z without bias), <c>t = γ W⁺ x</c>, the identities
/// <c>Wᵖ x = a + t</c> and <c>Wⁿ x = (1+γ) a − t</c> give both denominators from two products. Per element of channel
/// c (dense: the last axis; otherwise axis 1 of <c>[N, C, inner]</c>), with <c>P = a + t</c>, <c>N = (1+γ) a − t</c>
/// and the reference <c>z = a + b_c</c>:
/// <list type="bullet">
/// <item>input ≥ 0 (<see cref="NonPositive"/> false): <c>sP = [z&gt;0] R / stab(P + bᵖ)</c>, <c>sN = [z&lt;0] R / stab(N + bⁿ)</c>;</item>
/// <item>input ≤ 0: <c>sP = [z&lt;0] R / stab(P + bⁿ)</c>, <c>sN = [z&gt;0] R / stab(N + bᵖ)</c>;</item>
/// </list>
/// and the backward operands <c>u₁ = sP + (1+γ) sN</c>, <c>u₂ = sP − sN</c>, so that the input relevance is
/// <c>x ⊙ (Wᵀu₁ + (γW⁺)ᵀu₂)</c>. Per sample it returns <c>Σ R</c> and <c>⟨sP, P⟩ + ⟨sN, N⟩</c>.
/// </summary>
/// <param name="Batch">Samples (the leading axis).</param>
/// <param name="Channels">Output channels C (the length of each bias).</param>
/// <param name="Dense">True: the channel is the last axis (rows <c>[rows, C]</c>); false: planes <c>[N, C, inner]</c>.</param>
/// <param name="ZIncludesBias">True when <c>z</c> is the node's output <c>W x + b</c> (then <c>a = z − b</c>); false when it is <c>W x</c>.</param>
/// <param name="NonPositive">True when the layer's input is ≤ 0 (the roles of the two quotients swap).</param>
/// <param name="Block">
/// The layout of <c>u</c> (twice the length of R): element i's <c>u₁</c> lies at <c>(i / Block)·2·Block + i mod Block</c>
/// and its <c>u₂</c> <c>Block</c> further, so Block = the length gives <c>[u₁; u₂]</c> and Block = C·inner gives
/// <c>[N, 2C, inner]</c> (both transposed products as one, with the weights stacked).
/// </param>
/// <param name="Gamma">γ.</param>
/// <param name="Epsilon">The stabiliser ε.</param>
internal readonly record struct GammaQuotientPlan(int Batch, int Channels, bool Dense, bool ZIncludesBias, bool NonPositive, int Block, float Gamma, float Epsilon);
