namespace Microsoft.ML.Lrp;

/// <summary>
/// Everything that defines one explanation step: the ONNX model, which input is explained, which output and target,
/// and the rules. Used by <see cref="LrpExplainer"/> and by <c>mlContext.Transforms.ExplainWithLrp</c>.
/// </summary>
/// <remarks>
/// Only load ONNX models from sources you trust: a model file is code that ONNX Runtime executes.
/// </remarks>
public sealed record LrpOptions
{
    /// <summary>Path of the ONNX model. Exactly one of <see cref="ModelFile"/> and <see cref="ModelBytes"/> is set.</summary>
    public string? ModelFile { get; init; }

    /// <summary>The ONNX model's bytes (external data is not supported for bytes).</summary>
    public byte[]? ModelBytes { get; init; }

    /// <summary>
    /// The explained input: the ONNX input of this name, fed from the IDataView column of the same name. Null means
    /// the model's first input. Other ONNX inputs are fed from columns named like them and carry no relevance.
    /// </summary>
    public string? InputColumnName { get; init; }

    /// <summary>The ONNX output to explain; null means the first graph output. Its column is named like the output.</summary>
    public string? OutputName { get; init; }

    /// <summary>The column that receives one relevance value per input element.</summary>
    public string RelevanceColumnName { get; init; } = "Relevance";

    /// <summary>
    /// When set, one more column of this name receives the relevance summed back to the original input columns: a
    /// vector of Single with one value per group of slots of the explained input, whose slot names are the groups'
    /// names, ordered by each group's first slot. Each value is the exact sum of its slots' relevance, so the column
    /// conserves what <see cref="RelevanceColumnName"/> does. Null (the default) adds no column.
    /// </summary>
    /// <remarks>
    /// The groups come from <see cref="RelevanceColumnGroups"/> when it is set. Otherwise the trained-model overload of
    /// <c>ExplainWithLrp</c> traces each slot of the feature column through the exported ONNX graph (the featurizers
    /// and <c>FeatureVectorizer</c>) back to the pipeline's input column it came from; where that is not possible,
    /// and for the plain overload, the groups come from the slot names ML.NET's <c>Concatenate</c> writes
    /// (<c>Column.Slot</c> for a vector source, <c>Column</c> for a scalar): a slot belongs to the longest column
    /// name of the input schema that its name equals or starts with followed by a dot, else to the part of its name
    /// before the first dot. Slot names name the column concatenated, not the one it was made from (a
    /// <c>ConvertType("CountF", "Count")</c> groups as <c>CountF</c>), and a concatenated vector without slot names
    /// (<c>OneHotHashEncoding</c>'s) leaves empty names that cannot be grouped: <c>Fit</c> throws, asking for
    /// <see cref="RelevanceColumnGroups"/>.
    /// </remarks>
    public string? RelevanceByColumnName { get; init; }

    /// <summary>
    /// The groups of <see cref="RelevanceByColumnName"/>: group name → the 0-based indices of the explained input's
    /// slots (flattened, row-major) that it sums. Every slot must belong to exactly one group. Null: derived as
    /// <see cref="RelevanceByColumnName"/> describes.
    /// </summary>
    public IReadOnlyDictionary<string, int[]>? RelevanceColumnGroups { get; init; }

    /// <summary>The column that receives the explained output index (Int32; -1 for directions and all outputs).</summary>
    public string TargetColumnName { get; init; } = "LrpTarget";

    /// <summary>The column that receives the model's value at the target (for a direction: <c>w · output</c>).</summary>
    public string ScoreColumnName { get; init; } = "LrpScore";

    /// <summary>What to explain in each row's output.</summary>
    public LrpTarget Target { get; init; } = LrpTarget.PredictedClass;

    /// <summary>The rule preset.</summary>
    public LrpComposite Composite { get; init; } = LrpComposite.EpsilonPlusFlat;

    /// <summary>The stabiliser ε of every rule (<c>stab(d) = d + ε·sign(d)</c>).</summary>
    public float Epsilon { get; init; } = 1e-6f;

    /// <summary>γ of the Gamma rule in <see cref="LrpComposite.EpsilonGammaBox"/>.</summary>
    public float Gamma { get; init; } = 0.25f;

    /// <summary>ZBox lower bound of the input: one value, one per channel (dimension 1), or one per element.</summary>
    public float[]? InputLowerBound { get; init; }

