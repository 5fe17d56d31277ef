#!/usr/bin/python3
"""The Helm chart deploy/helm/modelserverchart, rendered without Helm by
tools/helmrender (Go's text/template plus Helm's functions, built here from
Debian's Go packages; its own go test checks those functions against
Helm's documented results), with the default values, with each engine, with the
store engine's StatefulSet, the Ingress, and each source of the
publisher's data. Each rendering must be YAML that yamllint accepts, and
the manifests (parsed with PyYAML) must have the kinds, names, ports,
probes and environment the values ask for. Values that make no sense
(an unknown engine, a StatefulSet for the stage engine) must fail.
"""
import os
import shutil
import subprocess

import yaml

import harness as h

SRC = os.environ.get("MS_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "../.."))
CHART = os.path.join(SRC, "deploy/helm/modelserverchart")
RELEASE = "ms"
SERVER, PUBLISHER = "ms-modelserverchart-server", "ms-modelserverchart-publisher"


def build_renderer():
    if not shutil.which("go"):
        h.skip("go is not installed (scripts/deps.sh installs golang-go)")
    out = os.path.join(h.BUILD, "helmrender")
    env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode", GOFLAGS="",
               GOCACHE=os.path.abspath(os.path.join(h.BUILD, "go-cache")))
    r = subprocess.run(["go", "build", "-o", out, "./tools/helmrender"], cwd=SRC, env=env,
                       capture_output=True, text=True)
    h.check(r.returncode == 0, f"tools/helmrender builds ({r.stderr.strip()[-500:]})")
    r = subprocess.run(["go", "test", "./tools/helmrender"], cwd=SRC, env=env, capture_output=True, text=True)
    h.check(r.returncode == 0, f"its functions behave as Helm documents them (go test: {(r.stdout + r.stderr).strip()[-500:]})")
    return out


def render(tool, values=None, expect_error=None):
    """The manifests for values (a dict merged over values.yaml), as
    {(kind, name): manifest}; or, with expect_error, the error text."""
    args = [tool, "-name", RELEASE, "-namespace", "serving"]
    if values is not None:
        path = os.path.join(h.tmpdir(), "values.yaml")
        with open(path, "w") as f:
            yaml.safe_dump(values, f)
        args += ["-f", path]
    r = subprocess.run(args + [CHART], capture_output=True, text=True)
    if expect_error:
        h.check(r.returncode != 0 and expect_error in r.stderr,
                f"values {values} are refused: {r.stderr.strip()}")
        return None
    h.check(r.returncode == 0, f"the chart renders with {values or 'the defaults'} ({r.stderr.strip()})")
    lint = subprocess.run(["yamllint", "--strict", "-c", os.path.join(SRC, ".yamllint"), "-"],
                          input=r.stdout, capture_output=True, text=True)
    h.check(lint.returncode == 0, f"yamllint accepts the output ({lint.stdout.strip()})")
    docs = [d for d in yaml.safe_load_all(r.stdout) if d]
    out = {}
    for d in docs:
        key = (d["kind"], d["metadata"]["name"])
        h.check(key not in out, f"one {key[0]} named {key[1]}")
        out[key] = d
    return out


def env_of(container):
    return {e["name"]: e["value"] for e in container.get("env", [])}


