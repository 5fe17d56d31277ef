#!/usr/bin/python3
"""The original's data and models, as its publisher sends them (every
*.pmml in name order, by value): each model this build supports serves all
1,599 rows with no record failing; a model it cannot load yet is rejected
with its reason while the previous one keeps serving. Skipped without
../shared/data.
"""
import subprocess

import harness as h

shared = h.shared_data_or_skip("winequality_red.csv", "winequalityLinearRegression.pmml",
                               "winequalityDecisionTreeClassification.pmml",
                               "winequalityDesisionTreeRegression.pmml")
broker = h.start_broker()
server = h.start_server(broker.address)
port = server.port
scored = 0
for name in ("winequalityDecisionTreeClassification", "winequalityDesisionTreeRegression",
             "winequalityLinearRegression"):
    subprocess.run(h.publisher(broker.address, "--no-data", "--once", "--models",
                               f"{shared}/{name}.pmml"), check=True, capture_output=True)
    h.wait_for(f"{name} serving", lambda: h.http_get(port, "/stats")["name"] == name)
    subprocess.run(h.publisher(broker.address, "--no-models", "--data-dir", shared,
                               "--once", "--data-interval", "0"), check=True,
                   capture_output=True)
    scored += 1599
    h.wait_for(f"1,599 rows scored by {name}",
               lambda: h.metrics(port).get('modelserver_records_total{outcome="scored"}') == scored)
    stats = h.http_get(port, "/stats")
    h.check(stats["usage"] == 1599, f"{name}: all 1,599 rows scored ({stats})")

m = h.metrics(port)
h.check(m.get('modelserver_records_total{outcome="failed"}') == 0, "no record failed to score")

# The whole directory, as the seed's publisher cycles it. Whatever does not
# load is rejected with a reason and never replaces a working model.
subprocess.run(h.publisher(broker.address, "--no-data", "--once", "--data-dir", shared,
                           "--model-interval", "0"), check=True, capture_output=True)
h.wait_for("every model message handled",
           lambda: sum(v for k, v in h.metrics(port).items()
                       if k.startswith("modelserver_model_updates_total")) >= 3 + 8)
m = h.metrics(port)
failed = m['modelserver_model_updates_total{outcome="failed"}']
log = h.read_log(server)
h.check(failed == log.count("rejected:"), f"{int(failed)} rejected model(s), each logged with a reason")
stats = h.http_get(port, "/stats")
h.check(stats["name"] != "None", f"a model keeps serving after the cycle ({stats['name']})")
print("1 passed, 0 failed")
