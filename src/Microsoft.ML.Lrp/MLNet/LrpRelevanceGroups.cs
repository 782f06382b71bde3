using Microsoft.ML.Data;

namespace Microsoft.ML.Lrp.MLNet;

/// <summary>
/// The groups of <see cref="LrpOptions.RelevanceByColumnName"/>: which group each slot of the explained input belongs
/// to (every slot to exactly one), and the groups' names ordered by their first slot.
/// </summary>
internal sealed class LrpRelevanceGroups
{
    private readonly int[] _groupOfSlot;

    private LrpRelevanceGroups(string[] names, int[] groupOfSlot)
    {
        Names = names;
        _groupOfSlot = groupOfSlot;
    }

    /// <summary>The groups' names, in output order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>
    /// The groups for the explained input column <paramref name="input"/> of <paramref name="length"/> slots: from
    /// <see cref="LrpOptions.RelevanceColumnGroups"/>, else from the column's slot names.
    /// </summary>
    /// <exception cref="ArgumentException">The groups do not partition the slots, or the column has no slot names.</exception>
    public static LrpRelevanceGroups Resolve(LrpOptions options, DataViewSchema inputSchema, DataViewSchema.Column input, int length)
    {
        string column = options.RelevanceByColumnName!;
        if (options.RelevanceColumnGroups is { } groups)
        {
            return FromMapping(groups, length, column);
        }

        if (input.Annotations.Schema.GetColumnOrNull(LrpSchemaBinding.SlotNamesKind) is null)
        {
            throw new ArgumentException(
                $"LrpOptions.RelevanceByColumnName ('{column}') needs the slots of '{input.Name}' grouped, but that column has no slot names: "
                + "set LrpOptions.RelevanceColumnGroups (group name → slot indices).",
                nameof(options));
        }

        VBuffer<ReadOnlyMemory<char>> slotNames = default;
        input.GetSlotNames(ref slotNames);
        var names = slotNames.DenseValues().Select(n => n.ToString()).ToArray();
        if (names.Length != length)
        {
            throw new ArgumentException($"The column '{input.Name}' has {names.Length} slot names for {length} slots; set LrpOptions.RelevanceColumnGroups for '{column}'.", nameof(options));
        }

        var columns = inputSchema.Select(c => c.Name).Distinct(StringComparer.Ordinal).OrderByDescending(n => n.Length).ToArray();
        var mapping = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int slot = 0; slot < length; slot++)
        {
            string group = GroupOfSlotName(names[slot], slot, columns, column);
            if (!mapping.TryGetValue(group, out var slots))
            {
                mapping[group] = slots = [];
            }

            slots.Add(slot);
        }

        return FromMapping(mapping.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal), length, column);
    }

    /// <summary>Writes the sum of each group's slots of <paramref name="relevance"/> into <paramref name="sums"/>.</summary>
    public void Sum(ReadOnlySpan<float> relevance, Span<float> sums)
    {
        // Accumulated in double so that a group's value is its slots' sum to float precision, whatever their number.
        Span<double> total = sums.Length <= 256 ? stackalloc double[sums.Length] : new double[sums.Length];
        for (int slot = 0; slot < relevance.Length; slot++)
        {
            total[_groupOfSlot[slot]] += relevance[slot];
        }

        for (int g = 0; g < sums.Length; g++)
        {
            sums[g] = (float)total[g];
        }
    }

    /// <summary>Checks a group name → slots mapping covers each of <paramref name="length"/> slots exactly once.</summary>
    public static LrpRelevanceGroups FromMapping(IReadOnlyDictionary<string, int[]> groups, int length, string column)
    {
        var groupOfSlot = new int[length];
        Array.Fill(groupOfSlot, -1);
        var ordered = groups
            .Select(p => (Name: p.Key, Slots: p.Value ?? []))
            .OrderBy(p => p.Slots.Length == 0 ? int.MaxValue : p.Slots.Min())
            .ToArray();
        for (int g = 0; g < ordered.Length; g++)
        {
            var (name, slots) = ordered[g];
            if (string.IsNullOrEmpty(name) || slots.Length == 0)
            {
                throw new ArgumentException($"LrpOptions.RelevanceColumnGroups of '{column}': the group '{name}' is {(slots.Length == 0 ? "empty" : "unnamed")}.", "options");
            }

            foreach (int slot in slots)
            {
                if (slot < 0 || slot >= length)
                {
                    throw new ArgumentException($"LrpOptions.RelevanceColumnGroups of '{column}': the group '{name}' names slot {slot}, but the explained input has {length} slots.", "options");
                }

                if (groupOfSlot[slot] >= 0)
                {
                    throw new ArgumentException($"LrpOptions.RelevanceColumnGroups of '{column}': slot {slot} belongs to both '{ordered[groupOfSlot[slot]].Name}' and '{name}'.", "options");
                }

                groupOfSlot[slot] = g;
            }
        }

        int missing = Array.IndexOf(groupOfSlot, -1);
        if (missing >= 0)
        {
            int count = groupOfSlot.Count(g => g < 0);
            throw new ArgumentException($"LrpOptions.RelevanceColumnGroups of '{column}': {count} slot(s) of the explained input belong to no group (the first: slot {missing}); every slot must belong to exactly one group so that the sums conserve the relevance.", "options");
        }

        return new LrpRelevanceGroups(ordered.Select(p => p.Name).ToArray(), groupOfSlot);
    }

    private static string GroupOfSlotName(string slotName, int slot, string[] columnsLongestFirst, string groupedColumn)
    {
        if (slotName.Length == 0)
        {
            throw new ArgumentException(
                $"LrpOptions.RelevanceByColumnName ('{groupedColumn}'): slot {slot} of the explained input has an empty slot name (a concatenated vector without slot names, "
                + "such as OneHotHashEncoding's), so it cannot be grouped by column: set LrpOptions.RelevanceColumnGroups.",
                "options");
        }

        foreach (string column in columnsLongestFirst)
        {
            if (slotName.Length >= column.Length
                && slotName.StartsWith(column, StringComparison.Ordinal)
                && (slotName.Length == column.Length || slotName[column.Length] == '.'))
            {
                return column;
            }
        }

        int dot = slotName.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 ? slotName[..dot] : slotName;
    }
}
