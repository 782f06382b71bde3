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
    private long _importHostToDevice;
    private long _exportDeviceToHost;
    private long _roundTripHostToDevice;
    private long _roundTripDeviceToHost;
    private long _untrackedHostToDevice;
    private long _untrackedDeviceToHost;
    private readonly SortedDictionary<string, (long HostToDevice, long DeviceToHost)> _roundTrips = new(StringComparer.Ordinal);

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

    /// <summary>Adds the first upload of a pass's tensor buffer that host code filled (the input, the captures, the seed).</summary>
    public void Imported(long bytes)
    {
        HostToDevice(bytes);
        Interlocked.Add(ref _importHostToDevice, bytes);
    }

    /// <summary>Adds a download of the pass's results (the input relevance).</summary>
    public void Exported(long bytes)
    {
        DeviceToHost(bytes);
        Interlocked.Add(ref _exportDeviceToHost, bytes);
    }

    /// <summary>
    /// Adds a transfer that host code forced inside the pass: a download before it reads a buffer valid on the device
    /// only, or the upload of a buffer it wrote; <paramref name="cause"/> names the code (a host-implemented backend
    /// operation, a replay's host loop, the engine's checks).
    /// </summary>
    public void RoundTrip(long bytes, bool toDevice, string cause)
    {
        if (toDevice)
        {
            HostToDevice(bytes);
            Interlocked.Add(ref _roundTripHostToDevice, bytes);
        }
        else
        {
            DeviceToHost(bytes);
            Interlocked.Add(ref _roundTripDeviceToHost, bytes);
        }

        lock (_roundTrips)
        {
            var (up, down) = _roundTrips.GetValueOrDefault(cause);
            _roundTrips[cause] = toDevice ? (up + bytes, down) : (up, down + bytes);
        }
    }

    public void Launch(int count = 1) => Interlocked.Add(ref _launches, count);

    public void Call() => Interlocked.Increment(ref _calls);

    /// <summary>
    /// Names a transfer (already counted) of a span outside every buffer of the pass: an operand array the pass did
    /// not allocate through the arena, or a result into one (recorded when the workspace verifies, for diagnosis).
    /// </summary>
    public void Untracked(long bytes, bool toDevice, string site)
    {
        Interlocked.Add(ref toDevice ? ref _untrackedHostToDevice : ref _untrackedDeviceToHost, bytes);
        lock (_roundTrips)
        {
            string cause = "untracked " + site;
            var (up, down) = _roundTrips.GetValueOrDefault(cause);
            _roundTrips[cause] = toDevice ? (up + bytes, down) : (up, down + bytes);
        }
    }

    /// <summary>The counts so far.</summary>
    public LrpDeviceTraffic Snapshot() => new(
        Interlocked.Read(ref _hostToDevice),
        Interlocked.Read(ref _deviceToHost),
        Interlocked.Read(ref _launches),
        Interlocked.Read(ref _calls))
    {
        ConstantHostToDeviceBytes = Interlocked.Read(ref _constantHostToDevice),
        ImportHostToDeviceBytes = Interlocked.Read(ref _importHostToDevice),
        ExportDeviceToHostBytes = Interlocked.Read(ref _exportDeviceToHost),
        RoundTripHostToDeviceBytes = Interlocked.Read(ref _roundTripHostToDevice),
        RoundTripDeviceToHostBytes = Interlocked.Read(ref _roundTripDeviceToHost),
        UntrackedHostToDeviceBytes = Interlocked.Read(ref _untrackedHostToDevice),
        UntrackedDeviceToHostBytes = Interlocked.Read(ref _untrackedDeviceToHost),
        RoundTrips = RoundTripSummary(),
    };

    private string RoundTripSummary()
    {
        lock (_roundTrips)
        {
            return string.Join("; ", _roundTrips.Select(r => $"{r.Key}: H→D {r.Value.HostToDevice:N0} B, D→H {r.Value.DeviceToHost:N0} B"));
        }
    }

    /// <summary>Restores the enclosing meter (none, outside nested calls) when disposed.</summary>
    public readonly struct Scope(DeviceTrafficMeter meter, DeviceTrafficMeter? previous) : IDisposable
    {
        public DeviceTrafficMeter Meter => meter;

        public void Dispose() => Active.Value = previous;
    }
}
