#!/usr/bin/env python3
"""make_seeds.py - writes the hand-made seed inputs of the fuzz targets
(fuzz/corpus/<target>/seed_*), protobufs encoded by hand from the field
numbers of proto/modelserving.proto, so that seeds do not depend on our
own encoders. Run from the repository root; it only adds or rewrites
seed_* files, never the inputs the fuzzers or crashes contributed.

    python3 fuzz/make_seeds.py
"""
import os
import struct

PMML = (b'<PMML xmlns="http://www.dmg.org/PMML-4_3" version="4.3">'
        b'<DataDictionary numberOfFields="2">'
        b'<DataField name="a" optype="continuous" dataType="double"/>'
        b'<DataField name="y" optype="continuous" dataType="double"/>'
        b'</DataDictionary>'
        b'<RegressionModel functionName="regression"><MiningSchema>'
        b'<MiningField name="a"/><MiningField name="y" usageType="target"/>'
        b'</MiningSchema><RegressionTable intercept="1">'
        b'<NumericPredictor name="a" coefficient="2"/>'
        b'</RegressionTable></RegressionModel></PMML>')
MODELS_DIR = '/tmp/modelserver-fuzz-models'   # made by fuzz_model_update


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def key(field, wire):
    return varint(field << 3 | wire)


def ld(field, data):
    if isinstance(data, str):
        data = data.encode()
    return key(field, 2) + varint(len(data)) + data


def dbl(field, v):
    return key(field, 1) + struct.pack('<d', v)


def vint(field, v):
    return key(field, 0) + varint(v & 0xFFFFFFFFFFFFFFFF)


def model(name, dtype, mtype, data=None, location=None, params=()):
    m = ld(1, name) + ld(2, 'fuzz seed') + ld(3, dtype) + vint(4, mtype)
    m += ld(5, data) if location is None else ld(6, location)
    for k, v in params:
        m += ld(7, ld(1, k) + ld(2, v))
    return m


def wine(features, dtype):
    return b''.join(dbl(i + 1, v) for i, v in enumerate(features)) + \
        ld(12, dtype)


def generic(dtype, features):
    out = ld(1, dtype)
    for name, v in features:
        f = ld(1, name) + (dbl(2, v) if isinstance(v, float) else ld(3, v))
        out += ld(2, f)
    return out


def checkpoint(entries, offsets):
    out = b''
    for dtype, msg, usage in entries:
        stats = vint(1, 1795589931807) + vint(2, usage) + vint(3, 5000) + \
            vint(4, 10) + vint(5, 900)
        out += ld(1, ld(1, dtype) + ld(2, msg) + ld(3, stats))
    for p, o in offsets:
        out += ld(2, vint(1, p) + vint(2, o))
    return out + ld(3, 'models_models')


