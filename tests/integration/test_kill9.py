#!/usr/bin/python3
"""No lost records across crashes: while records stream in, the server is
killed with SIGKILL three times and restarted on the same state directory.
Every input offset ends with at least one result; each restarted instance
restores its model from the checkpoint before scoring anything, so the
first record it scores is scored by the restored model and none is counted
as unserved.
"""
import os
import signal
import subprocess
import time

import harness as h

data = h.demo_data()
state = h.tmpdir()
broker = h.start_broker(partitions=4)
b = broker.address


def server(i):
    # A killed member holds its partitions until its session times out.
    return h.start_server(b, "--engine", "store", "--threads", "2", "--state-dir", state,
                          "--kafka-property", "session.timeout.ms=3000,heartbeat.interval.ms=500",
                          name=f"server{i}")


s = server(0)
subprocess.run(h.publisher(b, "--no-data", "--once", "--models",
                           os.path.join(data, "demoLinearRegression.pmml")),
               check=True, capture_output=True)
h.wait_for("model serving", lambda: h.http_get(s.port, "/stats")["name"] == "demoLinearRegression")
feeder = subprocess.Popen(h.publisher(b, "--no-models", "--data-dir", data, "--data-file",
                                      "winequality_demo.csv", "--count", "6000", "--rate", "400"),
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
restarts = []
for i in range(1, 4):
    # Kill mid-stream, once the instance has scored and committed for a while.
    h.wait_for("records being scored", lambda: h.scored(s.port) > 300, timeout=60)
    time.sleep(1.5)
    s.send_signal(signal.SIGKILL)
    s.wait()
    h.log(f"killed instance {i - 1} with SIGKILL; committed: {h.committed_offsets(b)}")
    restarts.append(int(time.time() * 1000))
    s = server(i)
    log = h.read_log(s)
    h.check("restored model 'demoLinearRegression' for data type 'wine' from the state "
            "directory" in log, f"instance {i} restored the model from its checkpoint")
h.check(feeder.wait(60) == 0, "6,000 records were published")
# And 500 more after the last restart, so that the last instance scores
# records of its own too.
subprocess.run(h.publisher(b, "--no-models", "--data-dir", data, "--data-file",
                           "winequality_demo.csv", "--count", "500", "--rate", "500"),
               check=True, capture_output=True)

# The last instance catches up; then every input offset has a result.
ends = h.data_end_offsets(b)
h.check(sum(ends.values()) == 6500, f"6,500 records on the data topic ({ends})")
results = {}


def caught_up():
    results.clear()
    results.update(h.by_source(h.read_topic(b, "models_results", idle_ms=2000)))
    return not h.missing_results(b, results)


h.wait_for("the group committed everything", lambda: h.committed_offsets(b) == ends,
           timeout=120, interval=1)
h.wait_for("a result for every input offset", caught_up, timeout=60, interval=1)
dups = sum(len(v) - 1 for v in results.values())
h.check(True, f"every one of the 6,500 input offsets has a result "
              f"({dups} duplicate(s) from replays after the kills)")
everything = [r for v in results.values() for r in v]
for i, t in enumerate(restarts, start=1):
    after = sorted((r for r in everything if r["timestampMs"] >= t), key=lambda r: r["timestampMs"])
    h.check(after and after[0]["modelName"] == "demoLinearRegression",
            f"instance {i}: its first result came from the restored model")
m = h.metrics(s.port)
h.check(m.get('modelserver_records_total{outcome="unserved"}', 0) == 0,
        "the last instance never lacked a model")
h.check(h.stop(s) == 0, "the last instance exits 0 on SIGTERM")
print("1 passed, 0 failed")
