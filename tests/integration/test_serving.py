#!/usr/bin/python3
"""End to end on loopback: embedded broker + modelserver + publisher.

Records are scored and /stats names the model; a second model published
mid-stream takes over with no record left unscored; a malformed model
message and a malformed record are counted and skipped while the current
model keeps serving; every input offset has exactly one result.

Runs on the project's own generated demo data (no ../shared needed).
"""
import os
import subprocess
import time

import harness as h
from kafka import KafkaProducer

data = h.demo_data()
csv = os.path.join(data, "winequality_demo.csv")
linear = os.path.join(data, "demoLinearRegression.pmml")
tree = os.path.join(data, "demoDecisionTreeClassification.pmml")

broker = h.start_broker()
server = h.start_server(broker.address)
port = server.port

# 1. A first model, then records: they are scored by it.
subprocess.run(h.publisher(broker.address, "--no-data", "--models", linear, "--once"),
               check=True, capture_output=True)
h.wait_for("linear model serving",
           lambda: h.http_get(port, "/stats")["name"] == "demoLinearRegression")
h.check(True, "/stats names the first model")

# 2. A warm-up batch, so the data consumer has joined its group and is
#    consuming live; then 3,000 records at 1,500/s, and 0.7s in, a second model.
WARMUP, RECORDS = 100, 3000
subprocess.run(h.publisher(broker.address, "--no-models", "--data-file", csv,
                           "--count", str(WARMUP), "--data-interval", "0"),
               check=True, capture_output=True)
h.wait_for("warm-up scored",
           lambda: h.metrics(port).get('modelserver_records_total{outcome="scored"}') == WARMUP)
feeder = subprocess.Popen(h.publisher(broker.address, "--no-models", "--data-file", csv,
                                      "--count", str(RECORDS), "--rate", "1500"),
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(0.7)
usage_before_swap = h.http_get(port, "/stats")["usage"]
subprocess.run(h.publisher(broker.address, "--no-data", "--models", tree, "--once"),
               check=True, capture_output=True)
h.check(feeder.wait(60) == 0, "publisher sent all records and exited 0")
RECORDS += WARMUP
h.wait_for("all records scored",
           lambda: h.metrics(port).get('modelserver_records_total{outcome="scored"}', 0)
           >= RECORDS, timeout=60)
stats = h.http_get(port, "/stats")
h.check(stats["name"] == "demoDecisionTreeClassification",
        f"the second model took over (/stats name {stats['name']})")
h.check(0 < stats["usage"] < RECORDS,
        f"the second model scored part of the stream ({stats['usage']} records)")
h.check(stats["modelType"] == "PMML" and stats["since"] > 0 and
        stats["min"] <= stats["max"] and stats["duration"] > 0,
        f"/stats has the seed's fields with sane values: {stats}")

# 3. Garbage on both topics: counted, skipped, the tree keeps serving.
producer = KafkaProducer(bootstrap_servers=broker.address)
producer.send("models_models", b"\x08\x96\x01 this is not a model")
producer.send("models_data", b"\xff\xfe garbage record")
producer.flush()
h.wait_for("malformed record counted",
           lambda: h.metrics(port).get('modelserver_records_total{outcome="malformed"}') == 1)
h.wait_for("malformed model counted",
           lambda: h.metrics(port).get('modelserver_model_updates_total{outcome="failed"}') == 1)
subprocess.run(h.publisher(broker.address, "--no-models", "--data-file", csv,
                           "--count", "500", "--data-interval", "0"),
               check=True, capture_output=True)
TOTAL = RECORDS + 500
h.wait_for("records after the garbage scored",
           lambda: h.metrics(port).get('modelserver_records_total{outcome="scored"}') == TOTAL)
h.check(h.http_get(port, "/stats")["name"] == "demoDecisionTreeClassification",
        "the current model kept serving after a malformed model message")
h.check("malformed record at models_data" in h.read_log(server) and
        "rejected" in h.read_log(server), "both rejects were logged with their place")

# 4. Every input offset has exactly one result (read back with kcat).
h.wait_for("results delivered",
           lambda: h.metrics(port).get('modelserver_results_total{outcome="delivered"}') == TOTAL)
placed = [(p, h.decode_result(m)) for p, m in
          h.kcat_consume(broker.address, "models_results", TOTAL, with_partition=True)]
results = [r for _, r in placed]
h.check(len(results) == TOTAL, f"kcat read {len(results)} results")
# Results are co-partitioned with their records (both topics have 6
# partitions here), in the records' order within each partition.
h.check(all(p == r["sourcePartition"] for p, r in placed),
        "each result is in the results partition numbered as its record's")
for part in range(6):
    offs = [r["sourceOffset"] for p, r in placed if p == part]
    h.check(offs == sorted(offs), f"results partition {part} is in record order")
keys = [(r["sourcePartition"], r["sourceOffset"]) for r in results]
h.check(len(set(keys)) == TOTAL, "no input offset has two results")
by_partition = {}
for p, o in keys:
    by_partition.setdefault(p, []).append(o)
garbage_offsets = 0
for p, offs in by_partition.items():
    offs.sort()
    missing = set(range(offs[0], offs[-1] + 1)) - set(offs)
    garbage_offsets += len(missing)
    h.check(offs[0] == 0 or missing == set() or len(missing) <= 1,
            f"partition {p}: offsets {offs[0]}..{offs[-1]} scored, gaps {sorted(missing)}")
h.check(garbage_offsets <= 1, "only the garbage record has no result")

# The stream switched models exactly once, in offset order on each partition.
for p in by_partition:
    seq = [r["modelName"] for r in sorted((r for r in results if r["sourcePartition"] == p),
                                          key=lambda r: r["sourceOffset"])]
    switches = sum(1 for a, b in zip(seq, seq[1:]) if a != b)
    h.check(switches <= 1 and seq[-1] == "demoDecisionTreeClassification",
            f"partition {p}: one switch from linear to tree ({switches})")
names = {r["modelName"] for r in results}
h.check(names == {"demoLinearRegression", "demoDecisionTreeClassification"},
        f"results name both models: {names}")
tree_results = [r for r in results if r["modelName"] == "demoDecisionTreeClassification"]
h.check(all(r["label"] and abs(sum(p for _, p in r["probabilities"]) - 1) < 1e-9
            and float(r["label"]) == r["result"] for r in tree_results),
        "tree results carry a label, its number and probabilities summing to 1")
h.check(WARMUP < usage_before_swap < RECORDS,
        f"the swap happened mid-stream (linear model had scored {usage_before_swap})")

# 5. A clean stop: SIGTERM, exit 0, summary logged.
h.check(h.stop(server) == 0, "server exits 0 on SIGTERM")
h.check("stopped:" in h.read_log(server), "server logged its shutdown summary")
print("1 passed, 0 failed")
