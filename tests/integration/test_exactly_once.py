#!/usr/bin/python3
"""Transactions (--exactly-once): results and consumed offsets are committed
in Kafka transactions by the librdkafka transactional producer.

What the embedded broker (librdkafka 2.0.2's mock cluster) can show, and
this test asserts:
- the server refuses --exactly-once on an in-process embedded broker, with
  the reason (that broker drops transactional offset commits and never hides
  aborted records, so the promise could not be kept);
- against the standalone embedded broker, the transactional path runs for
  real: killed with SIGKILL twice mid-stream, restarted each time, the
  server still leaves no input offset without a result, commits its
  transactions (none aborted) and exits 0 on SIGTERM;
What it cannot show here is "no duplicates" or zombie fencing, which need a
broker that keeps TxnOffsetCommit offsets, aborted-transaction markers and
producer epochs per transactional id (Kafka itself).
"""
import os
import re
import signal
import subprocess
import time

import harness as h

r = subprocess.run([f"{h.BUILD}/modelserver", "--exactly-once", "--port", "0"],
                   capture_output=True, text=True, timeout=30)
h.check(r.returncode == 2 and "--exactly-once needs a Kafka cluster" in r.stdout + r.stderr,
        "--exactly-once on the in-process embedded broker is refused with the reason")

data = h.demo_data()
broker = h.start_broker(partitions=3)
b = broker.address


def server(i, engine, txn_id="modelserver-test"):
    return h.start_server(b, "--engine", engine, "--threads", "2", "--exactly-once",
                          "--transactional-id", txn_id,
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


def results():
    return h.by_source(h.read_topic(b, "models_results", idle_ms=1500))


h.wait_for("a result for every input offset", lambda: not h.missing_results(b, results()),
           timeout=120, interval=2)
h.check(sum(h.data_end_offsets(b).values()) == 4000,
        "every one of the 4,000 input offsets has a result after two SIGKILLs")

h.check(h.stop(s) == 0, "the last instance exits 0 on SIGTERM")
counts = re.search(r"(\d+) transaction\(s\) committed, (\d+) aborted", h.read_log(s))
h.check(counts and int(counts.group(1)) > 0 and int(counts.group(2)) == 0,
        f"the last instance committed its transactions, none aborted "
        f"({counts.group(0) if counts else 'no count logged'})")
print("1 passed, 0 failed")
