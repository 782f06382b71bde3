using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Promises.Replay;
using Microsoft.ML.Lrp.Rules;

namespace Microsoft.ML.Lrp.Ops;

/// <summary>Rows of indexing, scatter and selection ops (detection heads and the like).</summary>
internal static partial class OpRegistry
{
    private static IEnumerable<OpInfo> IndexingRows() =>
    [
        .. FirstInputOnly("GatherElements", "GatherND"),
        new OpInfo("TopK") { DataInput = FirstOnly, DataOutput = FirstOnlyOutput },
        .. SideOnly("NonMaxSuppression"),
    ];
}
