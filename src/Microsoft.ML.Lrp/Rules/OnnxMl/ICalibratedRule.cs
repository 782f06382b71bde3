using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.OnnxMl;

/// <summary>
/// A rule that learns statistics from the rows the estimator is fit on (tree covers). <c>LrpEstimator.Fit</c> routes
/// the fit data through the model and hands each such rule the activation at its node's first input, batch by
/// batch, then calls <see cref="EndCalibration"/>. A rule that is never calibrated uses its uncalibrated default.
/// </summary>
internal interface ICalibratedRule
{
    /// <summary>Sees one batch of the node's first input (batch first).</summary>
    void Observe(Tensor input);

    /// <summary>Fixes the learnt statistics; later <see cref="IRelevanceRule.Propagate"/> calls use them.</summary>
    void EndCalibration();
}
