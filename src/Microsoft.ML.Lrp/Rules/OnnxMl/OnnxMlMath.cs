namespace Microsoft.ML.Lrp.Rules.OnnxMl;

/// <summary>Small numeric helpers shared by the ONNX-ML rules (double precision).</summary>
internal static class OnnxMlMath
{
    /// <summary><c>stab(d) = d + ε·sign(d)</c>, <c>sign(0) = +1</c> (RULES.md).</summary>
    public static double Stab(double d, double epsilon) => d + (d >= 0 ? epsilon : -epsilon);

    /// <summary>
    /// The factor that turns a decomposition of <paramref name="value"/> into one of the relevance <paramref name="r"/>
    /// arriving there: <c>r / stab(value)</c>, and exactly 1 where the relevance is the node's own output
    /// (<paramref name="r"/> equals <paramref name="output"/>, e.g. the Score seed at the explained output), so that
    /// the parts are then the model's own terms (<c>w_i·x_i</c>, path contributions) without stabiliser error.
    /// </summary>
    public static double Scale(float r, float output, double value, double epsilon, bool outputIsValue)
        => outputIsValue && r == output ? 1.0 : r / Stab(value, epsilon);
}
