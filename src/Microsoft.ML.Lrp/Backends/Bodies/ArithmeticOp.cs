namespace Microsoft.ML.Lrp.Backends.Bodies;

/// <summary>A binary arithmetic operation of a broadcasting replay (ONNX Add, Sub, Mul, Div).</summary>
internal enum ArithmeticOp
{
    Add,
    Sub,
    Mul,
    Div,
}

/// <summary>An element-wise function of a replay that has no shared op struct (transcendental in float).</summary>
internal enum UnaryFunction
{
    Erf,
    Sqrt,
    Reciprocal,
    Exp,
    Abs,
    Sigmoid,
    Tanh,
    Neg,
    Log,
}
