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
}
