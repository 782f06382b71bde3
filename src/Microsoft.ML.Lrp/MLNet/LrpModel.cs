using System.IO.Compression;
using System.Text.Json;
using Microsoft.ML.Data;
using Microsoft.ML.Lrp.Engine;
using Microsoft.ML.Lrp.MLNet;

namespace Microsoft.ML.Lrp;

/// <summary>
/// Saves and loads ML.NET models that contain LRP steps, which <c>mlContext.Model.Save</c> cannot hold.
/// </summary>
/// <remarks>
/// The file is a zip: <c>lrp-model.json</c> lists the steps; <c>input-schema.zip</c> holds the input schema;
/// each run of ML.NET transformers is a nested <c>mlContext.Model.Save</c> zip (saved with the schema that reaches it),
/// and each LRP step is its ONNX model (<c>model.onnx</c>: the bytes that were fitted, with external data written
/// inline, so the model must fit in one 2 GiB protobuf) plus its options (<c>options.json</c>). Only load files from
/// sources you trust: they contain ONNX models, which ONNX Runtime executes. Entries are read to the length their
/// header declares, and malformed entries raise an <see cref="LrpException"/> naming the file and the entry.
/// </remarks>
public static class LrpModel
{
    private const string ManifestEntry = "lrp-model.json";
    private const string SchemaEntry = "input-schema.zip";

