#!/usr/bin/python3
"""Generate tests/models/data/{lstm,gru}_torch.onnx and their reference data.

Two recurrent models as PyTorch exports them (Debian's python3-torch), so
libaccel meets RNN layers the way real models carry them:

    lstm_torch: nn.LSTM(5, 8, num_layers=2, bidirectional=True,
                batch_first=True) on X [2, 7, 5] -> output [2, 7, 16],
                h_n [4, 2, 8], c_n [4, 2, 8]
    gru_torch:  nn.GRU(4, 6) (linear_before_reset=1 in ONNX terms) with an
                initial state: X [9, 3, 4], h0 [1, 3, 6] -> output [9, 3, 6],
                h_n [1, 3, 6]

Beside each model, NAME_<tensor>.npy holds each input and each output
torch computed (named as the model's inputs and outputs).  Weights and
inputs come from a fixed seed.
Run: /usr/bin/python3 tests/models/make_rnn.py
"""
import os

import numpy as np
import torch

torch.manual_seed(20261204)
data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def export(name, model, inputs, in_names, out_names):
    model.eval()
    path = os.path.join(data, name + ".onnx")
    with torch.no_grad():
        outs = model(*inputs)
        torch.onnx.export(model, tuple(inputs), path, opset_version=14,
                          input_names=in_names, output_names=out_names,
                          do_constant_folding=True)
    for n, t in zip(in_names + out_names, list(inputs) + list(outs)):
        np.save(os.path.join(data, "%s_%s.npy" % (name, n)),
                t.detach().numpy().astype("<f4"))


class Lstm(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = torch.nn.LSTM(5, 8, num_layers=2, bidirectional=True,
                                 batch_first=True)

    def forward(self, x):
        y, (h, c) = self.rnn(x)
        return y, h, c


class Gru(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = torch.nn.GRU(4, 6)

    def forward(self, x, h0):
        y, h = self.rnn(x, h0)
        return y, h


export("lstm_torch", Lstm(), [torch.randn(2, 7, 5)], ["x"],
       ["y", "h_n", "c_n"])
export("gru_torch", Gru(), [torch.randn(9, 3, 4), torch.randn(1, 3, 6)],
       ["x", "h0"], ["y", "h_n"])
