namespace Microsoft.ML.Lrp;

/// <summary>
/// Raised when a model, graph or input cannot be explained. The message names the file, node, op type or column
/// concerned and says what to do.
/// </summary>
public sealed class LrpException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public LrpException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public LrpException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
