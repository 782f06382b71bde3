namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>
/// Counts what one <c>Explain</c> call asks of a device backend: bytes copied host → device and device → host,
/// kernel launches and backend operations. The explainer opens a meter per call (<see cref="Begin"/>); backends add
/// to <see cref="Current"/>, which flows with the call into the tasks it starts (an <see cref="AsyncLocal{T}"/>), so
/// concurrent calls on one backend each count only their own work. Counters are updated atomically.
/// </summary>
internal sealed class DeviceTrafficMeter
{
    private static readonly AsyncLocal<DeviceTrafficMeter?> Active = new();

    private long _hostToDevice;
    private long _constantHostToDevice;
    private long _deviceToHost;
    private long _launches;
    private long _calls;

    /// <summary>The meter of the running call, or null outside a metered call.</summary>
    public static DeviceTrafficMeter? Current => Active.Value;

    /// <summary>Starts metering on this call's execution context; dispose the scope when the call ends.</summary>
    public static Scope Begin()
    {
        var meter = new DeviceTrafficMeter();
        var previous = Active.Value;
        Active.Value = meter;
        return new Scope(meter, previous);
    }

    /// <summary>Adds a host → device copy; <paramref name="constant"/> marks a constant's first upload.</summary>
    public void HostToDevice(long bytes, bool constant = false)
    {
        Interlocked.Add(ref _hostToDevice, bytes);
        if (constant)
        {
            Interlocked.Add(ref _constantHostToDevice, bytes);
        }
    }

    public void DeviceToHost(long bytes) => Interlocked.Add(ref _deviceToHost, bytes);

    public void Launch(int count = 1) => Interlocked.Add(ref _launches, count);

    public void Call() => Interlocked.Increment(ref _calls);

    /// <summary>The counts so far.</summary>
    public LrpDeviceTraffic Snapshot() => new(
        Interlocked.Read(ref _hostToDevice),
        Interlocked.Read(ref _deviceToHost),
        Interlocked.Read(ref _launches),
        Interlocked.Read(ref _calls))
    {
        ConstantHostToDeviceBytes = Interlocked.Read(ref _constantHostToDevice),
    };

    /// <summary>Restores the enclosing meter (none, outside nested calls) when disposed.</summary>
    public readonly struct Scope(DeviceTrafficMeter meter, DeviceTrafficMeter? previous) : IDisposable
    {
        public DeviceTrafficMeter Meter => meter;

        public void Dispose() => Active.Value = previous;
    }
}
