"""Shared helpers of the integration tests: start real processes on
loopback (embedded broker, server, publisher), talk to them over HTTP and
Kafka with clients we did not write (kcat, python3-kafka), and clean every
process up however the test ends.

Protobuf messages are encoded and decoded here by hand from the field
numbers in proto/modelserving.proto, so the tests do not share a single line
of codec code with the server they check.
"""
import atexit
import json
import os
import re
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

BUILD = os.environ.get("MS_BUILD_DIR", os.path.join(os.path.dirname(__file__), "../../build"))
SHARED = os.environ.get("MS_SHARED_DATA", os.path.join(os.path.dirname(__file__), "../../../shared/data"))
SKIP = 77

_procs = []
_tmpdirs = []
KEEP = os.environ.get("MS_KEEP_LOGS")

# A command put before every modelserver (not the broker-only mode),
# publisher and modelscore the harness starts, such as "valgrind
# --error-exitcode=99 --leak-check=full" (scripts/valgrind.sh). Under it
# everything takes many times longer, so the harness's waits are scaled by
# MS_TIMEOUT_SCALE (default 10 with a wrapper, else 1).
WRAPPER = shlex.split(os.environ.get("MS_WRAPPER", ""))
TIMEOUT_SCALE = float(os.environ.get("MS_TIMEOUT_SCALE", 10 if WRAPPER else 1))
_WRAPPED = ("modelserver", "publisher", "modelscore")


def wrapped(args):
    """args with WRAPPER before it when it runs one of our programs."""
    prog = os.path.basename(args[0]) if args else ""
    if (not WRAPPER or os.path.dirname(args[0]) != BUILD or prog not in _WRAPPED
            or args[1:2] == ["broker"]):
        return list(args)
    return [*WRAPPER, *args]


