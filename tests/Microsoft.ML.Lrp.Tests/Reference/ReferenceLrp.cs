namespace Microsoft.ML.Lrp.Tests.Reference;

/// <summary>
/// The slow, independent test oracle: parses an ONNX model itself, runs a naive forward pass in double and the
/// relevance pass of RULES.md with plain loops. It shares nothing with the library but the generated proto classes
/// and the public option types.
/// </summary>
internal static class ReferenceLrp
{
    /// <summary>Explains a batch: <paramref name="input"/> is row-major with shape <paramref name="inputShape"/> (rows first).</summary>
    public static ReferenceResult Explain(byte[] model, double[] input, int[] inputShape, ReferenceOptions options)
    {
        var graph = ReferenceGraph.Parse(model);
        string inputName = options.InputName ?? graph.Inputs[0];
        string outputName = options.OutputName ?? graph.Outputs[0];
        var forward = new ReferenceForward(graph, inputName, new ReferenceTensor(inputShape, (double[])input.Clone()));
        var output = forward.Values[outputName];
        var (seed, targets, rowSeeds) = Seed(output, options);
        var backward = new ReferenceBackward(graph, forward, options, inputName);
        backward.Run(outputName, seed);
        return new ReferenceResult
        {
            Output = output.Data,
            OutputShape = output.Shape,
            Relevance = backward.Relevance.GetValueOrDefault(inputName) ?? new double[input.Length],
            Seed = rowSeeds.Sum(),
            RowSeeds = rowSeeds,
            Targets = targets,
            Absorbed = backward.Absorbed,
            RelevanceByValue = backward.Relevance,
        };
    }

    /// <summary>The forward pass only: every graph output by name.</summary>
    public static Dictionary<string, ReferenceTensor> Forward(byte[] model, double[] input, int[] inputShape, string? inputName = null)
    {
        var graph = ReferenceGraph.Parse(model);
        var forward = new ReferenceForward(graph, inputName ?? graph.Inputs[0], new ReferenceTensor(inputShape, (double[])input.Clone()));
        return graph.Outputs.ToDictionary(o => o, o => forward.Values[o]);
    }

    private static (double[] Seed, int[] Targets, double[] RowSeeds) Seed(ReferenceTensor output, ReferenceOptions options)
    {
        int rows = output.Shape.Length == 0 ? 1 : output.Shape[0];
        int rowSize = output.Size / rows;
        var seed = new double[output.Size];
        var targets = new int[rows];
        var rowSeeds = new double[rows];
        bool score = options.OutputSeed == LrpOutputSeed.Score;
        var direction = options.Target.DirectionWeights;
        if (direction is not null && direction.Count != rowSize)
        {
            throw new ArgumentException($"The direction has {direction.Count} weights; the output row has {rowSize}.");
        }

        for (int row = 0; row < rows; row++)
        {
            int offset = row * rowSize;
            int target = options.TargetPerRow?[row] ?? options.Target.Kind switch
            {
                LrpTargetKind.Class => options.Target.ClassIndex,
                LrpTargetKind.PredictedClass => ArgMax(output.Data, offset, rowSize),
                LrpTargetKind.AllOutputs or LrpTargetKind.Direction => -1,
                _ => throw new ArgumentException("Targets from a column need ReferenceOptions.TargetPerRow."),
            };
            targets[row] = target;
            for (int k = 0; k < rowSize; k++)
            {
                double weight = target >= 0 ? (k == target ? 1 : 0) : direction is null ? 1 : direction[k];
                seed[offset + k] = score ? output.Data[offset + k] * weight : weight;
                rowSeeds[row] += seed[offset + k];
            }
        }

        return (seed, targets, rowSeeds);
    }

    private static int ArgMax(double[] data, int offset, int count)
    {
        int best = 0;
        for (int k = 1; k < count; k++)
        {
            if (data[offset + k] > data[offset + best])
            {
                best = k;
            }
        }

        return best;
    }
}
