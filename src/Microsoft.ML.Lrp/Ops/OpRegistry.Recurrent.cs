using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Promises.Replay;
using Microsoft.ML.Lrp.Rules;

namespace Microsoft.ML.Lrp.Ops;

/// <summary>
/// Rows of recurrent and control-flow ops: none. LSTM, GRU, RNN, If, Loop and Scan never reach the registry: the
/// decomposition (Graph/Fused/FusedOpDecomposition, Graph/Recurrent) unrolls or inlines them into primitive ops before
/// the graph is analysed, or refuses them there with the node's name (an unknown sequence length or trip count, a
/// loop that may end early, nested control flow). Their relevance is that of the primitive ops, with the gates of the
/// cells found by Graph/GateOperands (signal-take-all, Arras et al. 2017).
/// </summary>
internal static partial class OpRegistry
{
    private static IEnumerable<OpInfo> RecurrentRows() => [];

    /// <summary>
    /// The replay of an activation whose kernel rounds differently from ONNX Runtime's (Sigmoid, Tanh, Elu, Softplus:
    /// .NET's TensorPrimitives/MathF against MLAS's approximations, an ulp or so apart). It is not used inside an
    /// unrolled recurrence (nodes decomposed from LSTM, GRU, RNN, Loop or Scan): there a replayed step feeds the next
    /// step's replay (the cell state c_t = f ⊙ c_{t−1} + i ⊙ g), so the differences accumulate over the time steps, and
    /// Epsilon's ratios R/z at the cell-state sums, where the two terms nearly cancel, amplify them (3.6e-6 of the
    /// largest relevance on a 5-step bidirectional LSTM); the activations are captured instead, and every replay
    /// left in the cell (Slice, Gather, Add, Mul of captured values) rounds as ONNX Runtime does.
    /// </summary>
    private static OpReplay Transcendental() => Unary() with { Applies = (node, _) => !InRecurrence(node) };

    private static bool InRecurrence(LrpNode node) => node.Source.DecomposedFrom is "LSTM" or "GRU" or "RNN" or "Loop" or "Scan";
}
