using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Rules.Bodies;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Linear;

/// <summary>
/// The inputs of a linear rule's product terms for one input <c>x</c>: <c>x</c>, <c>x⁺</c>, <c>x⁻</c>, ones, and the
/// ZBox bounds <c>l</c>, <c>h</c>, each computed once on first use (used by the rule and by parameter relevance).
/// </summary>
internal sealed class LinearInputs(IRelevanceBackend backend, Tensor x, Func<int[], (Tensor Low, Tensor High)>? bounds)
{
    private readonly Dictionary<InputVariant, Tensor> _made = [];
    private (Tensor Low, Tensor High)? _bounds;

    public Tensor Of(InputVariant v)
    {
        if (v == InputVariant.X)
        {
            return x;
        }

        if (!_made.TryGetValue(v, out var t))
        {
            switch (v)
            {
                case InputVariant.Positive:
                    t = new Tensor(x.Shape);
                    backend.Map(new PositivePart(), x.Data, t.Data);
                    break;
                case InputVariant.Negative:
                    t = new Tensor(x.Shape);
                    backend.Map(new NegativePart(), x.Data, t.Data);
                    break;
                case InputVariant.Ones:
                    t = new Tensor(x.Shape);
                    Array.Fill(t.Data, 1f);
                    break;
                default:
                    _bounds ??= (bounds ?? throw new InvalidOperationException("ZBox needs bounds."))(x.Shape);
                    t = v == InputVariant.Low ? _bounds.Value.Low : _bounds.Value.High;
                    break;
            }

            _made[v] = t;
        }

        return t;
    }

    /// <summary>Hands the variants made here back to the pass's arena (the bounds are cached by the rule and stay).</summary>
    public void Release()
    {
        foreach (var (v, t) in _made)
        {
            if (v is InputVariant.Positive or InputVariant.Negative or InputVariant.Ones)
            {
                TensorArena.Release(t.Data);
            }
        }

        _made.Clear();
    }
}