def check_server(m, kind, engine, port, extra_env=None):
    pod = m[(kind, SERVER)]["spec"]["template"]
    c = pod["spec"]["containers"][0]
    h.check(c["ports"] == [{"name": "http", "containerPort": port, "protocol": "TCP"}],
            f"{engine}: the {kind} exposes port {port} as http")
    h.check(c["livenessProbe"]["httpGet"] == {"path": "/health/live", "port": "http"}
            and c["readinessProbe"]["httpGet"] == {"path": "/health/ready", "port": "http"},
            f"{engine}: liveness on /health/live, readiness on /health/ready")
    env = env_of(c)
    want = {"ENGINE": engine, "MODEL_SERVER_PORT": str(port), "KAFKA_BROKERS_LIST": "kafka:9092",
            "DATA_TOPIC": "models_data", "MODELS_TOPIC": "models_models",
            "RESULTS_TOPIC": "models_results", "INFLUXDB_HOST": "influxdb", "INFLUXDB_PORT": "8086"}
    want.update(extra_env or {})
    h.check(all(env.get(k) == v for k, v in want.items()),
            f"{engine}: environment {dict((k, env.get(k)) for k in want)}")
    unknown = set(env) - SERVER_ENV - h.SEED_METRICS_VARIABLES
    h.check(not unknown, f"{engine}: every variable is one the server reads ({sorted(unknown)})")
    ann = pod["metadata"]["annotations"]
    h.check(ann == {"prometheus.io/scrape": "true", "prometheus.io/port": str(port),
                    "prometheus.io/path": "/metrics"}, f"{engine}: Prometheus scrape annotations {ann}")
    h.check(c["resources"]["requests"] == {"cpu": "500m", "memory": "256Mi"}, f"{engine}: resources")
    h.check(pod["spec"]["securityContext"]["runAsNonRoot"] is True, f"{engine}: runs as non-root")
    sel = m[(kind, SERVER)]["spec"]["selector"]["matchLabels"]
    h.check(all(pod["metadata"]["labels"].get(k) == v for k, v in sel.items()),
            f"{engine}: the selector matches the pod's labels")
    svc = m[("Service", SERVER)]["spec"]
    h.check(svc["ports"][0]["port"] == port and svc["ports"][0]["targetPort"] == "http"
            and svc["selector"] == sel, f"{engine}: the Service sends port {port} to the pods")
    return env, pod