def _cleanup():
    # Newest first: servers stop before the broker they talk to.
    for p in reversed(_procs):
        if p.poll() is None:
            p.terminate()
    deadline = time.time() + 10 * TIMEOUT_SCALE
    for p in _procs:
        try:
            p.wait(max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    for d in ([] if KEEP else _tmpdirs):
        shutil.rmtree(d, ignore_errors=True)


atexit.register(_cleanup)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def fail(msg):
    log("FAIL: " + msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    log("ok: " + msg)


def skip(reason):
    log("SKIP: " + reason)
    sys.exit(SKIP)


def tmpdir():
    d = tempfile.mkdtemp(prefix="ms-it-")
    _tmpdirs.append(d)
    return d


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args, name, env=None, stdin=None, preexec_fn=None, log_through_pipe=False):
    """Starts a process with its output in a log file; returns the Popen
    with .log_path set. With log_through_pipe, the process writes to a pipe
    that a thread of ours copies to the file (for a process under a file
    size limit, which would otherwise apply to its log too)."""
    path = os.path.join(tmpdir(), name + ".log")
    out = open(path, "w")
    full_env = dict(os.environ)
    full_env.update(env or {})
    p = subprocess.Popen(wrapped(args), stdout=subprocess.PIPE if log_through_pipe else out,
                         stderr=subprocess.STDOUT, env=full_env, stdin=stdin,
                         preexec_fn=preexec_fn)
    if log_through_pipe:
        def copy():
            for line in p.stdout:
                out.write(line.decode(errors="replace"))
                out.flush()
        threading.Thread(target=copy, daemon=True).start()
    _procs.append(p)
    p.log_path = path
    return p


def read_log(p):
    with open(p.log_path) as f:
        return f.read()


def stop(p, timeout=15):
    """SIGTERM and wait; returns the exit code."""
    p.terminate()
    return p.wait(timeout * TIMEOUT_SCALE)


def wait_for(what, fn, timeout=30, interval=0.1):
    timeout *= TIMEOUT_SCALE
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    fail(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def start_broker(brokers=1, partitions=6, control=False):
    """The embedded broker in its own process; with control, fault
    injection commands go through broker_command()."""
    addr_file = os.path.join(tmpdir(), "broker.addr")
    p = start([f"{BUILD}/modelserver", "broker", "--write-address", addr_file,
               "--embedded-brokers", str(brokers), "--partitions", str(partitions)]
              + (["--control"] if control else []),
              "broker", stdin=subprocess.PIPE if control else None)
    wait_for("broker address", lambda: os.path.exists(addr_file))
    with open(addr_file) as f:
        p.address = f.read().strip()
    log(f"broker at {p.address}")
    return p


def broker_command(broker, line):
    """Sends a fault-injection command and waits for its answer."""
    broker.stdin.write((line + "\n").encode())
    broker.stdin.flush()
    wait_for(f"broker command '{line}'",
             lambda: f"control '{line}': ok" in read_log(broker), timeout=10)
    log(f"broker: {line}")


def start_server(bootstrap, *extra, name="server", **how):
    """A server on the broker at bootstrap; how: start()'s keywords."""
    port = free_port()
    p = start([f"{BUILD}/modelserver", "--brokers", bootstrap,
               "--port", str(port), *extra], name, **how)
    p.port = port
    wait_for("server HTTP", lambda: http_get(port, "/stats", quiet=True))
    return p


def http_get(port, path, quiet=False):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            body = r.read().decode()
            return json.loads(body) if path.startswith("/stats") else body
    except Exception as e:  # noqa: BLE001 - polling: any failure means "not yet"
        if not quiet:
            log(f"GET {path}: {e}")
        return None


def metrics(port):
    """The /metrics samples as {'name{labels}': value}."""
    text = http_get(port, "/metrics") or ""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            k, v = line.rsplit(" ", 1)
            out[k] = float(v)
    return out


def publisher(bootstrap, *args):
    return wrapped([f"{BUILD}/publisher", "--brokers", bootstrap, "--progress", "1s", *args])


# The seed's InfluxDB and Grafana variables, which deployments set for the
# servers alongside the ones the programs list.
SEED_METRICS_VARIABLES = {"INFLUXDB_HOST", "INFLUXDB_PORT", "GRAFANA_HOST", "GRAFANA_PORT"}


def program_env_names(program):
    """The environment variables a program's --help lists ("env NAME")."""
    r = subprocess.run([f"{BUILD}/{program}", "--help"], capture_output=True, text=True)
    check(r.returncode == 0, f"{program} --help")
    return set(re.findall(r"env\s+([A-Z][A-Z0-9_]+)", r.stdout.replace("\x1f", " ")))


def bench_parser(doc):
    """The command line of a benchmark in bench/: doc as its --help,
    --build and --engine."""
    import argparse
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0], epilog=doc,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=BUILD, help="build directory (default: %(default)s)")
    ap.add_argument("--engine", default="stage", choices=("stage", "store"))
    return ap


def bench(name, value, unit):
    """One figure, as `make bench` prints them."""
    print(f"bench {name} {value} {unit}", flush=True)


def demo_data():
    """Our own generated data set and models (no ../shared needed)."""
    d = tmpdir()
    subprocess.run([f"{BUILD}/demogen", d], check=True, stderr=subprocess.DEVNULL)
    return d


def shared_data_or_skip(*files):
    for f in files:
        if not os.path.exists(os.path.join(SHARED, f)):
            skip(f"{SHARED}/{f} is not there")
    return SHARED


# --- protobuf by hand -------------------------------------------------------

def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def encode_wine(features, data_type="wine"):
    """WineRecord: fields 1..11 doubles (wire type 1), 12 string."""
    out = bytearray()
    for i, v in enumerate(features[:11], start=1):
        out += _varint(i << 3 | 1) + struct.pack("<d", float(v))
    dt = data_type.encode()
    out += _varint(12 << 3 | 2) + _varint(len(dt)) + dt
    return bytes(out)


def encode_model(name, data_type, model_type, data=None, location=None, description=""):
    """ModelDescriptor: 1 name, 2 description, 3 dataType, 4 modeltype, 5 data | 6 location."""
    out = bytearray()
    for num, s in ((1, name), (2, description), (3, data_type)):
        b = s.encode()
        out += _varint(num << 3 | 2) + _varint(len(b)) + b
    out += _varint(4 << 3 | 0) + _varint(model_type)
    if location is not None:
        b = location.encode()
        out += _varint(6 << 3 | 2) + _varint(len(b)) + b
    else:
        out += _varint(5 << 3 | 2) + _varint(len(data)) + data
    return bytes(out)


