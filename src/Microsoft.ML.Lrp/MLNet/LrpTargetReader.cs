using Microsoft.ML.Data;

namespace Microsoft.ML.Lrp.MLNet;

/// <summary>
/// Reads each row's output index for <see cref="LrpTargetKind.FromColumn"/> from an Int32, Int64, UInt32 or key
/// column (keys are 1-based: key k means index k−1; key 0 is a missing value) and checks it is in range.
/// </summary>
internal sealed class LrpTargetReader
{
    private readonly string _columnName;
    private readonly int _outputRowLength;
    private readonly Func<long>? _readIndex;
    private readonly Func<ulong>? _readKey;

    public LrpTargetReader(DataViewRow row, DataViewSchema.Column column, int outputRowLength)
    {
        _columnName = column.Name;
        _outputRowLength = outputRowLength;
        var type = column.Type;
        if (type is KeyDataViewType)
        {
            _readKey = type.RawType switch
            {
                var t when t == typeof(uint) => Read<uint, ulong>(row, column, v => v),
                var t when t == typeof(ushort) => Read<ushort, ulong>(row, column, v => v),
                var t when t == typeof(byte) => Read<byte, ulong>(row, column, v => v),
                var t when t == typeof(ulong) => Read<ulong, ulong>(row, column, v => v),
                _ => throw LrpSchemaErrors.WrongType("target", column.Name, "Int32, Int64, UInt32 or a key", type),
            };
        }
        else
        {
            _readIndex = type switch
            {
                _ when type == NumberDataViewType.Int32 => Read<int, long>(row, column, v => v),
                _ when type == NumberDataViewType.Int64 => Read<long, long>(row, column, v => v),
                _ when type == NumberDataViewType.UInt32 => Read<uint, long>(row, column, v => v),
                _ => throw LrpSchemaErrors.WrongType("target", column.Name, "Int32, Int64, UInt32 or a key", type),
            };
        }
    }

    /// <summary>True for the column types a target can be read from.</summary>
    public static bool IsSupported(DataViewType type)
        => type is KeyDataViewType
            || type == NumberDataViewType.Int32
            || type == NumberDataViewType.Int64
            || type == NumberDataViewType.UInt32;

    /// <summary>The current row's 0-based output index; <paramref name="rowIndex"/> is only for messages.</summary>
    public int Read(long rowIndex)
    {
        long index;
        string shown;
        if (_readKey is not null)
        {
            ulong key = _readKey();
            if (key == 0)
            {
                throw new LrpException($"Row {rowIndex}: the target column '{_columnName}' holds a missing key value (0). Filter out rows without a target, or fill them, before explaining.");
            }

            index = key - 1 > int.MaxValue ? long.MaxValue : (long)(key - 1);
            shown = $"key {key} (index {key - 1})";
        }
        else
        {
            index = _readIndex!();
            shown = index.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (index < 0 || index >= _outputRowLength)
        {
            throw new LrpException($"Row {rowIndex}: the target column '{_columnName}' holds {shown}, outside the valid range 0..{_outputRowLength - 1} of the explained output.");
        }

        return (int)index;
    }

    private static Func<TResult> Read<T, TResult>(DataViewRow row, DataViewSchema.Column column, Func<T, TResult> convert)
    {
        var getter = row.GetGetter<T>(column);
        return () =>
        {
            T value = default!;
            getter(ref value);
            return convert(value);
        };
    }
}
