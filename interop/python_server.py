"""The interop counterpart of demo-server, instrumented by the OpenTelemetry Python SDK.

A tiny WSGI server: `GET /` runs a SERVER span (opentelemetry-instrumentation-wsgi, parent read
from the request's `traceparent`), an INTERNAL span `parent`, and a CLIENT span for an outbound
GET to the upstream (opentelemetry-instrumentation-requests, which injects `traceparent`).
Spans go to `--spans FILE` as JSON lines. Prints `python-server: listening on URL` once ready.

    python3 interop/python_server.py --port 0 --upstream http://127.0.0.1:9000/wiki/Rabbit --spans spans.jsonl
"""

import argparse
import signal
import sys
from wsgiref.simple_server import WSGIRequestHandler, make_server

import requests
from opentelemetry import trace
from opentelemetry.instrumentation.requests import RequestsInstrumentor
from opentelemetry.instrumentation.wsgi import OpenTelemetryMiddleware
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from spans_jsonl import JsonLinesExporter


class QuietHandler(WSGIRequestHandler):
    """No access log on stderr."""

    def log_message(self, format, *args):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8083, help="0 picks a free port")
    parser.add_argument("--upstream", required=True, help="URL of the outbound GET")
    parser.add_argument("--spans", required=True, help="file the spans are appended to")
    args = parser.parse_args()

    provider = TracerProvider(resource=Resource.create({"service.name": "python-server"}))
    provider.add_span_processor(SimpleSpanProcessor(JsonLinesExporter(args.spans)))
    trace.set_tracer_provider(provider)
    RequestsInstrumentor().instrument()
    tracer = trace.get_tracer("interop.python_server")

    def app(environ, start_response):
        if environ.get("PATH_INFO") != "/" or environ.get("REQUEST_METHOD") != "GET":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found\n"]
        with tracer.start_as_current_span("parent"):
            try:
                status = requests.get(args.upstream, timeout=10).status_code
            except requests.RequestException as error:
                start_response("502 Bad Gateway", [("Content-Type", "text/plain")])
                return [f"upstream {args.upstream} failed: {error}\n".encode()]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"upstream answered {status}\n".encode()]

    server = make_server(args.host, args.port, OpenTelemetryMiddleware(app), handler_class=QuietHandler)

    def stop(signum, frame):
        provider.shutdown()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"python-server: listening on http://{args.host}:{server.server_port}/", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
