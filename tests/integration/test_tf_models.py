#!/usr/bin/python3
"""The seed's TensorFlow models served end to end: the frozen graph
(optimized_WineQuality.pb, by value, ModelType TENSORFLOW) and the
SavedModel (saved_wine/1, ModelType TENSORFLOWSAVED, by reference as a
directory and by value as a tar archive made here) each score all 1,599
rows. Every result's label is the argmax and its probabilities the nine
outputs: for the frozen graph as expected/tf_wine_quality.csv has them,
for the SavedModel as tf_reference.py computes them from its checkpoint
(a slightly later training state than the frozen graph's), both within
1e-5 relative. Skipped without ../shared/data.
"""
import io
import subprocess
import tarfile

import harness as h
import tf_reference
from kafka import KafkaProducer

shared = h.shared_data_or_skip("winequality_red.csv", "optimized_WineQuality.pb",
                               "saved_wine/1/saved_model.pb",
                               "expected/tf_wine_quality.csv")
rows = h.read_csv_rows(f"{shared}/winequality_red.csv")
expected_graph = [[float(v) for v in line.split(";")[1:]]
                  for line in open(f"{shared}/expected/tf_wine_quality.csv")
                  if not line.startswith("#")]
expected_saved = tf_reference.saved_wine_outputs(f"{shared}/saved_wine/1/variables", rows)
h.check(len(rows) == len(expected_graph) == 1599, "1,599 rows and expected outputs")

tar = io.BytesIO()
with tarfile.open(fileobj=tar, mode="w") as t:
    t.add(f"{shared}/saved_wine/1", arcname="1")

broker = h.start_broker()
server = h.start_server(broker.address)
producer = KafkaProducer(bootstrap_servers=broker.address, acks="all")
models = [
    ("tf-graph", h.encode_model("tf-graph", "wine", 0,
                                data=open(f"{shared}/optimized_WineQuality.pb", "rb").read()),
     expected_graph),
    ("tf-saved-dir", h.encode_model("tf-saved-dir", "wine", 2,
                                    location=f"{shared}/saved_wine/1"), expected_saved),
    ("tf-saved-tar", h.encode_model("tf-saved-tar", "wine", 2, data=tar.getvalue()),
     expected_saved),
]
scored = 0
for name, message, _ in models:
    producer.send("models_models", message)
    producer.flush()
    h.wait_for(f"{name} serving",
               lambda: (h.http_get(server.port, "/stats", quiet=True) or {}).get("name") == name)
    subprocess.run(h.publisher(broker.address, "--no-models", "--data-dir", shared, "--once",
                               "--data-interval", "0"), check=True, capture_output=True)
    scored += 1599
    h.wait_for(f"1,599 rows scored by {name}", lambda: h.scored(server.port) == scored,
               timeout=60)
producer.close()



def records_by_offset():
    """{(partition, offset): the 11 features} of the data topic."""
    from kafka import KafkaConsumer
    c = KafkaConsumer("models_data", bootstrap_servers=broker.address,
                      auto_offset_reset="earliest", enable_auto_commit=False,
                      consumer_timeout_ms=3000)
    out = {}
    for m in c:
        f = dict(h.decode_fields(m.value))   # proto3 leaves zeros out
        out[(m.partition, m.offset)] = tuple(float(f.get(n, 0.0)) for n in range(1, 12))
    c.close()
    return out


records = records_by_offset()
by_model = {}
for payload in h.kcat_consume(broker.address, "models_results", scored):
    r = h.decode_result(payload)
    by_model.setdefault(r["modelName"], []).append(r)
for name, _, expected in models:
    # Equal rows have equal outputs, so the features find the expectation.
    want = {tuple(row[:11]): e for row, e in zip(rows, expected)}
    results = by_model.get(name, [])
    h.check(len(results) == 1599, f"{name}: 1,599 results ({len(results)})")
    worst, bad = 0.0, 0
    for r in results:
        e = want[records[(r["sourcePartition"], r["sourceOffset"])]]
        probs = [p for _, p in sorted(r["probabilities"], key=lambda lp: int(lp[0]))]
        argmax = max(range(9), key=lambda k: e[k])
        if r["label"] != str(argmax) or r["result"] != argmax:
            bad += 1
        worst = max([worst] + [abs(a - b) / abs(b) for a, b in zip(probs, e)])
    h.check(bad == 0, f"{name}: every label and value is the expected argmax")
    h.check(worst <= 1e-5, f"{name}: every row's nine outputs within 1e-5 relative "
                           f"(worst {worst:.2e})")
h.check(h.metrics(server.port).get('modelserver_records_total{outcome="failed"}', 0) == 0,
        "no record failed to score")
h.check(h.stop(server) == 0, "the server exits 0 on SIGTERM")
print("1 passed, 0 failed")