    /// <summary>ZBox upper bound of the input: one value, one per channel (dimension 1), or one per element.</summary>
    public float[]? InputUpperBound { get; init; }

    /// <summary>Rules that replace the composite's choice. Key: a node name or an op type; a node name wins.</summary>
    public IReadOnlyDictionary<string, LrpRule>? RuleOverrides { get; init; }

    /// <summary>How the output relevance is initialised.</summary>
    public LrpOutputSeed OutputSeed { get; init; } = LrpOutputSeed.Score;

    /// <summary>Rows per ONNX Runtime call and relevance pass.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>
    /// CUDA device for ONNX Runtime and the relevance pass (the ILGPU backend); null runs both on the CPU. See
    /// <see cref="FallbackToCpu"/> for a device that is not there.
    /// </summary>
    public int? GpuDeviceId { get; init; }

    /// <summary>
    /// When the GPU cannot be used, run on the CPU instead of throwing (a trace line says so, and
    /// <see cref="LrpTransformer.BackendName"/> names the backend that runs).
    /// </summary>
    public bool FallbackToCpu { get; init; } = true;

    /// <summary>
    /// Dimensions of one row of the explained input (without the batch dimension), for models whose input has
    /// variable dimensions besides the batch, such as a transformer's sequence length (<c>[128]</c> for
    /// <c>input_ids [batch, sequence]</c>). A variable dimension of another input takes the value of the explained
    /// input's dimension with the same symbolic name. Null: the model's own fixed dimensions (or the explained
    /// input's entry in <see cref="InputRowShapes"/>); in ML.NET, also the column's fixed size or
    /// <c>VectorDataViewType.Dimensions</c>, or, for a column of variable size and one variable dimension, each row's
    /// own length (rows padded under the attention mask when the model has one, else grouped by length). The
    /// explained input's batch axis is always its axis 0.
    /// </summary>
    public IReadOnlyList<int>? InputRowShape { get; init; }

    /// <summary>
    /// Shapes of any model input whose declared shape has variable dimensions besides the batch: input name →
    /// the dimensions of one row, without the batch axis (<c>[4, 0, 16]</c> for an empty key/value cache
    /// <c>past_key_values.0.key [batch, 4, past, 16]</c>, <c>[2, 128]</c> for a state <c>[2, batch, 128]</c>), or
    /// the whole tensor for an input without a batch axis (<c>[]</c> for a scalar sample rate). A variable dimension
    /// not given here takes the value given for a dimension of the same symbolic name on another input (or on the
    /// explained input through <see cref="InputRowShape"/>); zero-length dimensions are allowed except on the
    /// explained input. In ML.NET, a vector column whose type has dimensions
    /// (<c>VectorDataViewType.Dimensions</c>) gives its input's shape when neither option does.
    /// </summary>
    /// <remarks>
    /// <para>The batch axis of an input other than the explained one is, in this order: the axis whose symbolic name
    /// is the explained input's batch dimension's (<c>batch</c> in <c>[2, batch, 128]</c>, so each row's
    /// <c>[2, 128]</c> slice is laid out along axis 1); for an entry here with one dimension fewer than the input's
    /// rank (a per-row shape), the first variable axis (axis 0 when none is); axis 0 when it is symbolic and no given
    /// shape fixes its name, or when it is fixed at the explained input's fixed batch size. Otherwise (scalars, fixed
    /// shapes such as <c>[2, 128]</c>, an entry here with as many dimensions as the input's rank) the input has no
    /// batch axis: it is fed once per ONNX Runtime call (<see cref="LrpExplainer.AdditionalInputBatchAxes"/> says
    /// -1), given once or once per row with the same values in every row of a batch. Such inputs (caches, states,
    /// settings) carry no relevance: the relevance that reaches them stays there, as for every input but the
    /// explained one.</para>
    /// <para>Null: only the model's declared dimensions and <see cref="InputRowShape"/>. A variable dimension that
    /// nothing fixes, a name that is not an input, or a shape of the wrong rank throws an <see cref="LrpException"/>
    /// naming the input, the dimension and this option.</para>
    /// </remarks>
    public IReadOnlyDictionary<string, int[]>? InputRowShapes { get; init; }

