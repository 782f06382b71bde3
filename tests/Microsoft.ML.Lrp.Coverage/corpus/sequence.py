"""Hand-written small transformers: T5- and Whisper-style encoder-decoders, a Llama-style decoder with
past_key_values inputs, a RoBERTa-style encoder with one token type."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .common import export, spec, write_sidecar

NOTES = []


class RmsNorm(nn.Module):
    def __init__(self, d, eps=1e-6):
        super().__init__()
        self.weight, self.eps = nn.Parameter(torch.ones(d)), eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


class Attention(nn.Module):
    """Multi-head attention written out (MatMul, Softmax); kv_heads < heads repeats keys and values (grouped query)."""

    def __init__(self, d, heads, kv_heads=None, bias=True, scale=True):
        super().__init__()
        self.h, self.kv = heads, kv_heads or heads
        self.hd = d // heads
        self.q = nn.Linear(d, d, bias=bias)
        self.k = nn.Linear(d, self.kv * self.hd, bias=bias)
        self.v = nn.Linear(d, self.kv * self.hd, bias=bias)
        self.o = nn.Linear(d, d, bias=bias)
        self.scale = 1 / math.sqrt(self.hd) if scale else 1.0

    def split(self, x, heads):
        b, n, _ = x.shape
        return x.view(b, n, heads, self.hd).transpose(1, 2)

    def repeat_kv(self, x):
        b, _, n, _ = x.shape
        return x[:, :, None].expand(b, self.kv, self.h // self.kv, n, self.hd).reshape(b, self.h, n, self.hd)

    def forward(self, x, kv=None, bias=None, rope=None, past=None):
        kv = x if kv is None else kv
        q, k, v = self.split(self.q(x), self.h), self.split(self.k(kv), self.kv), self.split(self.v(kv), self.kv)
        if rope is not None:
            q, k = rope(q), rope(k)
        if past is not None:
            k, v = torch.cat([past[0], k], 2), torch.cat([past[1], v], 2)
        present = (k, v)
        if self.kv != self.h:
            k, v = self.repeat_kv(k), self.repeat_kv(v)
        scores = torch.matmul(q, k.transpose(-1, -2)) * self.scale
        if bias is not None:
            scores = scores + bias
        y = torch.matmul(torch.softmax(scores, -1), v)
        b, _, n, _ = y.shape
        return self.o(y.transpose(1, 2).reshape(b, n, self.h * self.hd)), present


def _relative_buckets(q_len, k_len, buckets=8, max_distance=16):
    """T5's bidirectional relative-position buckets (exact below buckets/4, logarithmic above)."""
    rel = torch.arange(k_len)[None, :] - torch.arange(q_len)[:, None]
    half = buckets // 2
    out = (rel > 0).long() * half
    n = rel.abs()
    exact = half // 2
    large = exact + (torch.log(n.float().clamp(min=1) / exact) / math.log(max_distance / exact) * (half - exact)).long()
    return out + torch.where(n < exact, n, large.clamp(max=half - 1))


