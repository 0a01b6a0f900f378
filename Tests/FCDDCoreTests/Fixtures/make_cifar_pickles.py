#!/usr/bin/env python3
"""Writes the small CIFAR python-release fixtures read by CIFARPickleTests.swift.

Run from this folder: python3 make_cifar_pickles.py (needs numpy).

* cifar10_py2_protocol2.pkl -- hand-assembled to follow the byte layout of the official
  cifar-10-batches-py files, which Python 2 cPickle wrote at protocol 2: byte-string keys (SHORT_BINSTRING),
  `numpy.core.multiarray._reconstruct` + BUILD with the pixels as one BINSTRING, BINPUT memo entries,
  labels as a list of BININT1 appended with APPENDS.
* cifar100_py3_protocol2.pkl -- the same kind of dict for CIFAR-100 pickled by Python 3 at protocol 2
  (pixels as `_codecs.encode(text, 'latin1')`).
* cifar10_py3_protocol4.pkl -- CIFAR-10 dict, Python 3, protocol 4 (FRAME, STACK_GLOBAL, MEMOIZE,
  SHORT_BINBYTES).
* cifar100_py3_protocol5.pkl -- CIFAR-100 dict, Python 3, protocol 5 (numpy's `_frombuffer` with an
  in-band BYTEARRAY8 buffer).

Pixel n, byte i (row-major over N x 3072) is (37 * n + 7 * i + 11) % 256, so every byte value, including
newline and the high latin-1 range, occurs.
"""
import pickle
import struct

import numpy as np


def pixels(count):
    n = np.arange(count).reshape(-1, 1)
    i = np.arange(3072).reshape(1, -1)
    return ((37 * n + 7 * i + 11) % 256).astype(np.uint8)


def py2_cpickle_cifar10(data, labels, filenames):
    """Assembles a protocol-2 stream opcode by opcode, as Python 2 cPickle lays out the official batches."""
    out = bytearray(b'\x80\x02')                     # PROTO 2
    memo = [0]

    def put():                                     # BINPUT / LONG_BINPUT with cPickle's running index
        memo[0] += 1
        out.extend(b'q' + bytes([memo[0]]) if memo[0] < 256 else b'r' + struct.pack('<I', memo[0]))

    def short_string(s):                           # SHORT_BINSTRING (a Python 2 str)
        out.extend(b'U' + bytes([len(s)]) + s)

    out.extend(b'}'); put(); out.extend(b'(')       # EMPTY_DICT, MARK
    short_string(b'data'); put()
    out.extend(b'cnumpy.core.multiarray\n_reconstruct\n'); put()
    out.extend(b'cnumpy\nndarray\n'); put()
    out.extend(b'K\x00\x85')                       # (0,)
    short_string(b'b')
    out.extend(b'\x87R'); put()                    # TUPLE3, REDUCE
    out.extend(b'(K\x01')                          # state: version 1
    out.extend(b'M' + struct.pack('<H', data.shape[0]) + b'M' + struct.pack('<H', data.shape[1]) + b'\x86')
    out.extend(b'cnumpy\ndtype\n'); put()
    short_string(b'u1'); out.extend(b'K\x00K\x01\x87R'); put()
    out.extend(b'(K\x03'); short_string(b'|')
    out.extend(b'NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb')   # dtype state, BUILD
    out.extend(b'\x89')                            # NEWFALSE: C order
    raw = data.tobytes()
    out.extend(b'T' + struct.pack('<i', len(raw)) + raw)           # BINSTRING
    out.extend(b'tb')                              # TUPLE, BUILD
    short_string(b'labels'); put()
    out.extend(b']'); put(); out.extend(b'(')
    for label in labels:
        out.extend(b'K' + bytes([label]))
    out.extend(b'e')                               # APPENDS
    short_string(b'batch_label'); put()
    short_string(b'training batch 1 of 5'); put()
    short_string(b'filenames'); put()
    out.extend(b']'); put(); out.extend(b'(')
    for name in filenames:
        short_string(name); put()
    out.extend(b'e')
    out.extend(b'u.')                              # SETITEMS, STOP
    return bytes(out)


def main():
    c10 = pixels(3)
    c10_labels = [6, 9, 0]
    stream = py2_cpickle_cifar10(c10, c10_labels, [b'frog_s_000001.png', b'truck_s_000002.png', b'plane_s_000003.png'])
    back = pickle.loads(stream, encoding='bytes')   # the check torchvision's loader performs in effect
    assert np.array_equal(back[b'data'], c10) and back[b'labels'] == c10_labels
    with open('cifar10_py2_protocol2.pkl', 'wb') as f:
        f.write(stream)

    c100 = pixels(2)
    c100_dict = {'filenames': ['a.png', 'b.png'], 'batch_label': 'training batch 1 of 1',
                 'fine_labels': [19, 99], 'coarse_labels': [11, 19], 'data': c100}
    with open('cifar100_py3_protocol2.pkl', 'wb') as f:
        pickle.dump(c100_dict, f, protocol=2)
    with open('cifar100_py3_protocol5.pkl', 'wb') as f:
        pickle.dump(c100_dict, f, protocol=5)
    with open('cifar10_py3_protocol4.pkl', 'wb') as f:
        pickle.dump({'batch_label': 'testing batch 1 of 1', 'labels': c10_labels, 'data': c10,
                     'filenames': ['x.png', 'y.png', 'z.png']}, f, protocol=4)


if __name__ == '__main__':
    main()
