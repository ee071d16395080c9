#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The external-data models of tests/models/test_extdata.c, from
models/digits_fp32.onnx: the same model with every initializer moved into
digits.data next to it (as onnx.save_model(save_as_external_data=True)
writes it), and hostile variants whose external_data entries point outside
the directory, past the file's end, to a missing file, or give a wrong
length.  Run from the top of the tree: /usr/bin/python3 tests/models/make_extdata.py
"""
import copy
import os

import onnx
from onnx.external_data_helper import convert_model_to_external_data

OUT = "tests/models/data/extdata"


def entries(t):
    return {e.key: e for e in t.external_data}


def main():
    os.makedirs(OUT, exist_ok=True)
    m = onnx.load("models/digits_fp32.onnx")
    convert_model_to_external_data(m, all_tensors_to_one_file=True,
                                   location="digits.data", size_threshold=0)
    onnx.save_model(m, os.path.join(OUT, "digits_ext.onnx"))
    big = max(m.graph.initializer, key=lambda t: int(entries(t)["length"].value))

    def variant(name, edit):
        v = copy.deepcopy(m)
        t = [x for x in v.graph.initializer if x.name == big.name][0]
        edit(entries(t), t)
        # write the model only: the data file stays the one above
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(v.SerializeToString())

    variant("abs.onnx", lambda e, t: setattr(e["location"], "value", "/etc/passwd"))
    variant("dotdot.onnx", lambda e, t: setattr(e["location"], "value", "../extdata/digits.data"))
    variant("missing.onnx", lambda e, t: setattr(e["location"], "value", "nope.data"))
    variant("past_end.onnx", lambda e, t: setattr(e["offset"], "value", str(
        os.path.getsize(os.path.join(OUT, "digits.data")) - 4)))
    variant("bad_length.onnx", lambda e, t: setattr(e["length"], "value", "12"))
    variant("bad_offset.onnx", lambda e, t: setattr(e["offset"], "value", "-8"))


if __name__ == "__main__":
    main()
