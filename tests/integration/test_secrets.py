#!/usr/bin/python3
"""Secrets given as librdkafka properties never appear in the server's log
or in its HTTP answers, whichever way they come and however the server
fares:

- a sasl.password (and an ssl.key.password) passed with --kafka-property,
  and another with KAFKA_PROPERTIES, to servers that run, load a model,
  score and answer every HTTP path, logging at debug level;
- a misspelt secret property ("sasl.pasword"): the start-up error names
  the property, not its value;
- SASL/PLAIN against the embedded broker: librdkafka 2.0.2's mock cluster
  has no SaslHandshake, so the server cannot connect and exits 1 after its
  30 s start-up wait; its error lines carry no password either.
"""
import os
import secrets
import subprocess
import time
import urllib.error
import urllib.request

import harness as h
from kafka import KafkaProducer

SECRET = "s3cr3t-" + secrets.token_hex(8)
KEY_SECRET = "k3y-" + secrets.token_hex(8)
PATHS = ["/stats", "/stats?dataType=wine", "/metrics", "/health/live",
         "/health/ready", "/models", "/state/instances", "/state/modelStore/value",
         "/api/overview", "/v2", "/v2/health/ready", "/v2/models/lin", "/",
         "/nonexistent"]

demo = h.demo_data()
broker = h.start_broker()

# Started first: it spends 30 s failing to connect while the rest runs.
sasl_port = h.free_port()
sasl = h.start([f"{h.BUILD}/modelserver", "--brokers", broker.address,
                "--port", str(sasl_port), "--log-level", "debug", "-X",
                f"security.protocol=SASL_PLAINTEXT,sasl.mechanism=PLAIN,"
                f"sasl.username=alice,sasl.password={SECRET}"], "sasl")

# plaintext: librdkafka ignores the sasl.* and ssl.* values, but holds them;
# debug=conf makes it log its configuration too.
flag = h.start_server(broker.address, "--log-level", "debug", "-X",
                      f"security.protocol=plaintext,debug=conf,sasl.username=alice,"
                      f"sasl.password={SECRET},ssl.key.password={KEY_SECRET}",
                      name="flag")
env_port = h.free_port()
env = h.start([f"{h.BUILD}/modelserver", "--brokers", broker.address, "--port",
               str(env_port), "--group", "other", "--log-level", "debug"], "env",
              env={"KAFKA_PROPERTIES": f"sasl.username=bob,sasl.password={SECRET}"})
env.port = env_port
h.wait_for("the KAFKA_PROPERTIES server's HTTP",
           lambda: h.http_get(env_port, "/stats", quiet=True))

producer = KafkaProducer(bootstrap_servers=broker.address, acks="all")
with open(os.path.join(demo, "demoLinearRegression.pmml"), "rb") as f:
    producer.send("models_models", h.encode_model("lin", "wine", 1, data=f.read()))
row = h.read_csv_rows(os.path.join(demo, "winequality_demo.csv"))[0]
for _ in range(20):
    producer.send("models_data", h.encode_wine(row))
producer.flush()
for server in (flag, env):   # different groups: each scores all 20
    h.wait_for(f"the server on port {server.port} scoring every record",
               lambda: h.scored(server.port) == 20, timeout=60)


def raw_get(port, path):
    """The whole answer, status line and headers included."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return f"{r.status} {r.headers}{r.read().decode(errors='replace')}"
    except urllib.error.HTTPError as e:
        return f"{e.code} {e.headers}{e.read().decode(errors='replace')}"


for server, name in ((flag, "--kafka-property"), (env, "KAFKA_PROPERTIES")):
    answers = "".join(raw_get(server.port, p) for p in PATHS)
    h.check('"name":"lin"' in answers.replace(" ", ""),
            f"{name}: the server serves the model and answers {len(PATHS)} paths")
    h.check(SECRET not in answers and KEY_SECRET not in answers,
            f"{name}: no secret in any HTTP answer ({len(answers)} bytes read)")
    h.check(h.stop(server) == 0, f"{name}: exits 0 on SIGTERM")
    log = h.read_log(server)
    h.check("now serving model 'lin'" in log and "stopped:" in log,
            f"{name}: the log covers the whole run ({len(log.splitlines())} lines)")
    h.check(SECRET not in log and KEY_SECRET not in log,
            f"{name}: no secret in the log")
    if server is flag:
        h.check("sasl.password = [redacted]" in log,
                "--kafka-property: librdkafka's configuration dump names sasl.password, "
                "redacted")

typo = subprocess.run([f"{h.BUILD}/modelserver", "--brokers", broker.address,
                       "--port", "0", "-X", f"sasl.pasword={SECRET}"],
                      capture_output=True, text=True, timeout=30)
h.check(typo.returncode == 2 and "'sasl.pasword' does not exist" in typo.stderr,
        "a misspelt property is a usage error naming it (exit 2)")
h.check(SECRET not in typo.stdout + typo.stderr, "a misspelt property's value is not shown")

code = sasl.wait(90)
log = h.read_log(sasl)
h.check(code == 1 and "SASL Handshake not supported by broker" in log,
        "SASL/PLAIN: the embedded broker has no SASL; the server gives up (exit 1)")
h.check(SECRET not in log, f"SASL/PLAIN: no password in {len(log.splitlines())} log lines")
print("1 passed, 0 failed")
