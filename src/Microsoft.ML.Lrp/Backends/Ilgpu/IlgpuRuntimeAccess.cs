using System.Runtime.CompilerServices;

// ILGPU's CPU accelerator emits its kernels into a dynamic assembly named "ILGPURuntime"; the kernels' argument
// types (GemmShape, WindowShape, the rule-body structs) are internal, so that assembly must see them.
[assembly: InternalsVisibleTo("ILGPURuntime")]
