using Microsoft.ML.Lrp.Ops;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Promises.Replay;

/// <summary>
/// Runs one cheap forward operation on the CPU to rebuild a promised activation (its first output): the replay kernel
/// of the node's row in <see cref="OpRegistry"/>. The kernels follow the ONNX operator definitions; they read inputs
/// and never write them.
/// </summary>
internal static class ForwardReplay
{
    public static Tensor Run(ReplayInputs inputs) => OpRegistry.Replay(inputs);
}
