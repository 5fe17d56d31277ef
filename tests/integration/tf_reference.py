"""An independent float64 evaluator of the seed's SavedModel
(saved_wine/1): reads the TensorBundle checkpoint in variables/ with its
own LevelDB-table and protobuf decoding (none of the server's code) and
runs the network its graph describes (dense 11->12 Relu, 12->8 Relu,
8->9 Sigmoid; see saved_model.pb's dense_*/MatMul, BiasAdd, Relu and
Sigmoid nodes)."""
import math
import struct

import harness as h


def _varint(buf, i):
    return h._read_varint(buf, i)


def _block(buf, off, size):
    """Entries of a table block: [(key, value)]."""
    data = buf[off:off + size]
    nrestarts = struct.unpack_from("<I", data, len(data) - 4)[0]
    end = len(data) - 4 - 4 * nrestarts
    i, key, out = 0, b"", []
    while i < end:
        shared, i = _varint(data, i)
        unshared, i = _varint(data, i)
        vlen, i = _varint(data, i)
        key = key[:shared] + data[i:i + unshared]
        i += unshared
        out.append((key, data[i:i + vlen]))
        i += vlen
    return out


def read_checkpoint(variables_dir):
    """{name: (shape, [float values])} of every float variable."""
    index = open(f"{variables_dir}/variables.index", "rb").read()
    shard = open(f"{variables_dir}/variables.data-00000-of-00001", "rb").read()
    footer = index[-48:]
    assert struct.unpack_from("<Q", footer, 40)[0] == 0xdb4775248b80fb57
    i = 0
    _, i = _varint(footer, i)          # metaindex handle: offset, size
    _, i = _varint(footer, i)
    ioff, i = _varint(footer, i)
    isize, i = _varint(footer, i)
    out = {}
    for _, handle in _block(index, ioff, isize):
        boff, j = _varint(handle, 0)
        bsize, j = _varint(handle, j)
        for key, value in _block(index, boff, bsize):
            if not key:
                continue               # the BundleHeaderProto
            f = dict(h.decode_fields(value))
            if f.get(1) != 1:          # DT_FLOAT only
                continue
            dims = [dict(h.decode_fields(d))[1] for n, d in h.decode_fields(f.get(2, b""))
                    if n == 2]
            off, size = f.get(4, 0), f[5]
            vals = struct.unpack_from(f"<{size // 4}f", shard, off)
            out[key.decode()] = (dims, list(vals))
    return out


def _dense(x, layer, act):
    (rows, cols), w = layer[0]
    _, b = layer[1]
    y = [sum(x[r] * w[r * cols + c] for r in range(rows)) + b[c] for c in range(cols)]
    return [act(v) for v in y]


def saved_wine_outputs(variables_dir, rows):
    """The nine sigmoid outputs for each row's first 11 values."""
    ck = read_checkpoint(variables_dir)
    layers = [(ck[f"dense_{k}/kernel"], ck[f"dense_{k}/bias"]) for k in (1, 2, 3)]
    relu = lambda v: max(v, 0.0)
    sigmoid = lambda v: 1.0 / (1.0 + math.exp(-v))
    out = []
    for row in rows:
        x = _dense(row[:11], layers[0], relu)
        x = _dense(x, layers[1], relu)
        out.append(_dense(x, layers[2], sigmoid))
    return out
