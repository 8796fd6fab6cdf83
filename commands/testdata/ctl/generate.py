#!/usr/bin/env python3
"""Records kubectl 1.33's printer output as test vectors (vectors.json).

Object printers (-o json/yaml/name) render offline with `annotate --local`,
which prints the object it reads. Tables and custom columns need `get`, so a
fake API server (fake_apiserver.py) answers with the files in tables/ and
objects/. Run it again after changing the inputs; it needs only kubectl and
python3."""
import glob, json, os, shutil, socket, subprocess, tempfile, time

KUBECTL = os.environ.get("KUBECTL", "/usr/lib/google-cloud-sdk/bin/kubectl.1.33")
HERE = os.path.dirname(os.path.abspath(__file__))

def kubectl(args, env):
    p = subprocess.run([KUBECTL, *args], capture_output=True, env=env)
    err = p.stderr.decode().strip()
    return {"ok": p.returncode == 0, "stdout": p.stdout.decode(), "error": err.splitlines()[0] if err else ""}

vectors = {"objects": [], "tables": [], "custom_columns": []}
offline = dict(os.environ, KUBECONFIG="/nonexistent")
for path in sorted(glob.glob(os.path.join(HERE, "objects", "*.json"))):
    name = os.path.basename(path)
    base = ["annotate", "--local", "-f", path, "absent-"]
    entry = {"file": name, "input": json.loads(kubectl(base + ["-o", "json"], offline)["stdout"])}
    for fmt in ("json", "yaml", "name"):
        entry[fmt] = kubectl(base + ["-o", fmt], offline)["stdout"]
    vectors["objects"].append(entry)

# config view reads only the kubeconfig.
vectors["config_view"] = []
config_env = dict(os.environ, KUBECONFIG=os.path.join(HERE, "kubeconfig.yaml"))
for flags in ([], ["--minify"], ["--raw"], ["--flatten"], ["--minify", "--flatten"], ["-o", "json"], ["-o", "json", "--minify"],
              ["--context=other", "--minify"], ["--context=missing", "--minify"], ["-o", "jsonpath={.users[*].name}"],
              ["-o", "jsonpath={.clusters[0].cluster}"], ["-o", "yaml", "--raw", "--minify"]):
    vectors["config_view"].append({"kubeconfig": "kubeconfig.yaml", "flags": flags, **kubectl(["config", "view", *flags], config_env)})
empty = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
empty.write("apiVersion: v1\nkind: Config\n"); empty.close()
for flags in ([], ["-o", "json"], ["--minify"]):
    vectors["config_view"].append({"kubeconfig": "", "flags": flags, **kubectl(["config", "view", *flags], dict(os.environ, KUBECONFIG=empty.name))})
os.remove(empty.name)

# Objects kubectl prints from Go structs: create configmap/secret/namespace.
CREATE = {"configmap": ["create", "configmap", "x", "--from-literal=b=2", "--from-literal=a=1"],
          "secret": ["create", "secret", "generic", "s", "--from-literal=k=v"],
          "namespace": ["create", "namespace", "n"]}
CLIENT_SIDE = {"configmap": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"a": "1", "b": "2"}},
               "secret": {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"k": "dg=="}},
               "namespace": {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}}}
vectors["typed"] = []
for kind, args in CREATE.items():
    for fmt in ("json", "yaml", "name"):
        vectors["typed"].append({"input": CLIENT_SIDE[kind], "show_managed_fields": False, "output": fmt,
                                 **kubectl(args + ["--dry-run=client", "-o", fmt], offline)})