def _read_varint(buf, i):
    shift = n = 0
    while True:
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


def decode_fields(buf):
    """Generic protobuf decode: list of (field, value) with raw bytes for
    length-delimited, ints for varints and doubles for fixed64."""
    i, out = 0, []
    while i < len(buf):
        key, i = _read_varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _read_varint(buf, i)
        elif wt == 1:
            v = struct.unpack_from("<d", buf, i)[0]
            i += 8
        elif wt == 2:
            n, i = _read_varint(buf, i)
            v = bytes(buf[i:i + n])
            i += n
        elif wt == 5:
            v = struct.unpack_from("<f", buf, i)[0]
            i += 4
        else:
            raise ValueError(f"wire type {wt}")
        out.append((num, v))
    return out


def decode_result(buf):
    """ServingResult -> dict (field names of the .proto)."""
    names = {1: "dataType", 2: "modelName", 3: "modelType", 4: "result", 5: "label",
             7: "durationNs", 8: "sourceTopic", 9: "sourcePartition",
             10: "sourceOffset", 11: "timestampMs"}
    r = {"dataType": "", "modelName": "", "modelType": 0, "result": 0.0, "label": "",
         "probabilities": [], "durationNs": 0, "sourceTopic": "",
         "sourcePartition": 0, "sourceOffset": 0, "timestampMs": 0}
    for num, v in decode_fields(buf):
        if num == 6:
            p = dict(decode_fields(v))
            r["probabilities"].append((p.get(1, b"").decode(), p.get(2, 0.0)))
        elif num in names:
            r[names[num]] = v.decode() if isinstance(v, bytes) else v
    return r


def read_csv_rows(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                rows.append([float(x) for x in line.replace(",", ";").split(";")])
    return rows


def kcat_consume(bootstrap, topic, count, timeout=60, with_partition=False):
    """Reads count messages of topic from the start with kcat (librdkafka's
    CLI, not our code), one base64-free binary message per record using a
    length prefix format; returns the list of payloads, or of (partition,
    payload) pairs with with_partition, in each partition's order."""
    if not shutil.which("kcat"):
        skip("kcat is not installed")
    # -D '' with -f '%S %s' would break on binary; %R gives a 4-byte
    # big-endian length prefix before each payload, after "%p " when the
    # partition is asked for.
    fmt = "%p %R%s" if with_partition else "%R%s"
    p = subprocess.run(["kcat", "-b", bootstrap, "-C", "-t", topic, "-o", "beginning",
                        "-c", str(count), "-e", "-q", "-f", fmt],
                       capture_output=True, timeout=timeout)
    if p.returncode != 0:
        fail(f"kcat exited {p.returncode}: {p.stderr.decode(errors='replace')}")
    out, i, buf = [], 0, p.stdout
    while i < len(buf):
        partition = None
        if with_partition:
            space = buf.index(b" ", i)
            partition, i = int(buf[i:space]), space + 1
        if i + 4 > len(buf):
            break
        n = struct.unpack_from(">i", buf, i)[0]
        payload = buf[i + 4:i + 4 + n]
        out.append((partition, payload) if with_partition else payload)
        i += 4 + n
    return out



def by_source(messages):
    """ServingResult messages as {(source partition, source offset): [results]}."""
    out = {}
    for m in messages:
        r = decode_result(m)
        out.setdefault((r["sourcePartition"], r["sourceOffset"]), []).append(r)
    return out


def results_by_offset(bootstrap, count, topic="models_results"):
    """Reads count results with kcat; returns {(partition, offset): [results]}."""
    return by_source(kcat_consume(bootstrap, topic, count))


def data_end_offsets(bootstrap, topic="models_data"):
    """{partition: high watermark} of a topic, asked with python3-kafka."""
    from kafka import KafkaConsumer, TopicPartition
    c = KafkaConsumer(bootstrap_servers=bootstrap)
    parts = [TopicPartition(topic, p) for p in c.partitions_for_topic(topic)]
    ends = c.end_offsets(parts)
    c.close()
    return {tp.partition: off for tp, off in ends.items()}


def missing_results(bootstrap, results):
    """Input offsets of the data topic that have no result."""
    ends = data_end_offsets(bootstrap)
    return [(p, o) for p, end in ends.items() for o in range(end)
            if (p, o) not in results]


def scored(port):
    return metrics(port).get('modelserver_records_total{outcome="scored"}', 0)


def read_topic(bootstrap, topic, idle_ms=3000, committed_only=False):
    """Every message of a topic: read with python3-kafka until nothing new
    arrives for idle_ms; or, with committed_only, only those of committed
    transactions, read with kcat (python3-kafka 2.0 has no read_committed)."""
    if committed_only:
        p = subprocess.run(["kcat", "-b", bootstrap, "-C", "-t", topic, "-o", "beginning",
                            "-e", "-q", "-f", "%R%s", "-X", "isolation.level=read_committed"],
                           capture_output=True, timeout=120)
        if p.returncode != 0:
            fail(f"kcat exited {p.returncode}: {p.stderr.decode(errors='replace')}")
        out, i, buf = [], 0, p.stdout
        while i + 4 <= len(buf):
            n = struct.unpack_from(">i", buf, i)[0]
            out.append(buf[i + 4:i + 4 + n])
            i += 4 + n
        return out
    from kafka import KafkaConsumer
    c = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                      enable_auto_commit=False, consumer_timeout_ms=idle_ms)
    out = [m.value for m in c]
    c.close()
    return out


