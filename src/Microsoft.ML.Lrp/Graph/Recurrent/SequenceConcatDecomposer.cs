using Microsoft.ML.Lrp.Graph.Fused;

namespace Microsoft.ML.Lrp.Graph.Recurrent;

/// <summary>
/// <c>ConcatFromSequence</c> of a sequence built by a chain <c>SequenceEmpty → SequenceInsert(·, t₁) → … →
/// SequenceInsert(·, t_k)</c>, through Identity (each appending at the end, as PyTorch exports a list filled in a Loop once the Loop is
/// unrolled): the tensors are joined by one <c>Concat</c> along <c>axis</c> (with <c>new_axis=1</c> each is first
/// unsqueezed there), so relevance reaches every element through Concat's routing rule. While the sequence still
/// comes from a Loop not yet unrolled, the node is kept for the next rewriting pass; any other producer is refused.
/// </summary>
internal sealed class SequenceConcatDecomposer : IFusedOpDecomposer
{
    public IReadOnlyList<string> OpTypes { get; } = ["ConcatFromSequence"];

    public void Decompose(FusedGraphBuilder b)
    {
        var tensors = new List<string>();
        string sequence = b.Input(0);
        while (true)
        {
            var producer = b.Graph.Producer(sequence);
            if (producer is { OpType: "SequenceEmpty", Domain.Length: 0 })
            {
                break;
            }

            if (producer is { OpType: "Identity", Domain.Length: 0 })
            {
                sequence = producer.Inputs[0];
                continue;
            }

            if (producer is { OpType: "Loop" or "If" or "Scan", Domain.Length: 0 } && tensors.Count == 0)
            {
                b.Nodes.Add(b.Proto!.Clone()); // unrolled in this pass: the chain is there in the next one
                return;
            }

            if (producer is not { OpType: "SequenceInsert", Domain.Length: 0 } || (producer.Inputs.Count > 2 && producer.Inputs[2].Length > 0))
            {
                throw b.Unsupported(
                    $"a sequence '{sequence}' made by {(producer is null ? "no node" : $"'{producer.Name}' ({producer.OpType})")}",
                    "Only sequences built from SequenceEmpty by SequenceInsert at the end are joined.");
            }

            tensors.Add(producer.Inputs[1]);
            sequence = producer.Inputs[0];
        }

        if (tensors.Count == 0)
        {
            throw b.Unsupported("an empty sequence", "ConcatFromSequence needs at least one tensor.");
        }

        tensors.Reverse();
        long axis = b.Fused.GetInt("axis", 0);
        if (b.Fused.GetInt("new_axis", 0) == 1)
        {
            if (axis < 0)
            {
                int rank = b.Shapes?.Of(tensors[0])?.Length ?? throw b.Unsupported($"a negative axis {axis} with new_axis=1 on tensors of unknown rank", "Use a non-negative axis.");
                axis += rank + 1;
            }

            tensors = [.. tensors.Select(t => b.Opset >= 13 ? b.Op("Unsqueeze", [t, b.Int64s(axis)]) : b.Op("Unsqueeze", [t], null, ("axes", new[] { axis })))];
        }

        b.Op("Concat", [.. tensors], b.Output(0), ("axis", axis));
    }
}
