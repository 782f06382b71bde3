"""Recurrent classifiers: LSTM, GRU and RNN (uni- and bidirectional, one and two layers), on float sequences and on
token ids through an embedding."""
import torch
import torch.nn as nn

from .common import export, spec

NOTES = []


class RecurrentClassifier(nn.Module):
    """cell(input) → last time step's output (both directions' final states for a bidirectional net) → Linear."""

    def __init__(self, kind, bidirectional=False, layers=1, d_in=8, hidden=24, classes=5, vocab=None):
        super().__init__()
        self.embed = nn.Embedding(vocab, d_in) if vocab else None
        cell = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[kind]
        self.rnn = cell(d_in, hidden, num_layers=layers, batch_first=True, bidirectional=bidirectional)
        self.head = nn.Linear(hidden * (2 if bidirectional else 1), classes)
        self.bidirectional = bidirectional

    def forward(self, x):
        if self.embed is not None:
            x = self.embed(x)
        y, _ = self.rnn(x)
        if self.bidirectional:
            half = y.shape[-1] // 2
            last = torch.cat([y[:, -1, :half], y[:, 0, half:]], dim=-1)
        else:
            last = y[:, -1]
        return self.head(last)


def _build(name, families, make, specs, extra_dynamic=None):
    def build(out):
        torch.manual_seed(0)
        cell = next(f.upper() for f in families if f in ("lstm", "gru", "rnn"))
        return export(out, name, make(), specs, specs[0]["name"], "logits", ["logits"], families, extra_dynamic=extra_dynamic,
                      expect_on_path=[cell])
    return name, build


def builders():
    floats = [spec("input", [12, 8])]
    seq = {"input": {1: "sequence"}}
    return [
        _build("lstm_op17", ["recurrent", "lstm"], lambda: RecurrentClassifier("lstm"), floats),
        _build("lstm_bidirectional_2layer_op17", ["recurrent", "lstm", "bidirectional"], lambda: RecurrentClassifier("lstm", True, 2), floats),
        _build("lstm_dynamic_sequence_op17", ["recurrent", "lstm", "dynamic-sequence"], lambda: RecurrentClassifier("lstm"), floats, seq),
        _build("gru_op17", ["recurrent", "gru"], lambda: RecurrentClassifier("gru"), floats),
        _build("gru_bidirectional_op17", ["recurrent", "gru", "bidirectional"], lambda: RecurrentClassifier("gru", True), floats),
        _build("rnn_tanh_op17", ["recurrent", "rnn"], lambda: RecurrentClassifier("rnn"), floats),
        _build("lstm_text_classifier_op17", ["recurrent", "lstm", "token-ids"], lambda: RecurrentClassifier("lstm", vocab=100),
               [spec("input_ids", [12], dtype="int64", high=100)]),
    ]