def committed_offsets(bootstrap, group="wineRecordsGroup", topic="models_data"):
    """{partition: committed offset} of a consumer group (python3-kafka)."""
    from kafka import KafkaConsumer, TopicPartition
    c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    out = {p: c.committed(TopicPartition(topic, p)) or 0
           for p in c.partitions_for_topic(topic)}
    c.close()
    return out


def http(port, method, path, body=None, headers=None, timeout=10):
    """Any request with http.client (no redirects, no normalising of the
    path); returns (status, headers as a dict with lower-case names, body
    bytes)."""
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def http_json(port, method, path, doc=None):
    """A request with a JSON body (doc, or None); returns (status, decoded
    reply)."""
    body = None if doc is None else (doc if isinstance(doc, (bytes, str)) else json.dumps(doc))
    status, _, raw = http(port, method, path, body,
                          {"Content-Type": "application/json"} if body is not None else None)
    return status, json.loads(raw) if raw else None


def raw_request(port, data, timeout=5):
    """Sends bytes as they are on a fresh connection (for requests no
    client library would write) and returns everything the server sends
    back until it closes or goes quiet."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        except socket.timeout:
            pass
        return out


def publish_model(bootstrap, server, path):
    """Publishes one model file by value and waits until server serves it."""
    subprocess.run(publisher(bootstrap, "--no-data", "--once", "--models", path),
                   check=True, capture_output=True)
    name = os.path.splitext(os.path.basename(path))[0]
    wait_for(f"model {name} serving",
             lambda: (http_get(server.port, "/stats", quiet=True) or {}).get("name") == name)


def read_checkpoint(path):
    """The state directory's checkpoint file, checked and decoded here from
    its documented layout ("MSCKPT01", payload length and FNV-1a 64 of the
    payload, little-endian, then a StoreCheckpoint): a list of
    (dataType, model name, records scored) per entry, or None when the file
    is torn (length or checksum mismatch)."""
    with open(path, "rb") as f:
        buf = f.read()
    if len(buf) < 24 or buf[:8] != b"MSCKPT01":
        return None
    length, checksum = struct.unpack_from("<QQ", buf, 8)
    body = buf[24:]
    fnv = 0xcbf29ce484222325
    for byte in body:
        fnv = ((fnv ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    if length != len(body) or fnv != checksum:
        return None
    out = []
    for num, entry in decode_fields(body):
        if num != 1:
            continue
        e = dict(decode_fields(entry))
        model = dict(decode_fields(e.get(2, b"")))
        stats = dict(decode_fields(e.get(3, b"")))
        out.append((e.get(1, b"").decode(), model.get(1, b"").decode(), stats.get(2, 0)))
    return out