class T5Style(nn.Module):
    """Encoder and decoder of RMSNorm pre-norm blocks; relative-position bias in the encoder; gated-GELU (tanh) MLP;
    no attention scaling; tied embedding with d^-1/2 on the LM head."""

    def __init__(self, vocab=64, d=32, heads=4, ff=64, layers=2):
        super().__init__()
        self.d = d
        self.embed = nn.Embedding(vocab, d)
        self.rel = nn.Embedding(8, heads)
        self.enc = nn.ModuleList(nn.ModuleList([RmsNorm(d), Attention(d, heads, bias=False, scale=False), RmsNorm(d), nn.Linear(d, ff, bias=False), nn.Linear(d, ff, bias=False), nn.Linear(ff, d, bias=False)]) for _ in range(layers))
        self.dec = nn.ModuleList(nn.ModuleList([RmsNorm(d), Attention(d, heads, bias=False, scale=False), RmsNorm(d), Attention(d, heads, bias=False, scale=False), RmsNorm(d), nn.Linear(d, ff, bias=False), nn.Linear(d, ff, bias=False), nn.Linear(ff, d, bias=False)]) for _ in range(layers))
        self.enc_norm, self.dec_norm = RmsNorm(d), RmsNorm(d)

    @staticmethod
    def mlp(x, wi0, wi1, wo):
        return wo(F.gelu(wi0(x), approximate="tanh") * wi1(x))

    def forward(self, input_ids, attention_mask, decoder_input_ids):
        n, m = input_ids.shape[1], decoder_input_ids.shape[1]
        pad = (1.0 - attention_mask[:, None, None, :].float()) * -1e9
        bias = self.rel(_relative_buckets(n, n)).permute(2, 0, 1)[None] + pad
        x = self.embed(input_ids)
        for norm1, attn, norm2, wi0, wi1, wo in self.enc:
            x = x + attn(norm1(x), bias=bias)[0]
            x = x + self.mlp(norm2(x), wi0, wi1, wo)
        memory = self.enc_norm(x)
        causal = torch.triu(torch.full((m, m), -1e9), 1)[None, None]
        y = self.embed(decoder_input_ids)
        for norm1, attn, norm2, cross, norm3, wi0, wi1, wo in self.dec:
            y = y + attn(norm1(y), bias=causal)[0]
            y = y + cross(norm2(y), kv=memory, bias=pad)[0]
            y = y + self.mlp(norm3(y), wi0, wi1, wo)
        return torch.matmul(self.dec_norm(y) * self.d ** -0.5, self.embed.weight.t())


class WhisperStyle(nn.Module):
    """Audio encoder (two Conv1d with GELU, the second strided; sinusoidal positions; pre-LayerNorm blocks) and a
    token decoder (learned positions, causal self-attention, cross-attention, tied output projection)."""

    def __init__(self, mels=16, frames=40, vocab=64, d=32, heads=4, layers=2, max_tokens=16):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv1d(mels, d, 3, padding=1), nn.Conv1d(d, d, 3, stride=2, padding=1)
        t = torch.arange(frames // 2)[:, None] / torch.pow(10000, torch.arange(0, d, 2) / d)[None]
        self.register_buffer("enc_pos", torch.cat([t.sin(), t.cos()], 1))
        self.embed, self.dec_pos = nn.Embedding(vocab, d), nn.Parameter(torch.randn(max_tokens, d) * 0.02)

        def block(cross):
            parts = [nn.LayerNorm(d), Attention(d, heads), nn.LayerNorm(d), nn.Linear(d, 2 * d), nn.Linear(2 * d, d)]
            return nn.ModuleList(parts + ([nn.LayerNorm(d), Attention(d, heads)] if cross else []))
        self.enc, self.dec = nn.ModuleList(block(False) for _ in range(layers)), nn.ModuleList(block(True) for _ in range(layers))
        self.enc_norm, self.dec_norm = nn.LayerNorm(d), nn.LayerNorm(d)

    def forward(self, input_features, decoder_input_ids):
        x = F.gelu(self.conv2(F.gelu(self.conv1(input_features)))).transpose(1, 2) + self.enc_pos
        for ln1, attn, ln2, fc1, fc2 in self.enc:
            x = x + attn(ln1(x))[0]
            x = x + fc2(F.gelu(fc1(ln2(x))))
        memory = self.enc_norm(x)
        m = decoder_input_ids.shape[1]
        y = self.embed(decoder_input_ids) + self.dec_pos[:m]
        causal = torch.triu(torch.full((m, m), -1e9), 1)[None, None]
        for ln1, attn, ln2, fc1, fc2, ln3, cross in self.dec:
            y = y + attn(ln1(y), bias=causal)[0]
            y = y + cross(ln3(y), kv=memory)[0]
            y = y + fc2(F.gelu(fc1(ln2(y))))
        return torch.matmul(self.dec_norm(y), self.embed.weight.t())


class Rope:
    """Rotary position embedding: x·cos + rotate_half(x)·sin, with cos and sin from the position ids."""

    def __init__(self, cos, sin):
        self.cos, self.sin = cos, sin

    def __call__(self, x):
        half = x.shape[-1] // 2
        return x * self.cos + torch.cat([-x[..., half:], x[..., :half]], -1) * self.sin


class LlamaStyle(nn.Module):
    """Decoder-only: RMSNorm, grouped-query attention with rotary embeddings and a key/value cache (past inputs,
    present outputs), SwiGLU MLP, untied LM head."""

    def __init__(self, vocab=64, d=32, heads=4, kv_heads=2, layers=2, ff=48):
        super().__init__()
        self.layers = layers
        self.embed = nn.Embedding(vocab, d)
        hd = d // heads
        self.register_buffer("inv_freq", 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd)))
        self.blocks = nn.ModuleList(nn.ModuleList([RmsNorm(d), Attention(d, heads, kv_heads, bias=False), RmsNorm(d),
                                                   nn.Linear(d, ff, bias=False), nn.Linear(d, ff, bias=False), nn.Linear(ff, d, bias=False)]) for _ in range(layers))
        self.norm, self.lm_head = RmsNorm(d), nn.Linear(d, vocab, bias=False)

    def forward(self, input_ids, attention_mask, position_ids, *past):
        n, total = input_ids.shape[1], attention_mask.shape[1]
        freqs = position_ids[..., None].float() * self.inv_freq
        emb = torch.cat([freqs, freqs], -1)[:, None]
        rope = Rope(emb.cos(), emb.sin())
        allowed = torch.arange(total)[None, :] <= (torch.arange(n)[:, None] + (total - n))
        bias = ((1.0 - allowed.float()) * -1e9)[None, None] + (1.0 - attention_mask[:, None, None, :].float()) * -1e9
        x, presents = self.embed(input_ids), []
        for i, (norm1, attn, norm2, gate, up, down) in enumerate(self.blocks):
            a, present = attn(norm1(x), bias=bias, rope=rope, past=(past[2 * i], past[2 * i + 1]))
            presents += list(present)
            x = x + a
            h = norm2(x)
            x = x + down(F.silu(gate(h)) * up(h))
        return (self.lm_head(self.norm(x)), *presents)


