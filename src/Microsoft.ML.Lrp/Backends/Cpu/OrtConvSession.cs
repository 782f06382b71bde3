using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// One convolution model of <see cref="OrtConvKernels"/> (a symbolic batch) and its ONNX Runtime sessions, built on
/// first use: a session with ONNX Runtime's own thread pool for a single sample, and a single-threaded session that
/// several threads run at once on slices of the batch (samples are contiguous), so that no thread waits inside a
/// convolution for another. Both compute every sample the same way. The model's bytes are made by
/// <paramref name="model"/> when a session is built and not kept (they hold a copy of the weights).
/// </summary>
internal sealed unsafe class OrtConvSession(Func<byte[]?> model)
{
    /// <summary>Batch slices per thread: more than one, so that a thread slowed by other work is balanced by the others.</summary>
    private const int SlicesPerThread = 2;

    private readonly object _lock = new();
    private InferenceSession? _threaded;
    private InferenceSession? _single;
    private bool _failed;
    private int _users;
    private bool _retired;
    private bool _disposed;

    /// <summary>Set false to run batches through the threaded session too (for timing comparisons).</summary>
    public static bool SplitBatches { get; set; } = true;

    /// <summary>
    /// Runs the model on <paramref name="input"/> ([batch, …inShape]) into <paramref name="output"/>
    /// ([batch, …outShape]); false when the session could not be built (ONNX Runtime rejected the model). Only the
    /// session a call needs is built, so a layer run in batches holds no threaded session.
    /// </summary>
    public bool Run(int batch, long[] inShape, long[] outShape, ReadOnlySpan<float> input, Span<float> output)
    {
        int threads = Environment.ProcessorCount;
        bool split = SplitBatches && batch >= 2 && threads >= 2;
        var session = Sessions(split);
        if (session is null)
        {
            return false;
        }

        long inPerSample = input.Length / batch, outPerSample = output.Length / batch;
        fixed (float* pi = input)
        fixed (float* po = output)
        {
            if (!split)
            {
                Execute(session, batch, inShape, outShape, pi, po, inPerSample, outPerSample);
                return true;
            }

            int slices = Math.Min(batch, SlicesPerThread * threads);
            float* pin = pi, pout = po;
            Parallel.For(0, slices, new ParallelOptions { MaxDegreeOfParallelism = threads }, slice =>
            {
                int first = (int)((long)batch * slice / slices), end = (int)((long)batch * (slice + 1) / slices);
                Execute(session, end - first, inShape, outShape, pin + (first * inPerSample), pout + (first * outPerSample), inPerSample, outPerSample);
            });
        }

        return true;
    }

    /// <summary>Counts a user (a layer's binding, or one unbound call while it runs); false once disposed.</summary>
    public bool Acquire()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return false;
            }

            _users++;
            return true;
        }
    }

    /// <summary>Ends a use; a retired model's sessions are disposed when its last user is done.</summary>
    public void Release()
    {
        lock (_lock)
        {
            _users--;
            DisposeIfUnused();
        }
    }

    /// <summary>Marks the model as out of the cache: its sessions go as soon as nobody uses them.</summary>
    public void Retire()
    {
        lock (_lock)
        {
            _retired = true;
            DisposeIfUnused();
        }
    }

    private void DisposeIfUnused()
    {
        if (_retired && _users <= 0 && !_disposed)
        {
            _disposed = true;
            _threaded?.Dispose();
            _single?.Dispose();
            _threaded = null;
            _single = null;
        }
    }

    private static void Execute(InferenceSession session, int samples, long[] inShape, long[] outShape, float* input, float* output, long inPerSample, long outPerSample)
    {
        long[] inDims = [samples, .. inShape], outDims = [samples, .. outShape];
        using var inValue = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float, inDims, (IntPtr)input, samples * inPerSample * sizeof(float));
        using var outValue = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float, outDims, (IntPtr)output, samples * outPerSample * sizeof(float));
        using var runOptions = new RunOptions();
        session.Run(runOptions, ["X"], [inValue], ["Y"], [outValue]);
    }

    private InferenceSession? Sessions(bool split)
    {
        lock (_lock)
        {
            if (_failed || _disposed)
            {
                return null;
            }

            ref InferenceSession? slot = ref split ? ref _single : ref _threaded;
            if (slot is null)
            {
                using var options = new SessionOptions();
                options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
                options.IntraOpNumThreads = split ? 1 : Environment.ProcessorCount;
                // One arena for every convolution session (OrtConvArena).
                OrtConvArena.Apply(options);
                try
                {
                    var bytes = model();
                    if (bytes is null)
                    {
                        _failed = true;
                        return null;
                    }

                    slot = new InferenceSession(bytes, options);
                }
                catch (OnnxRuntimeException)
                {
                    _failed = true;
                }
            }

            return slot;
        }
    }
}
