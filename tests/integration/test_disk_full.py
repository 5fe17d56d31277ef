#!/usr/bin/python3
"""A full disk under the state directory. Two ways to fill it:
 1. always: a file size limit (RLIMIT_FSIZE, as `ulimit -f` sets it) on
    the server process, lifted later with prlimit; writes then fail with
    EFBIG (and SIGXFSZ, which the server ignores), as they fail with ENOSPC
    on a full disk;
 2. when this machine lets us mount (root, and not refused by the
    container): a 64 KiB tmpfs filled to the last byte, then emptied.
Each time: the checkpoint save fails with one ERROR line saying what to do,
/metrics counts the failures, /health says the checkpoint is failing while
/health/ready stays 200, scoring goes on, no half-written file is left;
once there is room, checkpoints resume by themselves (one line), and a
restart after kill -9 restores the model and statistics saved then. No
record is lost.
"""
import atexit
import errno
import json
import os
import resource
import signal
import subprocess
import time

import harness as h

data = h.demo_data()
broker = h.start_broker(partitions=3)
b = broker.address
MODEL = "demoLinearRegression"
published = 0


def records(n):
    global published
    subprocess.run(h.publisher(b, "--no-models", "--data-dir", data, "--data-file",
                               "winequality_demo.csv", "--count", str(n), "--rate", "500"),
                   check=True, capture_output=True)
    published += n


def saves(s, outcome):
    return h.metrics(s.port).get(f'modelserver_checkpoint_saves_total{{outcome="{outcome}"}}', 0)


def server(state, name, **how):
    return h.start_server(b, "--engine", "store", "--threads", "2", "--state-dir", state,
                          "--kafka-property", "session.timeout.ms=3000,heartbeat.interval.ms=500",
                          name=name, **how)


def phase(label, state, how, make_room, reason):
    s = server(state, label, **how)
    if h.http_get(s.port, "/stats")["name"] != MODEL:
        h.publish_model(b, s, os.path.join(data, MODEL + ".pmml"))
    h.wait_for(f"{label}: a failed save", lambda: saves(s, "failed") >= 1, timeout=15)
    errors = [l for l in h.read_log(s).splitlines() if " ERROR checkpoint:" in l]
    h.check(errors and reason in errors[0] and "free space there" in errors[0]
            and "scoring goes on" in errors[0],
            f"{label}: one ERROR line says why and what to do: {errors and errors[0][24:]}")
    doc = json.loads(h.http_get(s.port, "/health"))
    h.check(doc["status"] == "degraded" and doc["checkpoint"]["ok"] is False
            and reason in doc["checkpoint"]["lastError"],
            f"{label}: /health says the checkpoint is failing ({doc['checkpoint']['failed']} failed)")
    h.check(h.metrics(s.port).get("modelserver_checkpoint_failing") == 1,
            f"{label}: /metrics modelserver_checkpoint_failing 1")
    before = h.scored(s.port)
    records(400)
    h.wait_for(f"{label}: 400 records scored", lambda: h.scored(s.port) >= before + 400)
    h.check(h.http(s.port, "GET", "/health/ready")[0] == 200,
            f"{label}: scoring goes on and /health/ready stays 200")
    h.wait_for(f"{label}: a retry (statistics moved)", lambda: saves(s, "failed") >= 2,
               timeout=15)
    errors = [l for l in h.read_log(s).splitlines() if " ERROR checkpoint:" in l]
    h.check(len(errors) == 1, f"{label}: {saves(s, 'failed'):.0f} failed saves, logged once")
    # The save at start, before the model came, was small enough to fit.
    left = sorted(os.listdir(state))
    old = h.read_checkpoint(os.path.join(state, "store.checkpoint")) if left else []
    h.check(left in ([], ["store.checkpoint"]) and old == [],
            f"{label}: no half-written file left, and the checkpoint from before the model "
            f"is intact ({left}: {old})")
    written = saves(s, "written")
    make_room(s)
    h.wait_for(f"{label}: a save once there is room", lambda: saves(s, "written") > written,
               timeout=15)
    log = h.read_log(s)
    h.check("checkpoints are written to" in log and "again, after" in log,
            f"{label}: one line says checkpoints resumed")
    h.check(json.loads(h.http_get(s.port, "/health"))["status"] == "ok",
            f"{label}: /health says ok again")
    scored = h.scored(s.port)
    ck = h.read_checkpoint(os.path.join(state, "store.checkpoint"))
    h.check(ck == [("wine", MODEL, scored)],
            f"{label}: the checkpoint holds the model and its {scored:.0f} records: {ck}")
    s.send_signal(signal.SIGKILL)
    s.wait()
    s = server(state, label + "-restart")
    h.check(f"restored model '{MODEL}' for data type 'wine' from the state directory "
            f"({scored:.0f} record(s)" in h.read_log(s),
            f"{label}: after kill -9, the restart restored the saved model and statistics")
    h.check(h.stop(s) == 0, f"{label}: the restart exits 0 on SIGTERM")


# 1. A file size limit below the size of a checkpoint (about 2 KB here).
LIMIT = 512


def limit_file_size():
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, resource.RLIM_INFINITY))


def lift_limit(s):
    resource.prlimit(s.pid, resource.RLIMIT_FSIZE,
                     (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    h.log("file size limit lifted")


phase("file size limit", os.path.join(h.tmpdir(), "state"),
      {"preexec_fn": limit_file_size, "log_through_pipe": True}, lift_limit,
      "File too large")

# 2. A full tmpfs, when mounting is allowed here.
mnt = h.tmpdir()
r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt],
                   capture_output=True, text=True)
if r.returncode != 0:
    h.log(f"full tmpfs: not run, mount refused here ({r.stderr.strip()}); the file size "
          f"limit above stands for it")
else:
    atexit.register(lambda: subprocess.run(["umount", "-l", mnt]))
    state = os.path.join(mnt, "state")
    os.mkdir(state)
    filler = os.path.join(mnt, "filler")
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 512)
        except OSError as e:
            h.check(e.errno == errno.ENOSPC, f"the 64 KiB tmpfs is full ({e.strerror})")

    def empty(s):
        os.unlink(filler)
        h.log("filler removed from the tmpfs")

    phase("full tmpfs", state, {}, empty, "No space left on device")

ends = h.data_end_offsets(b)
h.check(sum(ends.values()) == published, f"{published} records on the data topic")
results = h.by_source(h.read_topic(b, "models_results"))
missing = h.missing_results(b, results)
h.check(not missing, f"every one of the {published} input offsets has a result; lost: "
                     f"{len(missing)}, duplicates: {sum(len(v) - 1 for v in results.values())}")
print("1 passed, 0 failed")
