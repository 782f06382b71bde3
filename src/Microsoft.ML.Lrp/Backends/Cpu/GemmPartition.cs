namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// Chooses how <see cref="BlockedGemm"/> splits C into a grid of parallel tiles. Splitting along n makes every tile
/// pack its own copy of A, splitting along m its own copy of B; the cost model weighs the tile's multiply-adds
/// against that packing, times the number of rounds the tiles need on the available threads.
/// </summary>
internal static class GemmPartition
{
    /// <summary>Cost of packing one element, in multiply-adds.</summary>
    private const double PackCost = 8.0;

    /// <summary>Narrowest column tile (in micro-panels) worth cutting in two for load balance.</summary>
    private const int MinPanelsPerTile = 8;

    /// <summary>Returns the grid <c>(tm, tn)</c>: rows of tiles and columns of tiles.</summary>
    public static (int Tm, int Tn) Choose(int mPanels, int nPanels, int k, int threads)
    {
        if (threads <= 1)
        {
            return (1, 1);
        }

        int mr = GemmMicroKernel.Mr, nr = GemmMicroKernel.Nr;
        (int Tm, int Tn) best = (1, 1);
        double bestCost = double.MaxValue;
        int maxTasks = 4 * threads;
        for (int tm = 1; tm <= Math.Min(mPanels, maxTasks); tm++)
        {
            for (int tn = 1; tn <= Math.Min(nPanels, maxTasks / tm); tn++)
            {
                int tasks = tm * tn;
                double tileM = Math.Ceiling((double)mPanels / tm) * mr;
                double tileN = Math.Ceiling((double)nPanels / tn) * nr;
                double rounds = Math.Ceiling((double)tasks / threads);
                double cost = rounds * k * ((tileM * tileN) + (PackCost * (tileM + tileN)));
                if (cost < bestCost * 0.999)
                {
                    bestCost = cost;
                    best = (tm, tn);
                }
            }
        }

        if (best.Tm * best.Tn == threads && best.Tn > 1 && nPanels / (2 * best.Tn) >= MinPanelsPerTile)
        {
            // Column tiles share nothing but their A block (cheap to pack again): twice as many let a thread that
            // got its core late leave part of its columns to the others.
            best = (best.Tm, 2 * best.Tn);
        }

        return best;
    }
}