    /// <summary>
    /// Shapes read from the ML.NET columns' <c>VectorDataViewType.Dimensions</c> at <c>Fit</c> (column name → dims):
    /// used, like <see cref="InputRowShapes"/>, for a model input that neither option shapes, when they fit its
    /// declared shape; names that are not model inputs are ignored.
    /// </summary>
    internal IReadOnlyDictionary<string, int[]>? ColumnRowShapes { get; init; }

    /// <summary>
    /// Which activations ONNX Runtime hands back and which are rebuilt by replaying cheap forward operations
    /// (the Promise System). Attributions do not depend on it.
    /// </summary>
    public LrpCapturePolicy CapturePolicy { get; init; } = LrpCapturePolicy.MinimizeMemory;

    /// <summary>
    /// Receives an <see cref="LrpProgress"/> after each batch that a data-view cursor of the fitted step explains
    /// (rows done, rows per second and, when the data view knows its row count, time left). Null: none. Runtime only:
    /// <see cref="LrpModel.Save"/> does not store it (give it to <c>mlContext.Model.LoadWithLrp</c> when loading).
    /// The same rows are logged through <c>MLContext.Log</c> at most once a second whether or not this is set.
    /// </summary>
    public IProgress<LrpProgress>? Progress { get; init; }

    /// <summary>
    /// Stops a data-view cursor of the fitted step between batches: the next batch throws an
    /// <see cref="OperationCanceledException"/> and no further rows are explained. <c>PredictionEngine</c> (one row at a
    /// time) does not read it. Runtime only: <see cref="LrpModel.Save"/> does not store it (give it to
    /// <c>mlContext.Model.LoadWithLrp</c> when loading).
    /// </summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>
    /// Relevance at intermediate tensors: output column name → ONNX tensor name. Each column is a vector of Single
    /// with the relevance that reached the tensor, one value per element of its row (the tensor's shape without the
    /// batch axis, which the column carries as its dimensions); <see cref="LrpExplanation.RelevanceAt"/> gives the
    /// same in the core API. A tensor read by several nodes holds the sum of what all of them passed to it. The
    /// output of a Conv or Gemm whose BatchNormalization is folded into it names the BatchNormalization's output.
    /// Null: none. A name that is not a tensor on a relevance path throws an <see cref="LrpException"/>.
    /// </summary>
    public IReadOnlyDictionary<string, string>? RelevanceOutputs { get; init; }

    /// <summary>
    /// Relevance of parameters: names of the weight (or bias) initializers of Gemm, MatMul (2-D constant weight) and
    /// Conv nodes, or <c>"*"</c> for the weights and biases of every such node. For <c>z = W x + b</c> under the
    /// node's rule, weight element <c>w_ij</c> gets its contribution terms summed over the positions where it is
    /// applied (Epsilon: <c>R_ij = Σ_p w_ij x_j s_i</c>, <c>s = R_z / stab(z)</c>); the bias gets <c>Σ_p b_i s_i</c>.
    /// Read it with <see cref="LrpExplanation.ParameterRelevance"/>; it costs rows × parameters floats per call.
    /// </summary>
    public IReadOnlyList<string>? ParameterRelevance { get; init; }

    /// <summary>
    /// Concept-conditional relevance (CRP, Achtibat et al. 2023): ONNX tensor name → channel indices. When relevance
    /// passes a conditioned tensor it keeps only those channels (axis 1 for <c>[N, C, …]</c> image tensors, the
    /// last axis for <c>[batch, features]</c> and <c>[batch, sequence, hidden]</c>), and only relevance that passed
    /// it goes on to the input (zennit-crp's <c>exclude_parallel</c>): several conditions are ANDed and must lie on
    /// one path. Null: no condition (results are those of an unconditioned explainer, bit for bit).
    /// </summary>
    public IReadOnlyDictionary<string, int[]>? Conditions { get; init; }

    /// <summary>
    /// Run the relevance pass on the ILGPU backend with ILGPU's CPU accelerator (an emulator of the GPU kernels,
    /// hundreds of times slower than the CPU backend): for tests, and for checking the device traffic
    /// (<see cref="LrpExplainer.LastDeviceTraffic"/>) on a machine without a GPU. It takes precedence over
    /// <see cref="GpuDeviceId"/> for the relevance pass; <see cref="GpuDeviceId"/> still picks ONNX Runtime's provider.
    /// </summary>
    public bool IlgpuCpuAccelerator { get; init; }
}
