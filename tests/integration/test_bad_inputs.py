#!/usr/bin/python3
"""A catalogue of bad inputs against a real server and the embedded broker
on loopback. Each case is sent on its own, between good records, and its
outcome asserted: the counter it must move in /metrics, the log line that
names it (topic, partition, offset and reason), the current model still
serving; at the end every good record has exactly one result and no bad
record has one, and a good model sent after all the bad ones still loads.

Records (data topic): truncated and garbage protobuf, wrong wire types,
wrong JSON types, NaN, infinite and missing features, no dataType, an
unknown data type, empty, oversized and deeply nested JSON.
Models (models topic): truncated and garbage protobuf, wrong wire types,
missing fields, an unknown model type, an empty model, a model of the wrong
type (PMML as TENSORFLOW, a GraphDef as PMML), PMML with a DTD, an external
entity, an entity bomb, deep nesting, a huge attribute value, a model over
model.max_bytes, models by reference to a missing file, to a URL whose
server accepts and never answers, to locations outside the allow-list, and
a 100 MB message (which the embedded broker refuses: see below).

Protobufs are written by hand here (harness.py), never by our encoders.
Prints the number of cases and their outcomes.
"""
import math
import os
import shutil
import socket
import struct
import subprocess
import threading
import time

import harness as h
from kafka import KafkaProducer

MAX_MODEL_BYTES = 1_000_000     # --model-max-bytes
LARGEST = 4_000_000             # about the largest message the embedded broker keeps
FETCH_TIMEOUT_S = 2

demo = h.demo_data()
LINEAR = open(os.path.join(demo, "demoLinearRegression.pmml"), "rb").read()
ROW = h.read_csv_rows(os.path.join(demo, "winequality_demo.csv"))[0][:11]

models_dir = h.tmpdir()
shutil.copy(os.path.join(demo, "demoLinearRegression.pmml"), models_dir)

# A server that accepts connections and never answers: the listen backlog
# accepts them in the kernel; this thread takes them and holds them open.
silent = socket.socket()
silent.bind(("127.0.0.1", 0))
silent.listen(8)
held = []


def hold_connections():
    while True:
        try:
            held.append(silent.accept()[0])
        except OSError:
            return


threading.Thread(target=hold_connections, daemon=True).start()
SILENT_URL = f"http://127.0.0.1:{silent.getsockname()[1]}/"

broker = h.start_broker(partitions=3)
server = h.start_server(broker.address,
                        "--model-locations", f"{models_dir}/,{SILENT_URL}",
                        "--model-fetch-timeout", f"{FETCH_TIMEOUT_S}s",
                        "--model-max-bytes", str(MAX_MODEL_BYTES))
port = server.port
producer = KafkaProducer(bootstrap_servers=broker.address, acks="all",
                         max_request_size=8_000_000, buffer_memory=64_000_000)

good = []          # (partition, offset) of every good record
bad = []           # (partition, offset) of every bad record
outcomes = {}      # case -> outcome, for the report


def send(topic, value):
    md = producer.send(topic, value).get(30)
    return md.partition, md.offset


def counter(name, **labels):
    key = name + "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"
    return h.metrics(port).get(key, 0)


def serving():
    return (h.http_get(port, "/stats", quiet=True) or {}).get("name")


def send_good(n=3):
    for _ in range(n):
        good.append(send("models_data", h.encode_wine(ROW)))


def varint(n):
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def ld(field, data):
    data = data.encode() if isinstance(data, str) else data
    return varint(field << 3 | 2) + varint(len(data)) + data


def dbl(field, v):
    return varint(field << 3 | 1) + struct.pack("<d", v)


def wine_with(index, value, data_type="wine"):
    """A WineRecord of ROW with feature index (0-based) set to value."""
    row = list(ROW)
    row[index] = value
    return h.encode_wine(row, data_type)


def generic(data_type, features):
    """Record {dataType = 1; repeated Feature features = 2} with Feature
    {name = 1; number = 2 | text = 3}."""
    out = ld(1, data_type)
    for name, v in features:
        out += ld(2, ld(1, name) + (dbl(2, v) if isinstance(v, float) else ld(3, v)))
    return out


# --- records ----------------------------------------------------------------

