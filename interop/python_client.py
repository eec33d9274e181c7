"""The interop counterpart of demo-client, instrumented by the OpenTelemetry Python SDK.

One GET from a root CLIENT span (opentelemetry-instrumentation-requests, which injects
`traceparent`); the span goes to `--spans FILE` as a JSON line. Exits 0 on a 2xx answer.

    python3 interop/python_client.py --url http://127.0.0.1:8082/ --spans spans.jsonl
"""

import argparse
import sys

import requests
from opentelemetry import trace
from opentelemetry.instrumentation.requests import RequestsInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from spans_jsonl import JsonLinesExporter


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8082/")
    parser.add_argument("--spans", required=True, help="file the span is appended to")
    args = parser.parse_args()

    provider = TracerProvider(resource=Resource.create({"service.name": "python-client"}))
    provider.add_span_processor(SimpleSpanProcessor(JsonLinesExporter(args.spans)))
    trace.set_tracer_provider(provider)
    RequestsInstrumentor().instrument()

    try:
        response = requests.get(args.url, timeout=10)
    except requests.RequestException as error:
        print(f"python-client: GET {args.url} failed: {error}", file=sys.stderr)
        provider.shutdown()
        return 1
    print(f"python-client: {args.url}: {response.text}", end="", file=sys.stderr)
    provider.shutdown()
    return 0 if 200 <= response.status_code < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
