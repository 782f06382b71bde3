using Microsoft.ML.Lrp.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Lrp.Engine;

/// <summary>A tensor handed to or back from ONNX Runtime: float data, or integer data for parameters and ids.</summary>
internal sealed record OrtTensor(int[] Shape, float[]? Floats, long[]? Int64s);

/// <summary>
/// One ONNX Runtime session over a (capture-augmented) model. Inputs are fed as <see cref="OrtValue"/>s over managed
/// memory. A CUDA session is tried when a GPU is asked for; without CUDA it falls back to the CPU when allowed.
/// The fusions listed in <see cref="CaptureSessionOptions"/> are off, so every capture policy sees the same values.
/// </summary>
internal sealed class OrtRunner : IDisposable
{
    private readonly InferenceSession _session;
    private readonly List<OrtValue> _sharedInitializers = [];
    private readonly bool _probe;

    /// <param name="model">The model as handed to ONNX Runtime.</param>
    /// <param name="options">The explainer's options (GPU, fallback).</param>
    /// <param name="modelDescription">The model's name in error messages.</param>
    /// <param name="probe">
    /// A session that only learns shapes (a few made-up rows): ONNX Runtime's graph optimisations are off, since
    /// they change no shape and on large models cost more than the runs (1.1 B decoder: 12.0 s instead of 15.7 s to
    /// learn its shapes; ResNet18: 60–100 ms less and 130 MiB less at the construction's peak).
    /// </param>
    public OrtRunner(OrtModel model, LrpOptions options, string modelDescription, bool probe = false)
    {
        _probe = probe;
        SessionOptions? sessionOptions = null;
        if (options.GpuDeviceId is int device)
        {
            try
            {
                sessionOptions = SessionOptions.MakeSessionOptionWithCudaProvider(device);
                ExecutionProvider = $"CUDA:{device}";
            }
            catch (Exception ex) when (ex is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
            {
                if (!options.FallbackToCpu)
                {
                    throw new LrpException($"GPU {device} was requested for {modelDescription} but ONNX Runtime's CUDA provider could not start ({ex.Message}). Set FallbackToCpu = true to run on the CPU.", ex);
                }

                sessionOptions = null;
            }
        }

        if (sessionOptions is null)
        {
            sessionOptions = new SessionOptions();
            // The relevance pass runs right after each forward pass on the same cores: spinning pool threads would
            // compete with it (a GEMM after a run measured 18–19 ms without spinning against 25–35 ms with it).
            sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        }

        // ONNX Runtime's memory pattern allocates, from the second run of a shape on, one block for every
        // intermediate beside the arena's chunks from the first run, which the arena then keeps as well (ResNet18 at
        // batch 8: 132 MiB more after the second explanation). Without it the arena reuses the first run's chunks.
        sessionOptions.EnableMemoryPattern = false;

        // Captured activations must not depend on which intermediates the capture policy fetches.
        CaptureSessionOptions.Apply(sessionOptions);
        if (probe)
        {
            sessionOptions.GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL;
        }
        if (model.ExternalDataFolder is not null)
        {
            // Without it ONNX Runtime resolves external data of a model given as bytes against the working directory.
            sessionOptions.AddSessionConfigEntry("session.model_external_initializers_file_folder_path", model.ExternalDataFolder);
        }

        if (model.SharedInitializers.Count > 0)
        {
            // A prepacked copy of shared weights cannot replace them (they are the library's), so it would double
            // them: on a 2-layer TinyLlama-width model the peak working set went from 3.1 to 2.5 GiB without it.
            sessionOptions.AddSessionConfigEntry("session.disable_prepacking", "1");
        }

        try
        {
            foreach (var initializer in model.SharedInitializers)
            {
                // ONNX Runtime reads these from the library's array instead of loading its own copy; the array is
                // pinned while the value lives, which is as long as the session.
                var value = OrtValue.CreateTensorValueFromMemory(initializer.SharedFloats!, initializer.Dims);
                _sharedInitializers.Add(value);
                sessionOptions.AddInitializer(initializer.Name, value);
            }

            _session = new InferenceSession(model.Bytes, sessionOptions);
        }
        catch (OnnxRuntimeException ex)
        {
            DisposeSharedInitializers();
            throw new LrpException($"ONNX Runtime cannot load {modelDescription}: {ex.Message}", ex);
        }
        finally
        {
            sessionOptions.Dispose();
        }
    }

    public string ExecutionProvider { get; } = "CPU";

    /// <summary>The input values of a run, in <paramref name="names"/>' order (the caller disposes <paramref name="values"/>).</summary>
    private void AddInputs(IReadOnlyDictionary<string, OrtTensor> inputs, List<string> names, List<OrtValue> values)
    {
        foreach (var (name, tensor) in inputs)
        {
            names.Add(name);
            values.Add(CreateValue(name, tensor));
        }
    }

    /// <summary>
    /// Runs the model and returns the shape of every output, copying the data only of <paramref name="keep"/>: the
    /// shape probe fetches every value the plan reads, which on a large model is gigabytes it does not need.
    /// </summary>
    public (Dictionary<string, int[]> Shapes, Dictionary<string, OrtTensor> Kept) RunShapes(IReadOnlyDictionary<string, OrtTensor> inputs, IReadOnlyList<string> outputs, IReadOnlySet<string> keep)
    {
        var names = new List<string>(inputs.Count);
        var values = new List<OrtValue>(inputs.Count);
        try
        {
            AddInputs(inputs, names, values);

            using var runOptions = new RunOptions();
            using var results = _session.Run(runOptions, names, values, outputs.ToArray());
            var shapes = new Dictionary<string, int[]>(StringComparer.Ordinal);
            var kept = new Dictionary<string, OrtTensor>(StringComparer.Ordinal);
            int i = 0;
            foreach (var value in results)
            {
                string output = outputs[i++];
                if (keep.Contains(output))
                {
                    var tensor = Read(value);
                    kept[output] = tensor;
                    shapes[output] = tensor.Shape;
                }
                else
                {
                    shapes[output] = value.GetTensorTypeAndShape().Shape.Select(d => checked((int)d)).ToArray();
                }
            }

            return (shapes, kept);
        }
        finally
        {
            foreach (var v in values)
            {
                v.Dispose();
            }
        }
    }

    public Dictionary<string, OrtTensor> Run(IReadOnlyDictionary<string, OrtTensor> inputs, IReadOnlyList<string> outputs)
    {
        var names = new List<string>(inputs.Count);
        var values = new List<OrtValue>(inputs.Count);
        try
        {
            AddInputs(inputs, names, values);

            using var runOptions = new RunOptions();
            string signature = _outputShapes.Signature(inputs, outputs);
            if (_outputShapes.TryGet(signature) is { } shapes)
            {
                var direct = RunIntoArrays(runOptions, names, values, outputs, shapes);
                if (direct is not null)
                {
                    return direct;
                }

                _outputShapes.Forget(signature);
            }

            using var results = _session.Run(runOptions, names, values, outputs.ToArray());
            var map = new Dictionary<string, OrtTensor>(StringComparer.Ordinal);
            int i = 0;
            foreach (var value in results)
            {
                map[outputs[i++]] = Read(value);
            }

            if (ExecutionProvider == "CPU" && outputs.All(o => _session.OutputMetadata.TryGetValue(o, out var m) && m.ElementDataType is TensorElementType.Float or TensorElementType.Int64))
            {
                _outputShapes.Remember(signature, outputs, map);
            }

            return map;
        }
        finally
        {
            foreach (var v in values)
            {
                v.Dispose();
            }
        }
    }

    /// <summary>
    /// Runs with every output pre-allocated as a managed array of its known shape (float, or int64 for the shape
    /// values and indices a plan may capture), so ONNX Runtime writes the captured tensors in place instead of into
    /// its own buffers that would then be copied into fresh arrays (all-MiniLM-L6-v2 at batch 8: 126 MiB per run). Null when ONNX Runtime
    /// rejects the shapes (they depend on the data): the caller runs the ordinary way.
    /// </summary>
    private Dictionary<string, OrtTensor>? RunIntoArrays(RunOptions runOptions, List<string> names, List<OrtValue> values, IReadOnlyList<string> outputs, int[][] shapes)
    {
        var map = new Dictionary<string, OrtTensor>(StringComparer.Ordinal);
        var outValues = new List<OrtValue>(outputs.Count);
        try
        {
            for (int i = 0; i < outputs.Count; i++)
            {
                int length = shapes[i].Aggregate(1, (a, b) => checked(a * b));
                long[] shape = shapes[i].Select(d => (long)d).ToArray();
                if (_session.OutputMetadata[outputs[i]].ElementDataType == TensorElementType.Int64)
                {
                    // Shape values and indices a plan captures: small, and kept as integers.
                    var longs = new long[length];
                    outValues.Add(OrtValue.CreateTensorValueFromMemory(longs, shape));
                    map[outputs[i]] = new OrtTensor(shapes[i], null, longs);
                    continue;
                }

                var data = TensorArena.Allocate(length, clear: false);
                outValues.Add(OrtValue.CreateTensorValueFromMemory(data, shape));
                map[outputs[i]] = new OrtTensor(shapes[i], data, null);
            }

            _session.Run(runOptions, names, values, outputs.ToArray(), outValues);
            return map;
        }
        catch (OnnxRuntimeException)
        {
            return null;
        }
        finally
        {
            foreach (var v in outValues)
            {
                v.Dispose();
            }
        }
    }

    private readonly OrtOutputShapes _outputShapes = new();

    private OrtValue CreateValue(string name, OrtTensor tensor)
    {
        long[] shape = tensor.Shape.Select(d => (long)d).ToArray();
        var meta = _session.InputMetadata[name];
        var type = meta.ElementDataType;
        if (tensor.Floats is not null && type == TensorElementType.Float)
        {
            return OrtValue.CreateTensorValueFromMemory(tensor.Floats, shape);
        }

        long[] ints = tensor.Int64s ?? tensor.Floats!.Select(f => (long)f).ToArray();
        return type switch
        {
            TensorElementType.Int64 => OrtValue.CreateTensorValueFromMemory(ints, shape),
            TensorElementType.Int32 => OrtValue.CreateTensorValueFromMemory(ints.Select(v => (int)v).ToArray(), shape),
            TensorElementType.Double => OrtValue.CreateTensorValueFromMemory((tensor.Floats ?? ints.Select(v => (float)v).ToArray()).Select(v => (double)v).ToArray(), shape),
            TensorElementType.Bool => OrtValue.CreateTensorValueFromMemory(ints.Select(v => v != 0).ToArray(), shape),
            TensorElementType.Float => OrtValue.CreateTensorValueFromMemory(ints.Select(v => (float)v).ToArray(), shape),
            _ => throw new LrpException($"The model input '{name}' has element type {type}, which cannot be fed yet."),
        };
    }

    private static OrtTensor Read(OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        int[] shape = info.Shape.Select(d => checked((int)d)).ToArray();
        switch (info.ElementDataType)
        {
            case TensorElementType.Float:
            {
                // Into the pass's arena (when one is entered), like the outputs written in place: the first run of a
                // pass's input shapes then leaves no garbage (ResNet18 at batch 8: 77 MiB) and its buffers are reused.
                var span = value.GetTensorDataAsSpan<float>();
                var data = TensorArena.Allocate(span.Length, clear: false);
                span.CopyTo(data);
                return new OrtTensor(shape, data, null);
            }
            case TensorElementType.Double:
            {
                var span = value.GetTensorDataAsSpan<double>();
                var f = new float[span.Length];
                for (int i = 0; i < f.Length; i++)
                {
                    f[i] = (float)span[i];
                }

                return new OrtTensor(shape, f, null);
            }

            case TensorElementType.Float16:
            {
                var span = value.GetTensorDataAsSpan<Float16>();
                var f = new float[span.Length];
                for (int i = 0; i < f.Length; i++)
                {
                    f[i] = span[i].ToFloat();
                }

                return new OrtTensor(shape, f, null);
            }

            case TensorElementType.Int64:
                return new OrtTensor(shape, null, value.GetTensorDataAsSpan<long>().ToArray());
            case TensorElementType.Int32:
                return new OrtTensor(shape, null, value.GetTensorDataAsSpan<int>().ToArray().Select(v => (long)v).ToArray());
            case TensorElementType.Bool:
                return new OrtTensor(shape, null, value.GetTensorDataAsSpan<bool>().ToArray().Select(v => v ? 1L : 0L).ToArray());
            default:
                return new OrtTensor(shape, null, null);
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        DisposeSharedInitializers();

        // The session's arena goes back to the system (the explainer's constructor trims once after its probes).
        if (!_probe)
        {
            Backends.Cpu.NativeHeap.Trim();
        }
    }

    private void DisposeSharedInitializers()
    {
        foreach (var value in _sharedInitializers)
        {
            value.Dispose();
        }

        _sharedInitializers.Clear();
    }
}
