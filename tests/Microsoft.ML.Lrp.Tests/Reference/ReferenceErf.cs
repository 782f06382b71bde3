namespace Microsoft.ML.Lrp.Tests.Reference;

/// <summary>The error function in double: its Taylor series below 3, a continued fraction for erfc above.</summary>
internal static class ReferenceErf
{
    /// <summary>erf(x) to about 1e-15.</summary>
    public static double Erf(double x)
    {
        double a = Math.Abs(x);
        if (a < 3)
        {
            double term = a, sum = a;
            for (int n = 1; n < 200 && Math.Abs(term) > 1e-18 * Math.Abs(sum); n++)
            {
                term *= -a * a / n;
                sum += term / ((2 * n) + 1);
            }

            return Math.Sign(x) * 2 / Math.Sqrt(Math.PI) * sum;
        }

        double k = a;
        for (int n = 80; n >= 1; n--)
        {
            k = a + (n / 2.0 / k);
        }

        return Math.Sign(x) * (1 - (Math.Exp(-a * a) / Math.Sqrt(Math.PI) / k));
    }
}
