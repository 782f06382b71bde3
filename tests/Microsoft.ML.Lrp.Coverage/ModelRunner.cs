using System.Diagnostics;

namespace Microsoft.ML.Lrp.Coverage;

/// <summary>Runs <see cref="LrpCoverage.Analyze(LrpOptions)"/> and one <see cref="LrpExplainer"/> explanation on one corpus model.</summary>
internal static class ModelRunner
{
    public static ModelResult Run(CorpusEntry entry)
    {
        var result = new ModelResult(entry);
        var clock = Stopwatch.StartNew();
        var composite = Enum.Parse<LrpComposite>(entry.Composite);
        // Every input's per-row shape (the whole shape for an input without a batch axis) from the sidecar: the analysis
        // gets the shapes the explainer gets, so that a symbolic sequence length is unrolled the same way in both.
        var shapes = entry.Inputs.ToDictionary(i => i.Name, i => i.RowShape, StringComparer.Ordinal);
        var analyzeOptions = new LrpOptions { ModelFile = entry.ModelPath, InputColumnName = entry.Explain, OutputName = entry.Output, Composite = composite, InputRowShapes = shapes };
        try
        {
            var report = LrpCoverage.Analyze(analyzeOptions);
            result.Nodes = report.Nodes;
            result.PathNodes = report.RelevanceNodes;
            result.CoveredPathNodes = report.CoveredRelevanceNodes;
            result.Unsupported = report.UnsupportedOpTypes;
        }
        catch (Exception e)
        {
            result.Error = "Analyze: " + FirstLine(e);
        }

        try
        {
            Explain(entry, analyzeOptions, result, clock);
        }
        catch (Exception e)
        {
            result.Error ??= FirstLine(e);
        }

        if (!result.Ran)
        {
            result.Seconds = clock.Elapsed.TotalSeconds;
        }

        if (!result.Explained && OrtCheck.Run(entry) is string ortError)
        {
            result.Error = $"the model fails in plain ONNX Runtime too (a corpus problem): {ortError}";
        }

        return result;
    }

    private static void Explain(CorpusEntry entry, LrpOptions analyzeOptions, ModelResult result, Stopwatch clock)
    {
        var explained = entry.ExplainedInput;
        int rows = entry.Rows;
        var options = analyzeOptions with { BatchSize = rows };
        using var explainer = new LrpExplainer(options);
        var additional = entry.Inputs.Where(i => i.Name != entry.Explain)
            .ToDictionary(i => i.Name, i => InputData.Additional(entry.Name, i, rows), StringComparer.Ordinal);
        LrpExplanation Run(bool report) => explained.IsInteger
            ? explainer.ExplainTokens(InputData.TokenIds(entry.Name, explained, rows), rows, additionalInputs: additional, conservationReport: report)
            : explainer.Explain(InputData.Floats(entry.Name, explained, rows), rows, additionalInputs: additional, conservationReport: report);
        var explanation = Run(false);
        result.Seconds = clock.Elapsed.TotalSeconds; // the diagnostic runs below are not timed
        result.Ran = true;
        result.Finite = explanation.Relevance.All(float.IsFinite);
        result.NonZero = explanation.Relevance.Any(r => r != 0);
        double worst = 0;
        for (int row = 0; row < rows; row++)
        {
            double seed = Math.Abs(explanation.SeedTotals[row]);
            double error = Math.Abs(explanation.ConservationError(row));
            worst = Math.Max(worst, seed > 0 ? error / seed : error == 0 ? 0 : double.PositiveInfinity);
        }

        result.ConservationError = worst;
        if (entry.ExpectOnPath.Length > 0 && Run(true).ConservationReport is { } steps)
        {
            // A composite op decomposed into primitive nodes counts as visited when one of its nodes was (by name, or by the
            // original op type the decomposition records); the nodes of a fast-forward chain are reported under its first node.
            var onPath = ModelNodes.VisitedOpTypes(entry.ModelPath, steps.Nodes);
            onPath.UnionWith(steps.Nodes.SelectMany(n => (n.DecomposedFrom is { } original ? [n.OpType, original] : new[] { n.OpType }).Concat(n.ChainOpTypes ?? [])));
            result.SkippedOps = entry.ExpectOnPath.Where(op => !onPath.Contains(op)).ToList();
        }

        if (worst > ModelResult.ConservationTolerance && Run(true).ConservationReport is { } report)
        {
            // Where the relevance leaks: the node with the largest imbalance in − out − absorbed.
            var node = report.Nodes.MaxBy(n => Math.Abs(n.RelevanceIn - n.RelevanceOut - n.Absorbed))!;
            result.Error = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"conservation error {worst:G3}; largest per-node imbalance at '{node.NodeName}' ({node.OpType}, {node.Rule}): in {node.RelevanceIn:G4}, out {node.RelevanceOut:G4}, absorbed {node.Absorbed:G4}");
        }
    }

    /// <summary>
    /// The message's first line; when it ends with a colon (a list follows, as in "no rule covers yet:"), the keys of
    /// the listed lines (the text before each one's colon: op types and reasons) are appended.
    /// </summary>
    private static string FirstLine(Exception e)
    {
        string[] lines = e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string message = lines.Length == 0 ? "" : lines[0];
        if (message.EndsWith(':') && lines.Length > 1)
        {
            message += " " + string.Join("; ", lines.Skip(1).Select(l => l.Split(": ", 2)[0]));
        }

        return e is LrpException ? message : $"{e.GetType().Name}: {message}";
    }
}
