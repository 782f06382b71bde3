using System.Text;
using Microsoft.ML.Lrp;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Tokenizers;

namespace ExplainSearch;

/// <summary>One text as MiniLM's three inputs, padded to a fixed length, with its tokens for display.</summary>
internal sealed record EncodedText(string Text, long[] InputIds, long[] AttentionMask, long[] TokenTypeIds, string[] Tokens)
{
    /// <summary>Tokens that the attention mask keeps ([CLS] … [SEP]).</summary>
    public int Length => Tokens.Length;
}

/// <summary>
/// all-MiniLM-L6-v2 with sentence-transformers' mean pooling and L2 normalisation appended to the graph
/// (<see cref="LrpPooling.AddMeanPooling"/>), and the BERT WordPiece tokenizer of Microsoft.ML.Tokenizers over the
/// package's own vocabulary (lower-cased, as the model was trained).
/// </summary>
internal sealed class MiniLmEncoder : IDisposable
{
    public const string EmbeddingOutput = "sentence_embedding";

    private readonly BertTokenizer _tokenizer;
    private readonly string[] _vocabulary;
    private readonly InferenceSession _session;

    public MiniLmEncoder(int sequenceLength)
    {
        SequenceLength = sequenceLength;
        byte[] vocabulary = MiniLmPackage.ReadVocabulary();
        _vocabulary = Encoding.UTF8.GetString(vocabulary).Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        _tokenizer = BertTokenizer.Create(new MemoryStream(vocabulary), new BertOptions { LowerCaseBeforeTokenization = true });
        PooledModel = LrpPooling.AddMeanPooling(MiniLmPackage.ReadModel(), outputName: EmbeddingOutput);
        _session = new InferenceSession(PooledModel);
    }

    /// <summary>The padded length of every encoded text.</summary>
    public int SequenceLength { get; }

    /// <summary>The model with the pooled, normalised sentence embedding as output <see cref="EmbeddingOutput"/>.</summary>
    public byte[] PooledModel { get; }

    /// <summary>Tokenizes <paramref name="text"/> ([CLS] … [SEP], truncated to the length) and pads with zeros.</summary>
    public EncodedText Encode(string text)
    {
        var ids = _tokenizer.EncodeToIds(text).ToList();
        if (ids.Count > SequenceLength)
        {
            int separator = ids[^1];
            ids = [.. ids.Take(SequenceLength - 1), separator];
        }

        var inputIds = new long[SequenceLength];
        var mask = new long[SequenceLength];
        for (int i = 0; i < ids.Count; i++)
        {
            inputIds[i] = ids[i];
            mask[i] = 1;
        }

        return new EncodedText(text, inputIds, mask, new long[SequenceLength], ids.Select(id => id < _vocabulary.Length ? _vocabulary[id] : "[UNK]").ToArray());
    }

    /// <summary>The normalised sentence embeddings (384 values per text).</summary>
    public float[][] Embed(IReadOnlyList<EncodedText> texts)
    {
        int n = texts.Count;
        using var ids = OrtValue.CreateTensorValueFromMemory(texts.SelectMany(t => t.InputIds).ToArray(), [n, SequenceLength]);
        using var mask = OrtValue.CreateTensorValueFromMemory(texts.SelectMany(t => t.AttentionMask).ToArray(), [n, SequenceLength]);
        using var types = OrtValue.CreateTensorValueFromMemory(texts.SelectMany(t => t.TokenTypeIds).ToArray(), [n, SequenceLength]);
        using var run = new RunOptions();
        using var results = _session.Run(run, ["input_ids", "attention_mask", "token_type_ids"], [ids, mask, types], [EmbeddingOutput]);
        var all = results[0].GetTensorDataAsSpan<float>().ToArray();
        int width = all.Length / n;
        return Enumerable.Range(0, n).Select(i => all.AsSpan(i * width, width).ToArray()).ToArray();
    }

    /// <summary>The explained input and the other inputs of <paramref name="texts"/>, batch-major.</summary>
    public static (long[] Ids, Dictionary<string, Array> Others) Inputs(IReadOnlyList<EncodedText> texts)
        => (texts.SelectMany(t => t.InputIds).ToArray(), new Dictionary<string, Array>
        {
            ["attention_mask"] = texts.SelectMany(t => t.AttentionMask).ToArray(),
            ["token_type_ids"] = texts.SelectMany(t => t.TokenTypeIds).ToArray(),
        });

    public void Dispose() => _session.Dispose();
}