    /// <summary>Saves <paramref name="model"/> (a transformer or a chain holding LRP steps) to <paramref name="path"/>.</summary>
    /// <param name="mlContext">The ML.NET context that saves the ML.NET parts.</param>
    /// <param name="model">The fitted model: an <see cref="LrpTransformer"/>, a <see cref="TransformerChain{TLastTransformer}"/>, or any ML.NET transformer.</param>
    /// <param name="inputSchema">The schema of the data the model is applied to.</param>
    /// <param name="path">The zip file to write.</param>
    public static void Save(MLContext mlContext, ITransformer model, DataViewSchema inputSchema, string path)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        SaveTo(mlContext.Model, model, inputSchema, path);
    }

    /// <summary>Saves through a model catalog (<c>mlContext.Model</c>), which saves the ML.NET parts.</summary>
    internal static void SaveTo(ModelOperationsCatalog models, ITransformer model, DataViewSchema inputSchema, string path)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputSchema);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);

        var transformers = new List<ITransformer>();
        Flatten(model, transformers);
        var manifestSteps = new List<LrpModelManifestStep>();
        using var file = File.Create(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        WriteEntry(zip, SchemaEntry, stream => models.Save(new TransformerChain<ITransformer>(), inputSchema, stream));

        var schema = inputSchema;
        var run = new List<ITransformer>();
        DataViewSchema runSchema = inputSchema;
        foreach (var transformer in transformers)
        {
            if (transformer is LrpTransformer lrp)
            {
                FlushRun(models, zip, run, runSchema, manifestSteps);
                manifestSteps.Add(WriteLrpStep(zip, lrp, manifestSteps.Count));
            }
            else
            {
                if (run.Count == 0)
                {
                    runSchema = schema;
                }

                run.Add(transformer);
            }

            schema = transformer.GetOutputSchema(schema);
        }

        FlushRun(models, zip, run, runSchema, manifestSteps);
        var manifest = new LrpModelManifest { IsChain = model is IEnumerable<ITransformer>, Steps = manifestSteps };
        WriteEntry(zip, ManifestEntry, stream => JsonSerializer.Serialize(stream, manifest, new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Loads a model saved by <see cref="Save"/>, re-creating each LRP step from its ONNX model and options.</summary>
    /// <param name="mlContext">The ML.NET context that loads the ML.NET parts.</param>
    /// <param name="path">The zip file.</param>
    /// <param name="inputSchema">The schema the model was saved with.</param>
    /// <returns>The model: a <see cref="TransformerChain{TLastTransformer}"/> when it was saved from one or has several steps.</returns>
    public static ITransformer Load(MLContext mlContext, string path, out DataViewSchema inputSchema)
        => Load(mlContext, path, out inputSchema, LrpExplainerAdapter.Factory);

    internal static ITransformer Load(MLContext mlContext, string path, out DataViewSchema inputSchema, Func<LrpOptions, IBatchExplainer> explainerFactory)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return LoadFrom(mlContext.Model, path, out inputSchema, explainerFactory, new LrpLoadSettings { Environment = mlContext });
    }

    /// <summary>
    /// Loads through a model catalog (<c>mlContext.Model</c>); <paramref name="settings"/> gives the loaded LRP steps
    /// the environment they log to and the runtime-only options that the file does not hold.
    /// </summary>
    internal static ITransformer LoadFrom(ModelOperationsCatalog models, string path, out DataViewSchema inputSchema, Func<LrpOptions, IBatchExplainer> explainerFactory, LrpLoadSettings settings)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var zip = ZipFile.OpenRead(path);
        var manifest = ReadJson(path, ManifestEntry, () => JsonSerializer.Deserialize<LrpModelManifest>(ReadEntry(zip, ManifestEntry, path)));
        if (manifest is null || manifest.Steps is null || manifest.Steps.Any(s => s is null) || manifest.Format != LrpModelManifest.FormatName || manifest.Version != LrpModelManifest.CurrentVersion)
        {
            throw new LrpException($"'{path}' is not an LRP model file of version {LrpModelManifest.CurrentVersion} (saved by LrpModel.Save).");
        }

        using (var schemaStream = new MemoryStream(ReadEntry(zip, SchemaEntry, path)))
        {
            models.Load(schemaStream, out inputSchema);
        }

        var steps = new List<ITransformer>();
        try
        {
            foreach (var step in manifest.Steps)
            {
                LoadStep(models, zip, path, step, steps, explainerFactory, settings);
            }
        }
        catch
        {
            foreach (var created in steps.OfType<LrpTransformer>())
            {
                created.Dispose();
            }

            throw;
        }

        if (!manifest.IsChain && steps.Count == 1)
        {
            return steps[0];
        }

        var last = steps.Count == 0 ? typeof(ITransformer) : steps[^1].GetType();
        var chainType = typeof(TransformerChain<>).MakeGenericType(last);
        return (ITransformer)Activator.CreateInstance(chainType, [steps.ToArray()])!;
    }

    private static void LoadStep(ModelOperationsCatalog models, ZipArchive zip, string path, LrpModelManifestStep step, List<ITransformer> steps, Func<LrpOptions, IBatchExplainer> explainerFactory, LrpLoadSettings settings)
    {
        if (step.Kind == LrpModelManifestStep.LrpKind)
        {
            byte[] model = ReadEntry(zip, step.Entry, path);
            string optionsEntry = step.OptionsEntry ?? "";
            var options = settings.Apply(ReadJson(path, optionsEntry, () => LrpOptionsDto.FromJson(ReadEntry(zip, optionsEntry, path)).ToOptions(model)));
            ReadJson(path, optionsEntry, () =>
            {
                LrpOptionsValidation.Validate(options);
                return options;
            });
            // The stored schedule is used as is (checked against the graph, not replanned).
            IBatchExplainer explainer;
            try
            {
                explainer = step.ScheduleEntry is not null && explainerFactory == LrpExplainerAdapter.Factory
                    ? new LrpExplainerAdapter(new LrpExplainer(options, System.Text.Encoding.UTF8.GetString(ReadEntry(zip, step.ScheduleEntry, path))))
                    : explainerFactory(options);
            }
            catch (JsonException e)
            {
                throw new LrpException($"The entry '{step.ScheduleEntry}' of '{path}' is not valid: {e.Message}", e);
            }

            steps.Add(new LrpTransformer(options, explainer) { Environment = settings.Environment });
            return;
        }

        if (step.Kind != LrpModelManifestStep.MLNetKind)
        {
            throw new LrpException($"'{path}' holds a step of unknown kind '{step.Kind}'.");
        }

        using var stream = new MemoryStream(ReadEntry(zip, step.Entry, path));
        var loaded = models.Load(stream, out _);
        if (step.Wrapped && loaded is IEnumerable<ITransformer> chain)
        {
            steps.AddRange(chain);
        }
        else
        {
            steps.Add(loaded);
        }
    }

    /// <summary>Runs <paramref name="read"/>; a malformed or invalid JSON entry becomes an LrpException naming the file and the entry.</summary>
    private static T ReadJson<T>(string path, string entry, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is JsonException or ArgumentException or NotSupportedException or InvalidOperationException)
        {
            throw new LrpException($"The entry '{entry}' of '{path}' is not valid: {e.Message}", e);
        }
    }

    private static void Flatten(ITransformer transformer, List<ITransformer> into)
    {
        if (transformer is IEnumerable<ITransformer> chain && ContainsLrp(transformer))
        {
            foreach (var inner in chain)
            {
                Flatten(inner, into);
            }
        }
        else
        {
            into.Add(transformer);
        }
    }

    private static bool ContainsLrp(ITransformer transformer)
        => transformer is LrpTransformer || (transformer is IEnumerable<ITransformer> chain && chain.Any(ContainsLrp));

    private static void FlushRun(ModelOperationsCatalog models, ZipArchive zip, List<ITransformer> run, DataViewSchema schema, List<LrpModelManifestStep> steps)
    {
        if (run.Count == 0)
        {
            return;
        }

        string entry = $"steps/{steps.Count}/mlnet.zip";
        bool wrapped = run.Count > 1;
        ITransformer saved = wrapped ? new TransformerChain<ITransformer>(run.ToArray()) : run[0];
        WriteEntry(zip, entry, stream => models.Save(saved, schema, stream));
        steps.Add(new LrpModelManifestStep { Kind = LrpModelManifestStep.MLNetKind, Entry = entry, Wrapped = wrapped });
        run.Clear();
    }

    private static LrpModelManifestStep WriteLrpStep(ZipArchive zip, LrpTransformer lrp, int index)
    {
        var options = lrp.Options;
        // The bytes that were fitted, not a re-read of ModelFile (which may have changed since).
        byte[] model = lrp.FittedModelBytes();
        string modelEntry = $"steps/{index}/model.onnx";
        string optionsEntry = $"steps/{index}/options.json";
        WriteEntry(zip, modelEntry, stream => stream.Write(model));
        WriteEntry(zip, optionsEntry, stream => stream.Write(LrpOptionsDto.From(options).ToJson()));
        // A variable-length step plans one explainer per length when loaded: no single schedule to store.
        string schedule = lrp.Explainer.VariableLength ? "" : lrp.Statistics.ScheduleJson;
        string? scheduleEntry = schedule.Length == 0 ? null : $"steps/{index}/schedule.json";
        if (scheduleEntry is not null)
        {
            WriteEntry(zip, scheduleEntry, stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(schedule)));
        }

        return new LrpModelManifestStep { Kind = LrpModelManifestStep.LrpKind, Entry = modelEntry, OptionsEntry = optionsEntry, ScheduleEntry = scheduleEntry };
    }

    private static void WriteEntry(ZipArchive zip, string name, Action<Stream> write)
    {
        // ML.NET writes its own zip and wants a seekable stream: buffer each entry in memory first.
        using var buffer = new MemoryStream();
        write(buffer);
        using var entry = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
        buffer.Position = 0;
        buffer.CopyTo(entry);
    }

    /// <summary>
    /// Reads one entry whole, bounded before anything is inflated: by what its header declares (64 MiB for a JSON entry, one
    /// array, 2 GiB, for the others), and by a compression ratio no model file reaches
    /// (a zip bomb inflates megabytes into gigabytes). The entry must then inflate to exactly its declared length.
    /// </summary>
    private static byte[] ReadEntry(ZipArchive zip, string name, string path)
    {
        var entry = zip.GetEntry(name) ?? throw new LrpException($"'{path}' has no entry '{name}': it is not a complete LRP model file.");
        long limit = name.EndsWith(".json", StringComparison.Ordinal) ? MaxSmallEntryBytes : Array.MaxLength;
        if (entry.Length > limit)
        {
            throw new LrpException($"The entry '{name}' of '{path}' declares {entry.Length} bytes, more than such an entry may hold ({limit}).");
        }

        if (entry.Length > MaxRatioFreeBytes && entry.Length > MaxCompressionRatio * Math.Max(1, entry.CompressedLength))
        {
            throw new LrpException(
                $"The entry '{name}' of '{path}' inflates {entry.CompressedLength} bytes into {entry.Length} (over {MaxCompressionRatio} to 1), which no model file does; the file is damaged or hostile.");
        }

        var bytes = new byte[entry.Length];
        using var stream = entry.Open();
        try
        {
            stream.ReadExactly(bytes);
            if (stream.ReadByte() >= 0)
            {
                throw new LrpException($"The entry '{name}' of '{path}' holds more bytes than its header declares ({entry.Length}); the file is damaged.");
            }
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
        {
            throw new LrpException($"The entry '{name}' of '{path}' does not inflate to the {entry.Length} bytes its header declares: {e.Message}", e);
        }

        return bytes;
    }

    private const long MaxSmallEntryBytes = 64L << 20;
    private const long MaxRatioFreeBytes = 16L << 20;
    private const long MaxCompressionRatio = 100;
}
