#!/usr/bin/python3
"""Torn checkpoints and kill -9 during checkpoint writes.

The state directory keeps two generations, store.checkpoint and
store.checkpoint.prev. Part 1, deterministic: between runs the newest
file is truncated (then corrupted, with the previous one garbled too);
each restart must detect it, move it aside to store.checkpoint.torn, and
restore the previous generation (or, with both bad, the changelog topic),
whose content this test decodes itself. Part 2: the server is killed with
SIGKILL at random moments while models are swapped every 50 ms (each swap
writes a checkpoint); every restart must find a good checkpoint. In both,
every record on the data topic ends with a result.
"""
import os
import random
import re
import signal
import subprocess
import time

import harness as h

data = h.demo_data()
state = h.tmpdir()
broker = h.start_broker(partitions=3)
b = broker.address
A = os.path.join(data, "demoLinearRegression.pmml")
B = os.path.join(data, "demoDecisionTreeRegression.pmml")
C = os.path.join(data, "demoDecisionTreeClassification.pmml")
current = os.path.join(state, "store.checkpoint")
previous = current + ".prev"
torn = current + ".torn"
published = 0


def server(i):
    # A killed member holds its partitions until its session times out.
    return h.start_server(b, "--engine", "store", "--threads", "2", "--state-dir", state,
                          "--kafka-property", "session.timeout.ms=3000,heartbeat.interval.ms=500",
                          name=f"server{i}")


def records(n, rate=500):
    global published
    subprocess.run(h.publisher(b, "--no-models", "--data-dir", data, "--data-file",
                               "winequality_demo.csv", "--count", str(n), "--rate", str(rate)),
                   check=True, capture_output=True)
    published += n


def restored_line(log):
    m = re.search(r"restored model '([^']*)' for data type 'wine' from ([^(]*?)"
                  r"(?: \((previous checkpoint)\))? \((\d+) record", log)
    return m and (m.group(1), m.group(2).strip(), m.group(3), int(m.group(4)))


# --- part 1: a truncated, then a corrupted checkpoint ----------------------
s = server(0)
h.publish_model(b, s, A)
records(300)
h.wait_for("300 scored", lambda: h.scored(s.port) == 300)
time.sleep(5.5)  # the statistics' save (every 5 s), so the one before B holds them
h.publish_model(b, s, B)
h.check(h.stop(s) == 0, "first run stopped cleanly")
newest, prev = h.read_checkpoint(current), h.read_checkpoint(previous)
h.check(newest == [("wine", "demoDecisionTreeRegression", 0)],
        f"store.checkpoint holds model B, nothing scored by it: {newest}")
h.check(prev == [("wine", "demoLinearRegression", 300)],
        f"store.checkpoint.prev holds model A with its 300 records: {prev}")

size = os.path.getsize(current)
with open(current, "r+b") as f:
    f.truncate(size // 2)
h.log(f"truncated store.checkpoint from {size} to {size // 2} bytes")
s = server(1)
log = h.read_log(s)
h.check(re.search(r"ERROR checkpoint: '[^']*store\.checkpoint' is torn or not a checkpoint.*"
                  r"moved it aside to 'store\.checkpoint\.torn', restoring from the previous", log),
        "the truncated checkpoint is detected and moved aside, in one ERROR line")
h.check(restored_line(log) == ("demoLinearRegression", "the state directory",
                               "previous checkpoint", 300),
        f"the previous checkpoint was restored: model A, 300 records ({restored_line(log)})")
h.check(os.path.getsize(torn) == size // 2, "the torn file is kept as store.checkpoint.torn")
h.wait_for("model B serving again (re-read from the models topic)",
           lambda: h.http_get(s.port, "/stats")["name"] == "demoDecisionTreeRegression")
h.check(h.metrics(s.port).get('modelserver_records_total{outcome="unserved"}', 0) == 0,
        "no record went unserved")
records(300)
h.wait_for("300 more scored", lambda: h.scored(s.port) == 300)
h.check(h.stop(s) == 0, "second run stopped cleanly")

# Now both generations are bad: the newest has a flipped byte, the previous
# one is garbage. The changelog topic still has the store.
with open(current, "r+b") as f:
    f.seek(os.path.getsize(current) - 10)
    byte = f.read(1)
    f.seek(-1, os.SEEK_CUR)
    f.write(bytes([byte[0] ^ 0xFF]))
with open(previous, "wb") as f:
    f.write(os.urandom(200))
s = server(2)
log = h.read_log(s)
h.check("no good checkpoint in" in log and "restoring from the previous" in log,
        "both bad generations are detected and reported")
h.check(restored_line(log) and restored_line(log)[:2] == ("demoDecisionTreeRegression",
                                                          "the changelog"),
        f"the store came back from the changelog topic instead: {restored_line(log)}")
records(300)
h.wait_for("300 more scored", lambda: h.scored(s.port) == 300)
h.check(h.http_get(s.port, "/stats")["name"] == "demoDecisionTreeRegression",
        "model B serves")
h.check(h.stop(s) == 0, "third run stopped cleanly")
h.check(h.read_checkpoint(current) is not None and h.read_checkpoint(previous) is not None,
        "and it wrote two good generations again")

# --- part 2: SIGKILL while checkpoints are written every 50 ms --------------
swapper = subprocess.Popen(h.publisher(b, "--no-data", "--models", f"{A},{B},{C}",
                                       "--model-interval", "50ms"),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
feeder = subprocess.Popen(h.publisher(b, "--no-models", "--data-dir", data, "--data-file",
                                      "winequality_demo.csv", "--count", "8000", "--rate", "250"),
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
rng = random.Random(7)
KILLS = 8
leftovers = 0
s = server(3)
saves = 0
for i in range(1, KILLS + 1):
    # Kill while it scores too (it gets partitions once the killed one's
    # session ended), at a random moment among the checkpoint writes.
    h.wait_for("records being scored", lambda: h.scored(s.port) > 0, timeout=30)
    time.sleep(rng.uniform(0.1, 0.8))
    saves += h.metrics(s.port).get('modelserver_checkpoint_saves_total{outcome="written"}', 0)
    s.send_signal(signal.SIGKILL)
    s.wait()
    s = server(3 + i)
    log = h.read_log(s)
    leftovers += "left half-written by a crash during a save" in log
    r = restored_line(log)
    h.check(r and r[1] == "the state directory" and "is torn" not in log
            and "no good checkpoint" not in log,
            f"kill {i}: the restart restored '{r and r[0]}' from a good checkpoint"
            f"{' (the ' + r[2] + ')' if r and r[2] else ''}")
swapper.terminate()
swapper.wait()
h.check(feeder.wait(60) == 0, "8,000 records were published meanwhile")
published += 8000
h.log(f"{saves:.0f} checkpoints written by the {KILLS} killed instances; {leftovers} kill(s) "
      f"left a half-written .tmp, removed at the restart")

ends = h.data_end_offsets(b)
h.check(sum(ends.values()) == published, f"{published} records on the data topic")
h.wait_for("the group committed everything", lambda: h.committed_offsets(b) == ends,
           timeout=120, interval=1)
results = h.by_source(h.read_topic(b, "models_results"))
missing = h.missing_results(b, results)
h.check(not missing, f"every one of the {published} input offsets has a result; lost: "
                     f"{len(missing)}, duplicates: {sum(len(v) - 1 for v in results.values())}")
h.check(h.stop(s) == 0, "the last instance exits 0 on SIGTERM")
h.check(h.read_checkpoint(current) is not None, "and leaves a good checkpoint")
print("1 passed, 0 failed")
