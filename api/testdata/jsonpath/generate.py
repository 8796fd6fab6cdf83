#!/usr/bin/env python3
"""Records kubectl's JSONPath output for the templates in templates.txt as
test vectors (vectors.json). kubectl renders offline with
`annotate --local`, which prints the object it was given."""
import json, os, subprocess, sys

KUBECTL = os.environ.get("KUBECTL", "/usr/lib/google-cloud-sdk/bin/kubectl.1.33")
here = os.path.dirname(os.path.abspath(__file__))
env = dict(os.environ, KUBECONFIG="/nonexistent")

def run(*args):
    return subprocess.run([KUBECTL, "annotate", "--local", "-f", os.path.join(here, "object.yaml"), "absent-", *args],
                          capture_output=True, env=env)

obj = json.loads(run("-o", "json").stdout)
vectors = {"object": obj, "cases": []}
with open(os.path.join(here, "templates.txt")) as f:
    templates = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]
for t in templates:
    for output, allow in (("jsonpath", True), ("jsonpath", False), ("jsonpath-as-json", True)):
        p = run("-o", output + "=" + t, "--allow-missing-template-keys=" + str(allow).lower())
        err = p.stderr.decode()
        vectors["cases"].append({
            "template": t, "allow_missing": allow, "as_json": output == "jsonpath-as-json", "ok": p.returncode == 0,
            "stdout": p.stdout.decode(errors="replace"),
            "error": err.strip().splitlines()[0] if err.strip() else "",
        })
json.dump(vectors, open(os.path.join(here, "vectors.json"), "w"), indent=1, sort_keys=True)
print(len(vectors["cases"]), "vectors")