def record_case(name, value, outcome, reason, **labels):
    """Sends one bad record between good ones; checks its counter and its log
    line ("<outcome> record at models_data[P]@O: ...<reason>...")."""
    send_good()
    before = counter("modelserver_records_total", outcome=outcome)
    extra = counter("modelserver_unserved_records_total", **labels) if labels else 0
    p, o = send("models_data", value)
    bad.append((p, o))
    h.wait_for(f"{name}: counted as {outcome}",
               lambda: counter("modelserver_records_total", outcome=outcome) == before + 1)
    if labels:
        h.check(counter("modelserver_unserved_records_total", **labels) == extra + 1,
                f"{name}: counted for {labels}")
    where = f"{outcome} record at models_data[{p}]@{o}: "
    line = h.wait_for(f"{name}: log line", lambda: next(
        (ln for ln in h.read_log(server).splitlines() if where in ln), None), timeout=10)
    h.check(reason in line, f"{name}: {outcome}, logged: {line.split(where)[1][:110]}")
    outcomes[name] = outcome
    time.sleep(0.15)   # under the 10 rejects/s log budget: every line logged


send("models_models", h.encode_model("lin", "wine", 1, data=LINEAR))
h.wait_for("the linear model serving", lambda: serving() == "lin")

trunc = h.encode_wine(ROW)[:5]   # the key and 4 of the 8 bytes of a double
record_case("truncated WineRecord", trunc, "malformed", "not a valid WineRecord protobuf")
record_case("garbage record", b"\xff\xfe\x00 garbage \x01\x02", "malformed",
            "not a valid WineRecord protobuf")
# Field 11 (alcohol, a double) sent as a varint, then the dataType.
wrong_wire = varint(11 << 3 | 0) + varint(9) + ld(12, "wine")
record_case("WineRecord with a varint for a double", wrong_wire, "malformed",
            "not a valid WineRecord protobuf")
record_case("JSON array feature", b'{"dataType": "wine", "alcohol": [9.4]}',
            "malformed", "feature 'alcohol' is not a number")
record_case("JSON numeric dataType", b'{"dataType": 7, "alcohol": 9.4}',
            "malformed", "record has no dataType")
record_case("generic Record text feature", generic("wine", [("alcohol", "strong")]),
            "malformed", "feature 'alcohol' is 'strong', not a number")
record_case("generic Record with a varint name", ld(1, "wine") + ld(2, varint(1 << 3 | 0) + varint(5)),
            "malformed", "not a valid Record protobuf")
record_case("infinite feature", wine_with(10, math.inf), "malformed",
            "feature 'alcohol' is infinite")
record_case("minus infinite generic feature",
            generic("wine", [("pH", -math.inf)]), "malformed", "feature 'pH' is infinite")
# NaN is a missing value: the linear model cannot score a missing input.
record_case("NaN feature", wine_with(10, math.nan), "failed", "'alcohol' is missing")
record_case("JSON record missing features", b'{"dataType": "wine", "alcohol": 9.4}',
            "failed", "is missing")
record_case("WineRecord without dataType", h.encode_wine(ROW)[:-6], "malformed",
            "data message has no dataType")
record_case("empty record", b"", "malformed", "has no dataType")
record_case("unknown data type", h.encode_wine(ROW, "beer"), "unserved", "beer",
            data_type="beer")
record_case("JSON over 1 MiB", b'{"dataType": "wine", "pad": "' + b"x" * (2 << 20) + b'"}',
            "malformed", "over the 1048576 byte limit")
record_case("JSON nested 100,000 deep", b'{"dataType": "wine", "a": ' + b"[" * 100000,
            "malformed", "JSON record")
h.check(serving() == "lin", "the linear model still serves after every bad record")

# --- models -----------------------------------------------------------------

def model_case(name, value, reason, extra=None):
    """Sends one bad model message; checks the failed-updates counter, the
    log line ("model update at models_models[0]@O rejected: ...<reason>...")
    and that the current model still serves; then sends good records."""
    before = counter("modelserver_model_updates_total", outcome="failed")
    started = time.time()
    _, o = send("models_models", value)
    h.wait_for(f"{name}: counted as failed",
               lambda: counter("modelserver_model_updates_total", outcome="failed") == before + 1,
               timeout=30)
    took = time.time() - started
    where = f"model update at models_models[0]@{o} rejected: "
    line = h.wait_for(f"{name}: log line", lambda: next(
        (ln for ln in h.read_log(server).splitlines() if where in ln), None), timeout=10)
    h.check(reason in line and line.endswith("the current model keeps serving"),
            f"{name}: rejected in {took:.1f}s, logged: {line.split(where)[1][:120]}")
    if extra:
        extra(line, took)
    h.check(serving() == "lin", f"{name}: the linear model still serves")
    outcomes[name] = "rejected"
    send_good()


