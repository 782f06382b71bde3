using System.Runtime.CompilerServices;

// ILGPU's CPU accelerator emits its kernels into a dynamic assembly named "ILGPURuntime"; the kernels' argument
// types (GemmShape, WindowShape, the rule-body structs) are internal, so that assembly must see them.
[assembly: InternalsVisibleTo("ILGPURuntime")]

// The GPU check program of tests/gpu (a self-contained build of the ILGPU tests and benchmark) uses the backends.
[assembly: InternalsVisibleTo("Microsoft.ML.Lrp.GpuCheck")]
