namespace Microsoft.ML.Lrp.Evaluation;

/// <summary>
/// A 3 × 5 pixel font for the labels of <see cref="CurvePlot"/>: capital letters, digits and a few signs (lower case is
/// drawn as capitals, × as X, anything else as a blank). Each glyph is five rows of three pixels, top row first.
/// </summary>
internal static class PlotFont
{
    public const int GlyphWidth = 3;
    public const int GlyphHeight = 5;

    private static readonly Dictionary<char, string> Glyphs = new()
    {
        ['A'] = "010101111101101", ['B'] = "110101110101110", ['C'] = "011100100100011", ['D'] = "110101101101110",
        ['E'] = "111100110100111", ['F'] = "111100110100100", ['G'] = "011100101101011", ['H'] = "101101111101101",
        ['I'] = "111010010010111", ['J'] = "001001001101010", ['K'] = "101101110101101", ['L'] = "100100100100111",
        ['M'] = "101111111101101", ['N'] = "110101101101101", ['O'] = "010101101101010", ['P'] = "110101110100100",
        ['Q'] = "010101101110011", ['R'] = "110101110101101", ['S'] = "011100010001110", ['T'] = "111010010010010",
        ['U'] = "101101101101111", ['V'] = "101101101101010", ['W'] = "101101111111101", ['X'] = "101101010101101",
        ['Y'] = "101101010010010", ['Z'] = "111001010100111",
        ['0'] = "111101101101111", ['1'] = "010110010010111", ['2'] = "110001010100111", ['3'] = "110001010001110",
        ['4'] = "101101111001001", ['5'] = "111100110001110", ['6'] = "011100111101111", ['7'] = "111001010010010",
        ['8'] = "111101111101111", ['9'] = "111101111001110",
        ['-'] = "000000111000000", ['+'] = "000010111010000", ['.'] = "000000000000010", [','] = "000000000010100",
        ['('] = "001010010010001", [')'] = "100010010010100", ['/'] = "001001010100100", ['='] = "000111000111000",
        [':'] = "000010000010000",
    };

    /// <summary>Whether pixel (<paramref name="x"/>, <paramref name="y"/>) of <paramref name="c"/>'s glyph is set.</summary>
    public static bool IsSet(char c, int x, int y)
    {
        c = c == '×' ? 'X' : char.ToUpperInvariant(c);
        return Glyphs.TryGetValue(c, out var rows) && rows[y * GlyphWidth + x] == '1';
    }
}