class RobertaStyle(nn.Module):
    """BERT post-LayerNorm encoder with RoBERTa's position ids (cumulative sum of non-padding tokens, offset by the
    padding id) and a token-type embedding of one row; classification head on the first token (Tanh)."""

    def __init__(self, vocab=100, d=32, heads=4, layers=2, ff=64, max_pos=40, classes=3):
        super().__init__()
        self.word, self.pos, self.token_type = nn.Embedding(vocab, d), nn.Embedding(max_pos, d), nn.Embedding(1, d)
        self.ln = nn.LayerNorm(d)
        self.blocks = nn.ModuleList(nn.ModuleList([Attention(d, heads), nn.LayerNorm(d), nn.Linear(d, ff), nn.Linear(ff, d), nn.LayerNorm(d)]) for _ in range(layers))
        self.dense, self.out = nn.Linear(d, d), nn.Linear(d, classes)

    def forward(self, input_ids, attention_mask, token_type_ids):
        mask = input_ids.ne(1).int()
        positions = (torch.cumsum(mask, 1).type_as(mask) * mask).long() + 1
        x = self.ln(self.word(input_ids) + self.pos(positions) + self.token_type(token_type_ids))
        bias = (1.0 - attention_mask[:, None, None, :].float()) * -1e4
        for attn, ln1, fc1, fc2, ln2 in self.blocks:
            x = ln1(x + attn(x, bias=bias)[0])
            x = ln2(x + fc2(F.gelu(fc1(x))))
        return self.out(torch.tanh(self.dense(x[:, 0])))


def _seq2seq(name, make, specs, dynamic_lengths, families):
    def build(out):
        torch.manual_seed(0)
        extra = {"logits": {1: "decoder_sequence"}} if dynamic_lengths else {}
        if dynamic_lengths:
            for s in specs:
                if s["name"] in ("input_ids", "attention_mask"):
                    extra[s["name"]] = {1: "encoder_sequence"}
                if s["name"] == "decoder_input_ids":
                    extra[s["name"]] = {1: "decoder_sequence"}
        note = None if dynamic_lengths else "encoder and decoder lengths fixed at export"
        return export(out, name, make(), specs, specs[0]["name"], "logits", ["logits"], families, extra_dynamic=extra, note=note)
    return name, build


