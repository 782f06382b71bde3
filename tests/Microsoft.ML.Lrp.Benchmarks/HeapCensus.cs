using System.Reflection;

namespace Microsoft.ML.Lrp.Benchmarks;

/// <summary>
/// A developer aid for <see cref="MemoryProbe"/>: walks the object graph from a few roots by reflection and sums the
/// arrays of at least 64 KiB by the field that first reached them (breadth first, so the shortest owner wins).
/// </summary>
internal static class HeapCensus
{
    private const long MinimumBytes = 64 * 1024;

    public static IReadOnlyList<(string Owner, long Bytes, int Count)> Take(params (string Name, object? Root)[] roots)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var totals = new Dictionary<string, (long Bytes, int Count)>(StringComparer.Ordinal);
        var queue = new Queue<(object Value, string Owner)>();
        foreach (var (name, root) in roots)
        {
            if (root is not null && seen.Add(root))
            {
                queue.Enqueue((root, name));
            }
        }

        while (queue.Count > 0)
        {
            var (value, owner) = queue.Dequeue();
            var type = value.GetType();
            if (type.IsArray)
            {
                var array = (Array)value;
                var element = type.GetElementType()!;
                if (element.IsPrimitive)
                {
                    long bytes = (long)array.Length * Marshal(element);
                    if (bytes >= MinimumBytes)
                    {
                        var t = totals.GetValueOrDefault(owner);
                        totals[owner] = (t.Bytes + bytes, t.Count + 1);
                    }

                    continue;
                }

                foreach (var item in array)
                {
                    // Boxed structs (dictionary entries) are new objects: walked, never marked as seen.
                    if (item is not null && (element.IsValueType || seen.Add(item)))
                    {
                        queue.Enqueue((item, owner));
                    }
                }

                continue;
            }

            if (value is string || value is Delegate || value is Type || value is MemberInfo || value is Assembly)
            {
                continue;
            }

            for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
            {
                foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly))
                {
                    if (field.FieldType.IsPrimitive || field.FieldType.IsPointer || field.FieldType.IsByRefLike || field.FieldType.IsEnum)
                    {
                        continue;
                    }

                    object? child;
                    try
                    {
                        child = field.GetValue(value);
                    }
                    catch (Exception ex) when (ex is NotSupportedException or FieldAccessException or ArgumentException)
                    {
                        continue;
                    }

                    if (child is null || (!field.FieldType.IsValueType && !seen.Add(child)) || (field.FieldType.IsValueType && child.GetType().IsPrimitive))
                    {
                        continue;
                    }

                    // Collections keep their owner's name; other objects name the field that holds them.
                    bool isCollection = t.Namespace?.StartsWith("System", StringComparison.Ordinal) == true;
                    queue.Enqueue((child, isCollection ? owner : Join($"{Short(t)}.{field.Name}", owner)));
                }
            }
        }

        return totals.Select(kv => (kv.Key, kv.Value.Bytes, kv.Value.Count)).OrderByDescending(x => x.Bytes).ToList();
    }

    /// <summary>Static fields of <paramref name="type"/> as roots (the kernel caches).</summary>
    public static IEnumerable<(string, object?)> Statics(Type type)
        => type.GetFields(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
            .Where(f => !f.FieldType.IsPrimitive && !f.IsLiteral)
            .Select(f => ($"{Short(type)}.{f.Name} (static)", f.GetValue(null)));

    /// <summary>The field, then up to two owners above it (<c>LRP_CENSUS_DEPTH</c> sets how many).</summary>
    private static string Join(string field, string owner)
    {
        var parts = owner.Split(" < ");
        return string.Join(" < ", new[] { field }.Concat(parts.Take(int.TryParse(Environment.GetEnvironmentVariable("LRP_CENSUS_DEPTH"), out int depth) ? depth : 2)));
    }

    private static int Marshal(Type element) => element == typeof(bool) ? 1 : System.Runtime.InteropServices.Marshal.SizeOf(element);

    private static string Short(Type t) => t.IsGenericType ? t.Name[..t.Name.IndexOf('`', StringComparison.Ordinal)] : t.Name;
}
