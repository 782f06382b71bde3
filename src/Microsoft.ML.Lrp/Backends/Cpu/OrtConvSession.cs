using System.Runtime.InteropServices;
using Microsoft.ML.Lrp.Onnx.Proto;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// One convolution model of <see cref="OrtConvKernels"/> (a symbolic batch) and its ONNX Runtime sessions, built on
/// first use: a single-threaded session that several threads run at once on slices of the batch (samples are
/// contiguous), so that no thread waits inside a convolution for another, and for a single sample either
/// single-threaded sessions of blocks of output channels (<paramref name="channelModel"/>, run at once on one
/// thread each: an output channel depends on its own weights only, and a sample's channels are contiguous) or a
/// session with ONNX Runtime's own thread pool. Every session computes every output element the same way. The
/// models are made by <paramref name="model"/> and <paramref name="channelModel"/> when a session is built; they
/// read their weights from <paramref name="weights"/> (<see cref="OrtWeightFile"/>), which stays pinned while a
/// session of it lives.
/// </summary>
internal sealed unsafe class OrtConvSession(float[] weights, Func<ModelProto?> model, Func<int, int, ModelProto?>? channelModel = null, int outChannels = 0)
{
    /// <summary>Output channels per block below which a sample is not split (the blocks' own overhead would dominate).</summary>
    private const int MinChannelsPerBlock = 16;

    /// <summary>Batch slices per thread: more than one, so that a thread slowed by other work is balanced by the others.</summary>
    private const int SlicesPerThread = 2;

    private readonly object _lock = new();
    private InferenceSession? _threaded;
    private InferenceSession? _single;
    private InferenceSession[]? _blocks;
    private bool _blocksFailed;
    private bool _failed;
    private int _users;
    private bool _retired;
    private bool _disposed;
    private readonly List<GCHandle> _pins = [];

    /// <summary>Set false to run batches through the threaded session too (for timing comparisons).</summary>
    public static bool SplitBatches { get; set; } = true;

    /// <summary>Set false to run single samples through the threaded session (for timing comparisons and tests).</summary>
    public static bool SplitChannels { get; set; } = true;

    /// <summary>
    /// Runs the model on <paramref name="input"/> ([batch, …inShape]) into <paramref name="output"/>
    /// ([batch, …outShape]); false when the session could not be built (ONNX Runtime rejected the model). Only the
    /// session a call needs is built, so a layer run in batches holds no threaded session.
    /// </summary>
    public bool Run(int batch, long[] inShape, long[] outShape, ReadOnlySpan<float> input, Span<float> output)
    {
        int threads = Environment.ProcessorCount;
        if (batch == 1 && threads >= 2 && SplitChannels && Blocks(threads) is { } blocks)
        {
            RunBlocks(blocks, inShape, outShape, input, output);
            return true;
        }

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

    /// <summary>Runs made in channel blocks so far (for tests).</summary>
    internal static long BlockRuns => Interlocked.Read(ref _blockRuns);

    private static long _blockRuns;

    /// <summary>One sample: block <c>b</c> of the output channels on its own thread into its own block of the output.</summary>
    private static void RunBlocks(InferenceSession[] blocks, long[] inShape, long[] outShape, ReadOnlySpan<float> input, Span<float> output)
    {
        Interlocked.Increment(ref _blockRuns);
        int channels = (int)outShape[0], perChannel = output.Length / channels, count = blocks.Length;
        long inLength = input.Length;
        fixed (float* pi = input)
        fixed (float* po = output)
        {
            float* pin = pi, pout = po;
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = count }, b =>
            {
                int first = BlockStart(channels, count, b), end = BlockStart(channels, count, b + 1);
                long[] blockShape = [end - first, .. outShape[1..]];
                Execute(blocks[b], 1, inShape, blockShape, pin, pout + ((long)first * perChannel), inLength, (long)(end - first) * perChannel);
            });
        }
    }

    private static int BlockStart(int channels, int count, int block) => (int)((long)channels * block / count);

    /// <summary>The single-threaded sessions of the output-channel blocks, built on first use; null where the layer is not split.</summary>
    private InferenceSession[]? Blocks(int threads)
    {
        int count = Math.Min(threads, outChannels / MinChannelsPerBlock);
        if (channelModel is null || count < 2)
        {
            return null;
        }

        lock (_lock)
        {
            if (_blocksFailed || _disposed)
            {
                return null;
            }

            if (_blocks is null)
            {
                var blocks = new InferenceSession[count];
                try
                {
                    for (int b = 0; b < count; b++)
                    {
                        var blockModel = channelModel(BlockStart(outChannels, count, b), BlockStart(outChannels, count, b + 1));
                        if (blockModel is null)
                        {
                            _blocksFailed = true;
                            break;
                        }

                        blocks[b] = Create(blockModel, threads: 1);
                    }
                }
                catch (OnnxRuntimeException)
                {
                    _blocksFailed = true;
                }

                if (_blocksFailed)
                {
                    foreach (var made in blocks)
                    {
                        made?.Dispose();
                    }

                    return null;
                }

                _blocks = blocks;
            }

            return _blocks;
        }
    }

    /// <summary>A session of <paramref name="oneNode"/> (called under the lock); its weights stay pinned until the sessions are disposed.</summary>
    private InferenceSession Create(ModelProto oneNode, int threads)
    {
        using var options = new SessionOptions();
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        options.IntraOpNumThreads = threads;
        // One arena for every convolution session (OrtConvArena).
        OrtConvArena.Apply(options);
        var session = OrtWeightFile.Create(oneNode, weights, options, out var pin);
        NativeHeap.Loaded(OrtWeightFile.ReferencedBytes(oneNode));
        if (pin.IsAllocated)
        {
            _pins.Add(pin);
        }

        return session;
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
            foreach (var block in _blocks ?? [])
            {
                block.Dispose();
            }

            _threaded = null;
            _single = null;
            _blocks = null;
            foreach (var pin in _pins)
            {
                pin.Free();
            }

            _pins.Clear();
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
                try
                {
                    var oneNode = model();
                    if (oneNode is null)
                    {
                        _failed = true;
                        return null;
                    }

                    slot = Create(oneNode, split ? 1 : Environment.ProcessorCount);
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
