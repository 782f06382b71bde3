using Microsoft.ML.Lrp.Onnx.Proto;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Recurrent;

/// <summary>Small models with If, Loop and Scan (subgraphs built by <see cref="OnnxModelBuilder.Subgraph"/>), and their hand-unrolled twins.</summary>
internal static class ControlFlowModels
{
    public const int Features = 4;
    public const int Classes = 3;
    public const int Steps = 3;

    private static OnnxModelBuilder WithWeights(OnnxModelBuilder builder)
        => builder.RandomUniform("W1", -1f, 1f, Features, Features)
            .RandomUniform("W2", -1f, 1f, Features, Features)
            .RandomUniform("Wout", -1f, 1f, Features, Classes);

    /// <summary>
    /// <c>y = (Σx &gt; 0 ? relu(x·W1) : x·W2 + c)·Wout</c>, the branches reading x and W1, W2 from the outer scope and the
    /// else branch holding an initializer c of its own. With <paramref name="onlyBranch"/> the model is the plain graph of
    /// that branch alone.
    /// </summary>
    public static byte[] If(bool? onlyBranch = null, bool mismatchedShapes = false)
    {
        var thenBranch = new OnnxModelBuilder(2)
            .Output("t_out", mismatchedShapes ? ["N", 2] : ["N", Features])
            .Node("MatMul", ["x", "W1"], ["t_mm"]).Node("Relu", "t_mm", "t_out")
            .Subgraph("then");
        var elseBranch = new OnnxModelBuilder(3)
            .Output("e_out", "N", Features)
            .RandomUniform("c", -0.5f, 0.5f, Features)
            .Node("MatMul", ["x", "W2"], ["e_mm"]).Node("Add", ["e_mm", "c"], ["e_out"])
            .Subgraph("else");
        var builder = WithWeights(new OnnxModelBuilder(1)).Input("x", "N", Features).Output("y");
        if (onlyBranch is bool taken)
        {
            GraphProto branch = taken ? thenBranch : elseBranch;
            foreach (var init in branch.Initializer)
            {
                builder.Initializer(init.Name, [.. init.FloatData], [.. init.Dims]);
            }

            foreach (var node in branch.Node)
            {
                builder.Node(node.OpType, [.. node.Input], [.. node.Output]);
            }

            return builder.Node("MatMul", [branch.Output[0].Name, "Wout"], ["y"]).Build();
        }

        return builder
            .Node("ReduceSum", ["x"], ["total"], "total", ("keepdims", 0L))
            .Node("Greater", ["total", "zero"], ["positive"])
            .Initializer("zero", [0f])
            .Node("If", ["positive"], ["chosen"], "branch", ("then_branch", thenBranch), ("else_branch", elseBranch))
            .Node("MatMul", ["chosen", "Wout"], ["y"])
            .Build();
    }

    /// <summary>
    /// <c>s ← tanh(s·W1 + x)</c> three times from <c>s = x</c>, as a Loop with a constant trip count (scan output: every
    /// state), then <c>y = s·Wout</c>; or, with <paramref name="unrolled"/>, the same written out by hand.
    /// </summary>
    /// <remarks>
    /// With <paramref name="tripFromShapes"/> the trip count is not a constant but read from a shape, as PyTorch
    /// exports a loop over a sequence: <c>Gather(Shape(Split(Slice(Conv(Unsqueeze(x)), ends = its own length))), 2)</c>,
    /// a Conv of kernel 2 over the 4 features giving the 3 steps.
    /// </remarks>
    /// <remarks>With <paramref name="outerCondition"/> the loop's condition is a constant true of the outer scope that the body returns through Identity, as PyTorch exports it.</remarks>
    public static byte[] Loop(bool unrolled = false, bool tripFromShapes = false, bool outerCondition = false)
    {
        var builder = WithWeights(new OnnxModelBuilder(1)).Input("x", "N", Features).Output("y");
        if (unrolled)
        {
            string s = "x";
            for (int i = 0; i < Steps; i++)
            {
                builder.Node("MatMul", [s, "W1"], [$"m{i}"]).Node("Add", [$"m{i}", "x"], [$"a{i}"]).Node("Tanh", $"a{i}", $"s{i}");
                s = $"s{i}";
            }

            return builder.Node("MatMul", [s, "Wout"], ["y"]).Build();
        }

        var body = new OnnxModelBuilder(2)
            .TypedInput("i", TensorProto.Types.DataType.Int64).TypedInput("c", TensorProto.Types.DataType.Bool).Input("s")
            .TypedOutput("c_out", TensorProto.Types.DataType.Bool).Output("s_next").Output("s_scan")
            .Node("Identity", outerCondition ? "keepGoing" : "c", "c_out")
            .Node("MatMul", ["s", "W1"], ["m"]).Node("Add", ["m", "x"], ["a"]).Node("Tanh", "a", "s_next")
            .Node("Identity", "s_next", "s_scan")
            .Subgraph("body");

        // ONNX Runtime wants the iteration number and the condition declared as scalars.
        body.Input[0].Type.TensorType.Shape = new TensorShapeProto();
        body.Input[1].Type.TensorType.Shape = new TensorShapeProto();
        body.Output[0].Type.TensorType.Shape = new TensorShapeProto();
        if (tripFromShapes)
        {
            builder.RandomUniform("Wc", -1f, 1f, 2, 1, Features - Steps + 1)
                .Initializer("one", [1L], 1).Initializer("two", [2L], 1).Initializer("zero", [0L], 1).Initializer("two0", [2L]).Initializer("halves", [1L, 1L], 2)
                .Node("Unsqueeze", ["x", "one"], ["xu"])
                .Node("Conv", ["xu", "Wc"], ["conv"], "conv")
                .Node("Shape", ["conv"], ["convShape"])
                .Node("Gather", ["convShape", "two0"], ["length"], "length", ("axis", 0L))
                .Node("Unsqueeze", ["length", "zero"], ["end"])
                .Node("Slice", ["conv", "zero", "end", "two"], ["sliced"], "slice")
                .Node("Split", ["sliced", "halves"], ["half0", "half1"], "split", ("axis", 1L))
                .Node("Shape", ["half0"], ["halfShape"])
                .Node("Gather", ["halfShape", "two0"], ["M"], "trips", ("axis", 0L));
        }
        else
        {
            builder.Initializer("M", [(long)Steps]);
        }

        if (outerCondition)
        {
            builder.Initializer(new TensorProto { Name = "keepGoing", DataType = (int)TensorProto.Types.DataType.Bool, Int32Data = { 1 } });
        }

        return builder
            .Node("Loop", ["M", outerCondition ? "keepGoing" : "", "x"], ["s_final", "states"], "loop", ("body", body))
            .Node("MatMul", ["s_final", "Wout"], ["y"])
            .Output("states")
            .Build();
    }

