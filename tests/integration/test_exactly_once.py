#!/usr/bin/python3
"""Exactly-once (--exactly-once): results and consumed offsets commit in
Kafka transactions. The server is killed with SIGKILL twice mid-stream and
restarted; a read_committed reader of the results then sees exactly one
result for every input offset: no loss, no duplicate.
"""
import os
import signal
import subprocess
import time

import harness as h

data = h.demo_data()
broker = h.start_broker(partitions=3)
b = broker.address


def server(i, engine):
    return h.start_server(b, "--engine", engine, "--threads", "2", "--exactly-once",
                          "--transactional-id", "modelserver-test",
                          "--kafka-property", "session.timeout.ms=3000,heartbeat.interval.ms=500",
                          name=f"server{i}")


s = server(0, "store")
subprocess.run(h.publisher(b, "--no-data", "--once", "--models",
                           os.path.join(data, "demoLinearRegression.pmml")),
               check=True, capture_output=True)
h.wait_for("model serving", lambda: h.http_get(s.port, "/stats")["name"] == "demoLinearRegression")
feeder = subprocess.Popen(h.publisher(b, "--no-models", "--data-dir", data, "--data-file",
                                      "winequality_demo.csv", "--count", "4000", "--rate", "400"),
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for i, engine in ((1, "stage"), (2, "store")):
    h.wait_for("records being scored", lambda: h.scored(s.port) > 300, timeout=60)
    time.sleep(1.2)
    s.send_signal(signal.SIGKILL)
    s.wait()
    h.log(f"killed instance {i - 1} with SIGKILL")
    s = server(i, engine)
h.check(feeder.wait(60) == 0, "4,000 records published")
ends = h.data_end_offsets(b)
h.wait_for("the group committed every record", lambda: h.committed_offsets(b) == ends,
           timeout=120, interval=1)
h.check(h.stop(s) == 0, "the last instance exits 0 on SIGTERM, its transaction committed")
results = {}
for m in h.read_topic(b, "models_results", committed_only=True):
    r = h.decode_result(m)
    results.setdefault((r["sourcePartition"], r["sourceOffset"]), []).append(r)
missing = h.missing_results(b, results)
dups = sum(len(v) - 1 for v in results.values())
h.check(sum(ends.values()) == 4000 and not missing and dups == 0,
        f"committed results: exactly one for each of the 4,000 input offsets "
        f"(missing {len(missing)}, duplicates {dups})")
uncommitted = len(h.read_topic(b, "models_results"))
h.log(f"a read_uncommitted reader sees {uncommitted} results, aborted ones included")
print("1 passed, 0 failed")