def _llama(name, past_lengths, dynamic, layers=2, kv_heads=2, hd=8, vocab=64, n=6):
    def specs(past):
        s = [spec("input_ids", [n], dtype="int64", high=vocab), spec("attention_mask", [past + n], dtype="int64", fill=1),
             spec("position_ids", [n], dtype="int64", low=past, high=past + 1)]
        for i in range(layers):
            s += [spec(f"past_key_values.{i}.key", [kv_heads, past, hd]), spec(f"past_key_values.{i}.value", [kv_heads, past, hd])]
        return s

    def build(out):
        torch.manual_seed(0)
        model = LlamaStyle(vocab=vocab, kv_heads=kv_heads, layers=layers)
        presents = [f"present.{i}.{kv}" for i in range(layers) for kv in ("key", "value")]
        extra = {}
        if dynamic:
            extra = {"input_ids": {1: "sequence"}, "attention_mask": {1: "total_sequence"}, "position_ids": {1: "sequence"},
                     "logits": {1: "sequence"}}
            for i in range(layers):
                for kv in ("key", "value"):
                    extra[f"past_key_values.{i}.{kv}"] = {2: "past_sequence"}
                    extra[f"present.{i}.{kv}"] = {2: "total_sequence"}
        first, *others = past_lengths
        # position_ids of the trace: one value (low = past); the sidecars give the rows arange-like ids below.
        sidecars = [export(out, name, model, specs(first), "input_ids", "logits", ["logits"] + presents,
                           ["decoder-only", "kv-cache", "rotary", "grouped-query"] + ([] if dynamic else ["fixed-shapes"]),
                           extra_dynamic=extra, note=f"past length {first}")]
        for past in others:
            sidecars.append(write_sidecar(out, f"{name}_past{past}", name + ".onnx", specs(past), "input_ids", "logits",
                                          ["decoder-only", "kv-cache", "rotary", "grouped-query"] + (["empty-cache"] if past == 0 else []),
                                          note=f"past length {past}: the same model file as {name}"))
        return sidecars
    return name, build


def _roberta(name):
    def build(out):
        torch.manual_seed(0)
        specs = [spec("input_ids", [12], dtype="int64", high=100), spec("attention_mask", [12], dtype="int64", fill=1),
                 spec("token_type_ids", [12], dtype="int64", fill=0)]
        extra = {k: {1: "sequence"} for k in ("input_ids", "attention_mask", "token_type_ids")}
        return export(out, name, RobertaStyle(), specs, "input_ids", "logits", ["logits"], ["encoder", "token-ids", "single-token-type"], extra_dynamic=extra)
    return name, build


def builders():
    t5 = [spec("input_ids", [12], dtype="int64", high=64), spec("attention_mask", [12], dtype="int64", fill=1),
          spec("decoder_input_ids", [6], dtype="int64", high=64)]
    whisper = [spec("input_features", [16, 40]), spec("decoder_input_ids", [6], dtype="int64", high=64)]
    return [
        _seq2seq("t5_style_op17", T5Style, t5, True, ["encoder-decoder", "token-ids", "relative-position"]),
        _seq2seq("t5_style_fixed_lengths_op17", T5Style, t5, False, ["encoder-decoder", "token-ids", "relative-position", "fixed-shapes"]),
        _seq2seq("whisper_style_op17", WhisperStyle, whisper, True, ["encoder-decoder", "audio"]),
        _seq2seq("whisper_style_fixed_lengths_op17", WhisperStyle, whisper, False, ["encoder-decoder", "audio", "fixed-shapes"]),
        _llama("llama_style_op17", [4, 0], True),
        _llama("llama_style_fixed_shapes_op17", [4], False),
        _roberta("roberta_style_op17"),
    ]