def model(name, data=None, location=None, mtype=1, data_type="wine"):
    return h.encode_model(name, data_type, mtype, data=data, location=location)


# First, while the models partition is nearly empty: the embedded broker
# keeps about 5 MB per partition and loses a message that does not fit.
model_case(f"{LARGEST // 1_000_000} MB model, over model.max_bytes",
           model("big", data=LINEAR + b"<!--" + b"x" * LARGEST + b"-->"),
           f"over the {MAX_MODEL_BYTES}-byte limit (model.max_bytes)")
whole = model("truncated", data=LINEAR)
model_case("truncated ModelDescriptor", whole[:len(whole) // 2],
           "not a valid ModelDescriptor protobuf")
model_case("garbage model message", b"\xff\xff\xff\xff garbage",
           "not a valid ModelDescriptor protobuf")
model_case("ModelDescriptor with a varint name",
           varint(1 << 3 | 0) + varint(3) + ld(3, "wine") + ld(5, LINEAR),
           "not a valid ModelDescriptor protobuf")
model_case("model without name", ld(3, "wine") + varint(4 << 3) + varint(1) + ld(5, LINEAR),
           "model message has no name")
model_case("model without dataType", ld(1, "m") + varint(4 << 3) + varint(1) + ld(5, LINEAR),
           "model message has no dataType")
model_case("model with neither data nor location",
           ld(1, "m") + ld(3, "wine") + varint(4 << 3) + varint(1),
           "model message carries neither data nor location")
model_case("unknown model type", model("m", data=LINEAR, mtype=9),
           "model message has unknown model type 9")
model_case("empty model", model("empty", data=b""),
           "model message carries an empty model (0 bytes of data)")
model_case("PMML sent as TENSORFLOW", model("pmml-as-tf", data=LINEAR, mtype=0),
           "model 'pmml-as-tf' (TENSORFLOW): ")
# GraphDef {node = 1: NodeDef {name = 1, op = 2}}: a frozen graph's bytes.
graphdef = ld(1, ld(1, "x") + ld(2, "Placeholder"))
model_case("GraphDef sent as PMML", model("tf-as-pmml", data=graphdef),
           "model 'tf-as-pmml' (PMML): PMML")

HEAD = b'<?xml version="1.0"?>\n'
PMML_OPEN = b'<PMML xmlns="http://www.dmg.org/PMML-4_3" version="4.3">'
# A string field the tree reads as text ("color" = "red"): records carry numbers only, so the
# server refuses the model rather than read some number as a colour.
TEXT_PMML = (HEAD + PMML_OPEN + b"""<Header/>
<DataDictionary><DataField name="color" optype="categorical" dataType="string">
<Value value="red"/><Value value="white"/></DataField>
<DataField name="quality" optype="continuous" dataType="double"/></DataDictionary>
<TreeModel functionName="regression"><MiningSchema><MiningField name="color"/>
<MiningField name="quality" usageType="target"/></MiningSchema>
<Node score="5"><True/><Node score="6"><SimplePredicate field="color" operator="equal" value="red"/></Node>
</Node></TreeModel></PMML>""")
model_case("PMML reading a field as text", model("text", data=TEXT_PMML, data_type="beer"),
           "reads field 'color' as text, and records carry numbers only")
model_case("PMML with a DTD",
           model("dtd", data=HEAD + b"<!DOCTYPE PMML [<!ELEMENT PMML ANY>]>\n" + PMML_OPEN + b"</PMML>"),
           "DOCTYPE declarations are not allowed")
model_case("PMML with an external entity",
           model("xxe", data=HEAD + b'<!DOCTYPE PMML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
                 + PMML_OPEN + b"<Header description=\"&xxe;\"/></PMML>"),
           "DOCTYPE declarations are not allowed",
           lambda line, took: h.check("root:" not in h.read_log(server),
                                      "external entity: /etc/passwd never read into the log"))
lol = b'<!ENTITY lol0 "lol">' + b"".join(
    b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10))
model_case("PMML entity bomb (billion laughs)",
           model("lol", data=HEAD + b"<!DOCTYPE PMML [" + lol + b"]>\n" + PMML_OPEN
                 + b'<Header description="&lol9;"/></PMML>'),
           "DOCTYPE declarations are not allowed",
           lambda line, took: h.check(took < 10, f"entity bomb: refused in {took:.1f}s, "
                                                 "not expanded"))
model_case("PMML nested 10,000 deep",
           model("deep", data=PMML_OPEN + b"<Extension>" * 10000 + b"</Extension>" * 10000 + b"</PMML>"),
           "nested too deeply (the limit is 200 levels)")
