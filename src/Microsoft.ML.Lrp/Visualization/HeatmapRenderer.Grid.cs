namespace Microsoft.ML.Lrp.Visualization;

public static partial class HeatmapRenderer
{
    /// <summary>How many times the 5 × 7 label font is magnified in a grid.</summary>
    internal const int LabelScale = 2;

    /// <summary>Height of the white strip above each tile that holds its label, when a grid has labels.</summary>
    public const int LabelHeight = (BitmapFont.Height * LabelScale) + (2 * Spacing);

    /// <summary>
    /// Places images of one size in a grid (several targets, composites or photos), row by row, with
    /// <see cref="Spacing"/> white pixels around and between them and, when <paramref name="labels"/> are given, a
    /// <see cref="LabelHeight"/>-pixel strip above each tile with its label in black capitals.
    /// </summary>
    /// <remarks>
    /// Without <paramref name="columns"/> the grid follows Zennit's <c>gridify</c>: <c>⌊√n⌋</c> columns and as many
    /// rows as needed. Each tile keeps its own normalisation (render the tiles with the same options to compare them).
    /// The grid is <c>columns·w + (columns + 1)·Spacing</c> wide and <c>rows·(h + label) + (rows + 1)·Spacing</c> high.
    /// </remarks>
    /// <param name="tiles">The images, all of the same width and height (heatmaps, overlays or side-by-side pairs).</param>
    /// <param name="columns">Tiles per row; 0 for Zennit's near-square layout.</param>
    /// <param name="labels">One label per tile (null or empty for none), or null for a grid without labels; labels longer than a tile are cut.</param>
    /// <returns>The grid image.</returns>
    /// <exception cref="ArgumentException">No tiles, tiles of different sizes, or a label count that differs from the tile count.</exception>
    public static HeatmapImage RenderGrid(IReadOnlyList<HeatmapImage> tiles, int columns = 0, IReadOnlyList<string?>? labels = null)
    {
        ArgumentNullException.ThrowIfNull(tiles);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if (tiles.Count == 0)
        {
            throw new ArgumentException("A grid needs at least one tile.", nameof(tiles));
        }

        if (labels is not null && labels.Count != tiles.Count)
        {
            throw new ArgumentException($"The grid has {tiles.Count} tiles but {labels.Count} labels.", nameof(labels));
        }

        int width = tiles[0].Width, height = tiles[0].Height;
        for (int i = 0; i < tiles.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(tiles[i], $"tiles[{i}]");
            if (tiles[i].Width != width || tiles[i].Height != height)
            {
                throw new ArgumentException($"Tile {i} is {tiles[i].Width}×{tiles[i].Height} but tile 0 is {width}×{height}; grid tiles must have one size.", nameof(tiles));
            }
        }

        int cols = columns > 0 ? Math.Min(columns, tiles.Count) : Math.Max(1, (int)Math.Sqrt(tiles.Count));
        int rows = (tiles.Count + cols - 1) / cols;
        int label = labels is null ? 0 : LabelHeight;
        var canvas = new Canvas((cols * width) + ((cols + 1) * Spacing), (rows * (height + label)) + ((rows + 1) * Spacing));
        for (int i = 0; i < tiles.Count; i++)
        {
            int x = Spacing + ((i % cols) * (width + Spacing));
            int y = Spacing + ((i / cols) * (height + label + Spacing));
            string? text = labels?[i];
            if (!string.IsNullOrEmpty(text))
            {
                canvas.DrawText(text, x, y + Spacing, width, LabelScale);
            }

            canvas.Draw(tiles[i], x, y + label);
        }

        return canvas.ToImage();
    }
}
