#!/usr/bin/env python3
"""A Docker endpoint that answers only the version handshake and pings:
enough for the app controller to call the engine Started, while every
other call (what the engine controller's full sync needs) fails with 500.
Usage: fake-docker-api.py SOCKET"""

import http.server
import json
import os
import socketserver
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, status, body, content_type="application/json"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Api-Version", "1.41")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path.endswith("/_ping"):
            self.reply(200, "OK", "text/plain")
        elif path.endswith("/version"):
            self.reply(200, json.dumps({"Version": "20.10.0-fake", "ApiVersion": "1.41", "MinAPIVersion": "1.12"}))
        else:
            self.reply(500, json.dumps({"message": "fake engine: " + path + " is not implemented"}))

    do_HEAD = do_GET

    def do_POST(self):
        self.reply(500, json.dumps({"message": "fake engine: not implemented"}))

    def address_string(self):
        return "unix"

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


if __name__ == "__main__":
    socket_path = sys.argv[1]
    if os.path.exists(socket_path):
        os.unlink(socket_path)
    Server(socket_path, Handler).serve_forever()
