using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Rules;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Promises.Replay;

/// <summary>
/// What a replay kernel reads: the node, its input values and parameters, and the shapes at this batch size; and,
/// from the pass, where a routing replay's index map is kept when its parameters are fixed (no keeper: every map is
/// built anew).
/// </summary>
internal sealed class ReplayInputs(LrpNode node, IRelevanceBackend backend, int batch, Func<string, Tensor> values, Func<string, long[]> int64s, Func<string, int[]> shapes, Func<Func<int[]>, int[]>? maps = null)
{
    public LrpNode Node { get; } = node;

    public IRelevanceBackend Backend { get; } = backend;

    public int Batch { get; } = batch;

    public Tensor Value(string name) => values(name);

    public Tensor Input(int index) => values(Node.Inputs[index]);

    public long[] Int64s(string name) => int64s(name);

    public int[] Shape(string name) => shapes(name);

    public int[] OutputShape => shapes(Node.Outputs[0]);

    /// <summary>This node's index map: built by <paramref name="build"/>, or the kept one (declared constant to the backend) when its parameters are fixed.</summary>
    public int[] IndexMap(Func<int[]> build) => maps is null ? build() : maps(build);

    /// <summary>A rule context for the shared index maps of data-movement ops (no relevance flows through it).</summary>
    public RuleContext AsRuleContext() => new(Node, Backend, Batch, 0f, values, int64s, shapes, _ => null, _ => false, (_, _) => { });
}