def fnv1a(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


WINE = [7.4, 0.7, 0.0, 1.9, 0.076, 11.0, 34.0, 0.9978, 3.51, 0.56, 9.4]
BY_VALUE = model('m', 'fuzz', 1, data=PMML)
CK = checkpoint([('fuzz', BY_VALUE, 42), ('wine', model('w', 'wine', 1,
                 data=PMML.replace(b'"a"', b'"alcohol"')), 7)], [(0, 17)])
CK_FILE = b'MSCKPT01' + struct.pack('<QQ', len(CK), fnv1a(CK)) + CK

SEEDS = {
    'record': {
        'json': b'{"dataType": "fuzz", "alcohol": 9.4, "pH": "3.51", '
                b'"fixed acidity": null, "unused": 1}',
        'json_wine': b'{"dataType":"wine","fixed_acidity":7.4,"alcohol":9.4}',
        'json_escapes': b' {"dataType":"fu\\u007a\\u007a","x":-1e-300}',
        'generic': generic('fuzz', [('alcohol', 9.4), ('pH', '3.51'),
                                    ('x', float('nan'))]),
        'generic_wine': generic('wine', [('fixed_acidity', 7.4)]),
        'winerecord': wine(WINE, 'wine'),
        'winerecord_fuzz': wine(WINE, 'fuzz'),
    },
    'model_update': {
        'by_value': BY_VALUE,
        'by_value_wine': model('w', 'wine', 1,
                               data=PMML.replace(b'"a"', b'"alcohol"')),
        'by_path': model('p', 'fuzz', 1, location=MODELS_DIR + '/m.pmml'),
        'by_file_url': model('u', 'fuzz', 1,
                             location='file://' + MODELS_DIR + '/m.pmml'),
        'directory': model('d', 'fuzz', 2, location=MODELS_DIR + '/dir'),
        'outside': model('o', 'fuzz', 1, location='/etc/passwd'),
        'remote': model('r', 'fuzz', 1,
                        location='https://models.example.com/m.pmml'),
        'tensorflow_pmml': model('t', 'fuzz', 0, data=PMML,
                                 params=[('input', 'a')]),
    },
    'hocon': {
        'seed_layout': b'kafka {\n  brokers = "localhost:9092"\n'
                       b'  brokers = ${?KAFKA_BROKERS_LIST}\n}\n'
                       b'model_server.port = 5500\n'
                       b'grafana { host = "grafana.marathon.mesos", port: 3000 }\n',
        'braces': b'{ a.b.c = 1, "quoted key".x : "v\\u00e9\\n" // c\n}\n',
        'substitutions': b'home = ${FUZZ_SET}/data\nopt = ${?FUZZ_EMPTY}\n'
                         b'joined = "a" ${?FUZZ_SET} b # comment\n',
        'refuse': b'ok = 1\nrefuse = 2\n',
        'errors': b'a = [1, 2]\ninclude "x.conf"\nb = {\n',
    },
    'duration': {
        s.replace(' ', '_'): s.encode() for s in
        ['1 second', '5 minutes', '10ms', '1.5s', '250 milliseconds', '2h',
         '100us', '5000ns', '1 day', '0', '9223372036854775807ns',
         '106751d', '0.000000000000000001s', 'inf', '-1s', '3 fortnights']
    },
    'csv': {
        'wine': b'7.4;0.7;0;1.9;0.076;11;34;0.9978;3.51;0.56;9.4;5\n'
                b'7.8;0.88;0;2.6;0.098;25;67;0.9968;3.2;0.68;9.8;5\n',
        'header': b'"fixed acidity","volatile acidity",quality\r\n'
                  b'7.4,0.7,5\r\n\r\n  \n8.1,NA,\n',
        'quotes': b'"a""b";"c;d";e\n"unclosed;1\n',
        'tabs': b'1\t2\t 3 \t1e308\t1e309\tnan\n',
    },
    'location': {
        'local_dir': b'/tmp/\n/tmp/../etc/passwd',
        'file_url': b'file:///tmp/\nfile:///tmp/x.pmml',
        'https': b'https://models.example.com/m/\n'
                 b'https://models.example.com/m/a.pmml',
        'https_port': b'https://models.example.com:8443/m\n'
                      b'https://models.example.com:8443/m2/a.pmml',
        'userinfo': b'http://h/\nhttp://user:pw@h/x',
        'encoded_dots': b'http://h/a/\nhttp://h/a/%2e%2e/b',
        'empty_list': b'\nhttp://h/x',
        'bad_entry': b'relative/dir, ftp://h/\n/tmp',
    },
    'checkpoint': {
        'framed': b'\x00' + CK,
        'raw_valid': b'\x01' + CK_FILE,
        'raw_torn': b'\x01' + CK_FILE[:-5],
        'framed_empty': b'\x00',
    },
}

for target, seeds in SEEDS.items():
    d = os.path.join('fuzz', 'corpus', target)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, 'seed_' + name), 'wb') as f:
            f.write(data)
    print(f'{target}: {len(seeds)} seeds')