def main():
    global SERVER_ENV, PUBLISHER_ENV
    SERVER_ENV, PUBLISHER_ENV = h.program_env_names("modelserver"), h.program_env_names("publisher")
    tool = build_renderer()

    m = render(tool)
    h.check(sorted(m) == [("Deployment", PUBLISHER), ("Deployment", SERVER), ("Service", SERVER)],
            f"defaults: server Deployment, its Service, publisher Deployment ({sorted(m)})")
    env, _ = check_server(m, "Deployment", "stage", 5500)
    h.check("KAFKA_PROPERTIES" not in env and "STATE_DIR" not in env, "defaults: no properties, no state dir")
    pub = m[("Deployment", PUBLISHER)]["spec"]["template"]["spec"]
    penv = env_of(pub["containers"][0])
    h.check(penv["KAFKA_BROKERS_LIST"] == "kafka:9092" and penv["DATA_PUBLISH_INTERVAL"] == "1 second"
            and penv["MODEL_PUBLISH_INTERVAL"] == "5 minutes"
            and penv["DATA_DIRECTORY"] == "/usr/share/modelserver/data"
            and penv["DATA_FILENAME"] == "winequality_demo.csv",
            f"defaults: the publisher reads the image's demo data ({penv})")
    h.check("volumes" not in pub and "initContainers" not in pub, "defaults: the publisher needs no volume")
    h.check(set(penv) <= PUBLISHER_ENV, f"defaults: every publisher variable is one it reads ({sorted(penv)})")

    m = render(tool, {"engine": "store", "replicas": 3, "server": {"threads": 4},
                      "kafka": {"brokers": "k1:9092,k2:9092",
                                "properties": {"security.protocol": "SSL", "acks": "all"}}})
    env, _ = check_server(m, "Deployment", "store", 8888, {
        "KAFKA_BROKERS_LIST": "k1:9092,k2:9092", "THREADS": "4",
        "KAFKA_PROPERTIES": "acks=all,security.protocol=SSL"})
    h.check(m[("Deployment", SERVER)]["spec"]["replicas"] == 3, "store: 3 replicas")
    h.check(env_of(m[("Deployment", PUBLISHER)]["spec"]["template"]["spec"]["containers"][0])
            ["KAFKA_BROKERS_LIST"] == "k1:9092,k2:9092", "store: the publisher uses the same brokers")

    m = render(tool, {"engine": "store", "server": {"port": 9000, "stateful": {
        "enabled": True, "size": "5Gi", "storageClass": "fast"}}, "publisher": {"enabled": False}})
    h.check(sorted(m) == [("Service", SERVER), ("Service", SERVER + "-headless"), ("StatefulSet", SERVER)],
            f"stateful: a StatefulSet, its Service and headless Service, no publisher ({sorted(m)})")
    env, pod = check_server(m, "StatefulSet", "store", 9000, {"STATE_DIR": "/var/lib/modelserver"})
    sts = m[("StatefulSet", SERVER)]["spec"]
    claim = sts["volumeClaimTemplates"][0]
    h.check(sts["serviceName"] == SERVER + "-headless" and claim["metadata"]["name"] == "state"
            and claim["spec"]["resources"]["requests"]["storage"] == "5Gi"
            and claim["spec"]["storageClassName"] == "fast",
            "stateful: a 5Gi claim of class fast per pod")
    h.check(pod["spec"]["containers"][0]["volumeMounts"] == [{"name": "state", "mountPath": "/var/lib/modelserver"}],
            "stateful: the claim is mounted at the state directory")
    h.check(m[("Service", SERVER + "-headless")]["spec"]["clusterIP"] == "None", "stateful: headless Service")

    m = render(tool, {"ingress": {"enabled": True, "className": "nginx", "host": "serving.example.com"}})
    ing = m[("Ingress", SERVER)]
    rule = ing["spec"]["rules"][0]
    h.check(ing["apiVersion"] == "networking.k8s.io/v1" and ing["spec"]["ingressClassName"] == "nginx"
            and rule["host"] == "serving.example.com"
            and rule["http"]["paths"][0]["backend"]["service"] == {"name": SERVER, "port": {"name": "http"}},
            "ingress: serving.example.com to the server's Service")

    m = render(tool, {"publisher": {"data": {"source": "configMap", "configMap": {"name": "wine-data"}}}})
    pub = m[("Deployment", PUBLISHER)]["spec"]["template"]["spec"]
    h.check(pub["volumes"] == [{"name": "data", "configMap": {"name": "wine-data"}}]
            and env_of(pub["containers"][0])["DATA_DIRECTORY"] == "/data"
            and pub["containers"][0]["volumeMounts"][0]["mountPath"] == "/data",
            "publisher: data from an existing ConfigMap mounted at /data")
    m = render(tool, {"publisher": {"data": {"source": "configMap", "configMap": {
        "files": {"wine.csv": "7.4;0.7;0;1.9;0.076;11;34;0.9978;3.51;0.56;9.4;5\n"}}}}})
    cm = m[("ConfigMap", PUBLISHER + "-data")]
    h.check(cm["data"] == {"wine.csv": "7.4;0.7;0;1.9;0.076;11;34;0.9978;3.51;0.56;9.4;5\n"}
            and m[("Deployment", PUBLISHER)]["spec"]["template"]["spec"]["volumes"][0]["configMap"]["name"]
            == PUBLISHER + "-data", "publisher: a ConfigMap made from inline files, mounted")
    m = render(tool, {"publisher": {"data": {"source": "volume",
                                             "volume": {"persistentVolumeClaim": {"claimName": "wine"}}}}})
    h.check(m[("Deployment", PUBLISHER)]["spec"]["template"]["spec"]["volumes"]
            == [{"name": "data", "persistentVolumeClaim": {"claimName": "wine"}}],
            "publisher: data from a PersistentVolumeClaim")
    m = render(tool, {"publisher": {"data": {"source": "url", "url": {"base": "https://data.example.com/wine"}}}})
    pub = m[("Deployment", PUBLISHER)]["spec"]["template"]["spec"]
    init = pub["initContainers"][0]
    h.check(pub["volumes"] == [{"name": "data", "emptyDir": {}}]
            and env_of(init) == {"BASE": "https://data.example.com/wine",
                                 "FILES": "winequality_red.csv winequalityDecisionTreeClassification.pmml"}
            and init["volumeMounts"] == [{"name": "data", "mountPath": "/data"}],
            "publisher: data fetched from a URL by an init container into an emptyDir")

    render(tool, {"engine": "akka"}, expect_error="engine must be stage or store")
    render(tool, {"server": {"stateful": {"enabled": True}}}, expect_error="is for engine: store")
    render(tool, {"publisher": {"data": {"source": "s3"}}}, expect_error="publisher.data.source must be")
    render(tool, {"publisher": {"data": {"source": "url"}}}, expect_error="publisher.data.url.base is required")
    print("1 passed, 0 failed")


main()
