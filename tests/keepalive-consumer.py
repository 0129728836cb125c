#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""An O-RAN consumer that answers as Go's net/http does (cloud-event-proxy's
consumers): HTTP/1.1, connections kept, 204 without Content-Length. Prints
"listening", then "POST <path> connection=<n>" per request, n counting the
connections accepted. libsoup's own server closes after a 204, so the tests'
TestEndpoint cannot show whether the bridge keeps its connections.

    keepalive-consumer.py PORT
"""
import http.server
import socketserver
import sys

connections = 0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        global connections
        connections += 1
        self.connection_number = connections
        super().setup()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response_only(204)
        self.end_headers()
        print(f"POST {self.path} connection={self.connection_number}", flush=True)

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


with Server(("127.0.0.1", int(sys.argv[1])), Handler) as server:
    print("listening", flush=True)
    server.serve_forever()
