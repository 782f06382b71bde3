namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// The options every parallel loop of the CPU relevance pass runs with: at most one worker per core. Without the
/// cap a loop may take as many workers as the .NET thread pool has, and the pool grows past the core count after
/// loops that wait on ONNX Runtime (the batch-sliced convolutions: 6 pool threads on 2 cores after the benchmark's
/// ResNet18 rows); the relevance kernels gain nothing from more workers than cores.
/// </summary>
internal static class CpuParallel
{
    public static ParallelOptions Options { get; } = new() { MaxDegreeOfParallelism = Environment.ProcessorCount };

    /// <summary>
    /// Runs <paramref name="body"/> for every index in <c>[0, count)</c> on the calling thread and up to
    /// <paramref name="threads"/> − 1 thread-pool helpers, which take indices from a shared counter. Unlike
    /// <see cref="Parallel.For(int, int, ParallelOptions, Action{int})"/>, the caller never waits for a helper that
    /// has not started (on a busy machine a queued helper may wait milliseconds for a core): it does the remaining
    /// indices itself and waits only for those a helper is running. For the short products of the GEMM (a tenth of a
    /// millisecond) that wait would otherwise cost more than the product.
    /// </summary>
    public static void ForkJoin(int count, int threads, Action<int> body)
    {
        if (count <= 0)
        {
            return;
        }

        int helpers = Math.Min(threads, count) - 1;
        if (helpers <= 0)
        {
            for (int i = 0; i < count; i++)
            {
                body(i);
            }

            return;
        }

        var state = new ForkJoinState(count, body);
        for (int h = 0; h < helpers; h++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.Work(), state, preferLocal: false);
        }

        state.Work();
        state.WaitAll();
    }

    private sealed class ForkJoinState(int count, Action<int> body)
    {
        private int next = -1;
        private int finished;
        private Exception? error;

        public void Work()
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < count)
            {
                try
                {
                    body(index);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref error, e, null);
                }
                finally
                {
                    Interlocked.Increment(ref finished);
                }
            }
        }

        public void WaitAll()
        {
            var spin = default(SpinWait);
            while (Volatile.Read(ref finished) < count)
            {
                spin.SpinOnce();
            }

            if (error is not null)
            {
                throw new AggregateException(error);
            }
        }
    }
}
