#!/usr/bin/env python3
"""Writes the small PyTorch checkpoints read by TorchCheckpointTests.swift (and copied into the fuzz seeds by
Fuzz/make_corpus.py), without PyTorch, through python/tests/torch_format.py, which writes torch.save's bytes.

Run from this folder: python3 make_torch_checkpoints.py (needs numpy).

* torch_state_dict.pth -- the zip layout of PyTorch >= 1.6 (folder `archive/`, ZIP64 records, local headers
  padded to 64-byte data alignment);
* torch_state_dict_legacy.pth -- the legacy layout of PyTorch < 1.6 (magic-number pickle, sys_info, storages
  after the pickle).

Both hold torch_format.sample_state(): `conv.weight` = arange(12) - 3.5 as 3 x 4 float32, `conv.weight_t` its
transposed view (stride 1, 4), `conv.bias` the 2 x 3 view from element 5 of the same storage, `half`
[1.5, -2.25, 65504] float16, `double` [[1e-300, -2]], `int` [-2..2] int32, `byte` [0, 7, 255], `mask`
[True, False, True], `bf16` [[1, -2.5], [3.140625, 65280]] bfloat16, `bn.num_batches_tracked` 7 (0-d int64).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "python", "tests"))
import torch_format  # noqa: E402


def main():
    state, _ = torch_format.sample_state()
    for name, data in [("torch_state_dict.pth", torch_format.zip_checkpoint(state)),
                       ("torch_state_dict_legacy.pth", torch_format.legacy_checkpoint(state))]:
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
