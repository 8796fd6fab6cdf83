# A fake API server for recording kubectl output: discovery for configmaps,
# namespaces and apps, and whatever table.json / list.json hold beside it.
import json, http.server, sys, os
D = os.path.dirname(os.path.abspath(__file__))
DOCS = json.load(open(os.path.join(D, "discovery.json")))
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        path = self.path.split("?")[0]
        if "watch=true" in self.path or "watch=1" in self.path:
            # One watch stream: the events in watch.json, then the end.
            events = json.load(open(os.path.join(D, "watch.json"))) if os.path.exists(os.path.join(D, "watch.json")) else []
            # HTTP/1.0: the body lasts until the connection closes.
            self.send_response(200); self.send_header("Content-Type", "application/json"); self.end_headers()
            for event in events:
                self.wfile.write((json.dumps(event) + "\n").encode())
            return
        body = DOCS.get(path)
        single = os.path.join(D, "object.json")
        if body is None and os.path.exists(single):
            # A GET of one object by name serves object.json.
            obj = json.load(open(single))
            if path.rsplit("/", 1)[-1] == obj.get("metadata", {}).get("name"):
                body = obj
        if body is None:
            accept = self.headers.get("Accept", "")
            f = "table.json" if "as=Table" in accept else "list.json"
            if os.path.exists(os.path.join(D, f)):
                body = json.load(open(os.path.join(D, f)))
        if body is None:
            self.send_response(404); self.send_header("Content-Type", "application/json"); self.end_headers()
            self.wfile.write(b'{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}'); return
        data = json.dumps(body).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json"); self.send_header("Content-Length", str(len(data))); self.end_headers()
        self.wfile.write(data)
    def do_POST(self):
        # A create answers with created.json, as a server would after defaulting.
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        data = open(os.path.join(D, "created.json"), "rb").read()
        self.send_response(201); self.send_header("Content-Type", "application/json"); self.send_header("Content-Length", str(len(data))); self.end_headers()
        self.wfile.write(data)
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
