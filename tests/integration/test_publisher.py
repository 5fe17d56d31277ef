#!/usr/bin/python3
"""The publisher as a user meets it: --once publishes every row and model
and exits 0; SIGINT stops it with everything flushed; an unreachable broker
or an unreadable file gives a clear message and a non-zero exit; models go
by reference with --by-reference. Messages are read back with kcat.
"""
import os
import signal
import subprocess
import time

import harness as h

data = h.demo_data()
broker = h.start_broker(partitions=1)
b = broker.address
env = dict(os.environ, DATA_DIRECTORY=data, DATA_FILENAME="winequality_demo.csv",
           DATA_PUBLISH_INTERVAL="0")

# --once: 1,599 rows and the 4 demo models (3 PMML, then the TensorFlow
# graph), then exit 0.
p = subprocess.run(h.publisher(b, "--once"), env=env, capture_output=True, text=True,
                   timeout=60)
h.check(p.returncode == 0, f"--once exits 0 ({p.stderr.strip().splitlines()[-1]})")
records = h.kcat_consume(b, "models_data", 1599)
h.check(len(records) == 1599, "every CSV row was published once")
first = dict(h.decode_fields(records[0]))
with open(os.path.join(data, "winequality_demo.csv")) as f:
    row = [float(x) for x in f.readline().split(";")]
h.check([first.get(i, 0.0) for i in range(1, 12)] == row[:11] and first[12] == b"wine",
        "the first WineRecord carries the first row's 11 features and dataType wine")
sent = [dict(h.decode_fields(m)) for m in h.kcat_consume(b, "models_models", 4)]
models, graph = sent[:3], sent[3]
names = [m[1].decode() for m in models]
h.check(names == sorted(names) and len(names) == 3 and all(m.get(4) == 1 for m in models),
        f"the 3 PMML models in name order, by value: {names}")
h.check(all(m[2] == b"generated from SparkML" and m[3] == b"wine" and 5 in m for m in models),
        "descriptions, data type and bytes as the seed's publisher sent them")
with open(os.path.join(data, "demoSoftmaxRegression.pb"), "rb") as f:
    h.check(graph[1] == b"demoSoftmaxRegression" and graph.get(4, 0) == 0 and
            graph[2] == b"generated from TensorFlow" and graph[5] == f.read(),
            "then the TensorFlow graph, as ModelType TENSORFLOW (0), by value")

# --by-reference: the location is the absolute path.
p = subprocess.run(h.publisher(b, "--no-data", "--once", "--by-reference",
                               "--models", os.path.join(data, "demoLinearRegression.pmml")),
                   capture_output=True, text=True, timeout=30)
h.check(p.returncode == 0, "--by-reference exits 0")
ref = dict(h.decode_fields(h.kcat_consume(b, "models_models", 5)[4]))
h.check(ref.get(6) == os.path.realpath(os.path.join(data, "demoLinearRegression.pmml")).encode()
        and 5 not in ref, "by reference: location is the absolute path, no bytes")

# SIGINT: stops promptly, flushes, exits 0, and says how much it sent.
p = subprocess.Popen(h.publisher(b, "--no-models", "--rate", "200"), env=env,
                     stderr=subprocess.PIPE, text=True)
time.sleep(2)
p.send_signal(signal.SIGINT)
err = p.communicate(timeout=15)[1]
h.check(p.returncode == 0, "SIGINT: exit 0")
h.check("record(s) sent" in err, "progress lines were printed")
sent = int(err.split("done: ")[1].split(" record")[0])
h.check(300 <= sent <= 500, f"--rate 200 for ~2s sent {sent} records")
total = 1599 + sent
h.check(len(h.kcat_consume(b, "models_data", total)) == total,
        "every record it counted was delivered before it exited")

# Failures: clear message, non-zero exit.
t0 = time.time()
p = subprocess.run(h.publisher(f"127.0.0.1:{h.free_port()}", "--once"), env=env,
                   capture_output=True, text=True, timeout=60)
h.check(p.returncode != 0 and "cannot reach Kafka" in p.stderr,
        f"unreachable broker: exit {p.returncode} in {time.time() - t0:.0f}s")
p = subprocess.run(h.publisher(b, "--data-file", "/nonexistent.csv"), env=env,
                   capture_output=True, text=True, timeout=10)
h.check(p.returncode == 2 and "/nonexistent.csv" in p.stderr,
        f"unreadable data file: exit 2, '{p.stderr.strip()}'")
p = subprocess.run([f"{h.BUILD}/publisher"], env=dict(env, KAFKA_BROKERS_LIST=""),
                   capture_output=True, text=True, timeout=10)
h.check(p.returncode == 2 and "KAFKA_BROKERS_LIST" in p.stderr,
        "no brokers configured: exit 2 naming KAFKA_BROKERS_LIST")
p = subprocess.run([f"{h.BUILD}/publisher", "--help"], capture_output=True, text=True)
h.check(p.returncode == 0 and "DATA_PUBLISH_INTERVAL" in p.stdout and "--once" in p.stdout,
        "--help documents the options")
print("1 passed, 0 failed")