work = tempfile.mkdtemp()
shutil.copy(os.path.join(HERE, "fake_apiserver.py"), work)
shutil.copy(os.path.join(HERE, "discovery.json"), work)
sock = socket.socket(); sock.bind(("127.0.0.1", 0)); port = sock.getsockname()[1]; sock.close()
server = subprocess.Popen(["python3", os.path.join(work, "fake_apiserver.py"), str(port)])
try:
    kubeconfig = os.path.join(work, "kubeconfig")
    with open(kubeconfig, "w") as f:
        f.write(f"""apiVersion: v1
kind: Config
clusters:
- cluster: {{server: "http://127.0.0.1:{port}"}}
  name: fake
contexts:
- context: {{cluster: fake, user: u, namespace: default}}
  name: fake
current-context: fake
users:
- name: u
  user: {{}}
""")
    online = dict(os.environ, KUBECONFIG=kubeconfig)
    time.sleep(0.5)
    flag_sets = [[], ["-o", "wide"], ["--no-headers"], ["--show-labels"], ["-A"],
                 ["-A", "-o", "wide", "--show-labels"], ["-L", "a", "-L", "app.kubernetes.io/part-of", "-L", "x/b"],
                 ["-A", "--no-headers", "-L", "a"], ["-o", "wide", "-L", "k/x", "--show-labels"]]
    for path in sorted(glob.glob(os.path.join(HERE, "tables", "*.json"))):
        shutil.copy(path, os.path.join(work, "table.json"))
        for flags in flag_sets:
            result = kubectl(["get", "configmaps", *flags], online)
            vectors["tables"].append({"file": os.path.basename(path), "flags": flags, "kind": None, **result})
        result = kubectl(["get", "configmaps,apps"], online)
        vectors["tables"].append({"file": os.path.basename(path), "flags": [], "kind": ["configmap", "app.app.rancherdesktop.io"], **result})
    # Watch: the list, then the events of watch.json, each flushed on its own.
    shutil.copy(os.path.join(HERE, "tables", "configmaps.json"), os.path.join(work, "table.json"))
    shutil.copy(os.path.join(HERE, "watch.json"), os.path.join(work, "watch.json"))
    vectors["watch"] = []
    for flags in (["-w"], ["-w", "--output-watch-events", "-A"], ["-w", "--watch-only"]):
        vectors["watch"].append({"flags": flags, **kubectl(["get", "configmaps", *flags], online)})
    os.remove(os.path.join(work, "watch.json"))
    os.remove(os.path.join(work, "table.json"))
    items = [json.load(open(os.path.join(HERE, "objects", f))) for f in ("app.json", "pod_like.json", "nested.json")]
    with open(os.path.join(work, "list.json"), "w") as f:
        json.dump({"apiVersion": "v1", "kind": "ConfigMapList", "metadata": {"resourceVersion": "7"}, "items": items}, f)
    specs = ["NAME:.metadata.name,M:.spec.m,S:.spec.s,T:.spec.t,E:.spec.e,MISSING:.spec.zzz,L:.spec.list,LL:.spec.list[*],F:{.spec.f},LAB:metadata.labels",
             "A:.spec.n,B:.metadata.name", "NAME:{.metadata.name},KIND:kind,READY:.status.conditions[?(@.type==\"Ready\")].status",
             "X:.spec.list[5]", "bad", "A:{.a}{.b}", "", "A:.a[", "N:.metadata.name,EMPTY:", "LONG_HEADER_NAME:.metadata.namespace,V:.spec.replicas"]
    for spec in specs:
        for flags in ([], ["--no-headers"]):
            result = kubectl(["get", "configmaps", "-o", "custom-columns=" + spec, *flags], online)
            vectors["custom_columns"].append({"spec": spec, "no_headers": bool(flags), **result})
    # wait --for against one object (--timeout=0: a single GET, no watch).
    shutil.copy(os.path.join(HERE, "objects", "pod_like.json"), os.path.join(work, "object.json"))
    vectors["wait"] = []
    with open(os.path.join(HERE, "wait_conditions.txt")) as f:
        conditions = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]
    for condition in conditions:
        vectors["wait"].append({"for": condition, **kubectl(["wait", "configmaps/demo", "--for=" + condition, "--timeout=0"], online)})
    os.remove(os.path.join(work, "object.json"))
    vectors["api_resources"] = []
    for flags in ([], ["-o", "wide"], ["-o", "name"], ["--namespaced=true"], ["--namespaced=false"], ["--no-headers"],
                  ["--sort-by=kind"], ["--sort-by=name"], ["--api-group=app.rancherdesktop.io"], ["--api-group="],
                  ["--verbs=list,watch"], ["--verbs=create"], ["-o", "wide", "--no-headers"], ["-o", "name", "--sort-by=kind"]):
        vectors["api_resources"].append({"flags": flags, **kubectl(["api-resources", *flags], online)})
    for kind, args in CREATE.items():
        created = json.load(open(os.path.join(HERE, "created", kind + ".json")))
        shutil.copy(os.path.join(HERE, "created", kind + ".json"), os.path.join(work, "created.json"))
        for fmt, extra in (("json", []), ("yaml", []), ("name", []), ("json", ["--show-managed-fields"]), ("yaml", ["--show-managed-fields"])):
            vectors["typed"].append({"input": created, "show_managed_fields": bool(extra), "output": fmt,
                                     **kubectl(args + ["-o", fmt, *extra], online)})
        os.remove(os.path.join(work, "created.json"))
    vectors["list"] = {"input": json.load(open(os.path.join(work, "list.json"))),
                       "json": kubectl(["get", "configmaps", "-o", "json"], online)["stdout"],
                       "yaml": kubectl(["get", "configmaps", "-o", "yaml"], online)["stdout"],
                       "name": kubectl(["get", "configmaps", "-o", "name"], online)["stdout"]}
finally:
    server.kill()
    shutil.rmtree(work)
json.dump(vectors, open(os.path.join(HERE, "vectors.json"), "w"), indent=1, sort_keys=True)
print(len(vectors["objects"]), "objects,", len(vectors["tables"]), "tables,", len(vectors["custom_columns"]), "custom-columns")