    /// <summary>
    /// <c>y = flatten(stack([x·W1, tanh(x)], axis 1))·Wf</c>, the stack built as PyTorch exports a list: SequenceEmpty,
    /// two SequenceInserts, ConcatFromSequence (axis 1, new_axis 1); or, with <paramref name="unrolled"/>, by
    /// Unsqueeze and Concat.
    /// </summary>
    public static byte[] SequenceStack(bool unrolled = false)
    {
        var builder = WithWeights(new OnnxModelBuilder(1)).Input("x", "N", Features).Output("y")
            .RandomUniform("Wf", -1f, 1f, 2 * Features, Classes)
            .Initializer("one", [1L], 1)
            .Node("MatMul", ["x", "W1"], ["a"]).Node("Tanh", "x", "t");
        if (unrolled)
        {
            builder.Node("Unsqueeze", ["a", "one"], ["au"]).Node("Unsqueeze", ["t", "one"], ["tu"]).Node("Concat", ["au", "tu"], ["stacked"], null, ("axis", 1L));
        }
        else
        {
            builder.Node("SequenceEmpty", [], ["empty"], null, ("dtype", 1L))
                .Node("SequenceInsert", ["empty", "a"], ["s1"])
                .Node("SequenceInsert", ["s1", "t"], ["s2"])
                .Node("ConcatFromSequence", ["s2"], ["stacked"], "stack", ("axis", 1L), ("new_axis", 1L));
        }

        return builder.Node("Flatten", ["stacked"], ["flat"], null, ("axis", 1L)).Node("MatMul", ["flat", "Wf"], ["y"]).Build();
    }

    /// <summary>
    /// A Scan over axis 1 of x [N, T, F]: <c>s ← tanh(s·W1 + x_t)</c> from <c>s = 0.5·x_0</c>, scan output every state
    /// (along axis 1), then <c>y = s·Wout</c>; <paramref name="reverse"/> scans the input from its end.
    /// </summary>
    public static byte[] Scan(bool reverse = false, bool unrolled = false)
    {
        if (unrolled)
        {
            var builder = WithWeights(new OnnxModelBuilder(1)).Input("x", "N", Steps, Features).Output("y")
                .Initializer("half", [0.5f])
                .Initializer("t0", [0L]).Initializer("t1", [1L]).Initializer("t2", [2L])
                .Node("Gather", ["x", "t0"], ["x0"], "x0", ("axis", 1L))
                .Node("Mul", ["x0", "half"], ["s0"]);
            string s = "s0";
            for (int k = 0; k < Steps; k++)
            {
                int t = reverse ? Steps - 1 - k : k;
                builder.Node("Gather", ["x", $"t{t}"], [$"xs{k}"], null, ("axis", 1L))
                    .Node("MatMul", [s, "W1"], [$"m{k}"]).Node("Add", [$"m{k}", $"xs{k}"], [$"a{k}"]).Node("Tanh", $"a{k}", $"s{k + 1}");
                s = $"s{k + 1}";
            }

            return builder.Node("MatMul", [s, "Wout"], ["y"]).Build();
        }

        var body = new OnnxModelBuilder(2)
            .Input("s").Input("xt").Output("s_next").Output("s_scan")
            .Node("MatMul", ["s", "W1"], ["m"]).Node("Add", ["m", "xt"], ["a"]).Node("Tanh", "a", "s_next")
            .Node("Identity", "s_next", "s_scan")
            .Subgraph("body");
        return WithWeights(new OnnxModelBuilder(1))
            .Input("x", "N", Steps, Features).Output("y").Output("states")
            .Initializer("first", [0L])
            .Initializer("half", [0.5f])
            .Node("Gather", ["x", "first"], ["x0"], "x0", ("axis", 1L))
            .Node("Mul", ["x0", "half"], ["s0"])
            .Node("Scan", ["s0", "x"], ["s_final", "states"], "scan",
                ("body", body), ("num_scan_inputs", 1L), ("scan_input_axes", new long[] { 1 }), ("scan_output_axes", new long[] { 1 }),
                ("scan_input_directions", new long[] { reverse ? 1 : 0 }))
            .Node("MatMul", ["s_final", "Wout"], ["y"])
            .Build();
    }
}