# A 300 kB field name (three times in the document), in a model for an open data type: no field of that
# length is ever appended to a schema (they live as long as the process).
huge = b"f" * 300_000
huge_pmml = LINEAR.replace(b'name="alcohol"', b'name="' + huge + b'"')
h.check(huge_pmml.count(huge) >= 2, "the huge name replaces a DataField and its MiningField")
model_case("PMML with a 300 kB attribute value", model("huge", data=huge_pmml, data_type="beer"),
           "MiningField 'fff",
           lambda line, took: h.check(len(line) < 1024, f"huge attribute: the log line is "
                                                        f"{len(line)} characters, not 300 kB"))
model_case("model by reference to a missing file",
           model("missing", location=os.path.join(models_dir, "nope.pmml")),
           "cannot be opened: No such file or directory")
model_case("model by reference to a URL that never answers",
           model("silent", location=SILENT_URL + "m.pmml"),
           f"no complete answer in time",
           lambda line, took: h.check(FETCH_TIMEOUT_S - 0.5 < took < FETCH_TIMEOUT_S + 8,
                                      f"silent URL: given up after {took:.1f}s "
                                      f"(model.fetch_timeout {FETCH_TIMEOUT_S}s)"))
model_case("model by reference outside the allow-list (file)",
           model("passwd", location="/etc/passwd"), "is not in the allow-list")
model_case("model by reference outside the allow-list (.. out of it)",
           model("dots", location=os.path.join(models_dir, "..", "..", "etc", "passwd")),
           "is not in the allow-list")
model_case("model by reference outside the allow-list (URL)",
           model("other-port", location="http://127.0.0.1:9/m.pmml"), "is not in the allow-list")

# The 100 MB message: the embedded broker (librdkafka 2.0.2's mock cluster)
# closes the connection on a request that large, so it never reaches the
# topic; the producer (kcat, librdkafka's CLI) reports the failure.
big_path = os.path.join(h.tmpdir(), "big.msg")
with open(big_path, "wb") as f:
    f.write(model("hundred-mb", data=LINEAR + b"<!--" + b"x" * (100 << 20) + b"-->"))
before = counter("modelserver_model_updates_total", outcome="failed")
r = subprocess.run(["kcat", "-P", "-b", broker.address, "-t", "models_models", "-p", "0",
                    "-X", "message.max.bytes=200000000", "-X", "message.timeout.ms=15000",
                    big_path], capture_output=True, timeout=120)
err = r.stderr.decode(errors="replace")
h.check(r.returncode != 0,
        f"100 MB message: the embedded broker refuses it (kcat exit {r.returncode}: "
        f"{err.strip().splitlines()[-1][:100] if err.strip() else 'no message'})")
time.sleep(2)
h.check(counter("modelserver_model_updates_total", outcome="failed") == before
        and serving() == "lin", "100 MB message: nothing reached the server, the model serves")
outcomes["100 MB model message"] = "refused by the broker"

# A good model after all of that: the models stream is not stuck.
send("models_models", model("lin2", data=LINEAR))
h.wait_for("a good model after the bad ones", lambda: serving() == "lin2")
send_good(5)

# --- nothing lost -----------------------------------------------------------
n_failed = sum(1 for v in outcomes.values() if v == "failed")
h.wait_for("every good record scored",
           lambda: h.scored(port) == len(good), timeout=60)
h.wait_for("every result delivered",
           lambda: counter("modelserver_results_total", outcome="delivered") == len(good))
results = h.results_by_offset(broker.address, len(good))
h.check(sorted(results) == sorted(good),
        f"each of the {len(good)} good records has a result, no bad record has one")
h.check(all(len(v) == 1 for v in results.values()), "no record has two results")
names = {r["modelName"] for v in results.values() for r in v}
h.check(names <= {"lin", "lin2"} and all(math.isfinite(r["result"])
                                          for v in results.values() for r in v),
        f"results come from the linear models ({sorted(names)}) and are finite")
h.check(counter("modelserver_records_total", outcome="failed") == n_failed,
        f"{n_failed} records failed scoring, as sent")

producer.close()
h.check(h.stop(server) == 0, "the server exits 0 on SIGTERM after the catalogue")
silent.close()

summary = {}
for v in outcomes.values():
    summary[v] = summary.get(v, 0) + 1
h.log(f"bad-input cases: {len(outcomes)} ({', '.join(f'{n} {k}' for k, n in sorted(summary.items()))}); "
      f"{len(good)} good records around them, all scored")
print("1 passed, 0 failed")
