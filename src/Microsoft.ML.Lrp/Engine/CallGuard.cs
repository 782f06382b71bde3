namespace Microsoft.ML.Lrp.Engine;

/// <summary>
/// Counts the calls running inside an object that owns native resources, so that disposing it waits for them to
/// leave instead of freeing a session under a running call (which crashes in native code). After
/// <see cref="Close"/> no call enters again: <see cref="Enter"/> throws <see cref="ObjectDisposedException"/>.
/// </summary>
internal sealed class CallGuard
{
    private readonly object _gate = new();
    private int _running;
    private bool _closed;

    /// <summary>True once <see cref="Close"/> has begun.</summary>
    public bool IsClosed => Volatile.Read(ref _closed);

    /// <summary>Counts one more running call; dispose the result when the call ends.</summary>
    /// <exception cref="ObjectDisposedException">The owner is disposed or being disposed.</exception>
    public Scope Enter(object owner)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, owner);
            _running++;
        }

        return new Scope(this);
    }

    /// <summary>
    /// Refuses new calls and waits until the running ones have left. True for the first caller only (who then
    /// releases the resources); later callers return false once the first has closed the guard.
    /// </summary>
    public bool Close()
    {
        lock (_gate)
        {
            if (_closed)
            {
                return false;
            }

            _closed = true;
            while (_running > 0)
            {
                Monitor.Wait(_gate);
            }

            return true;
        }
    }

    private void Exit()
    {
        lock (_gate)
        {
            if (--_running == 0)
            {
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>One running call; disposing it lets <see cref="Close"/> go on when it was the last one.</summary>
    public readonly struct Scope(CallGuard guard) : IDisposable
    {
        public void Dispose() => guard.Exit();
    }
}
