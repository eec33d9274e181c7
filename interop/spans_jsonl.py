"""A span exporter of the OpenTelemetry Python SDK writing one JSON object per ended span.

Shared by python_server.py and python_client.py; tests/tests/interop/interop_python.rs reads the lines.
"""

import json
import threading

from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult


class JsonLinesExporter(SpanExporter):
    """Appends each span to `path` as a line of JSON, flushed at once."""

    def __init__(self, path):
        self._file = open(path, "a", encoding="utf-8")
        self._lock = threading.Lock()

    def export(self, spans):
        with self._lock:
            for span in spans:
                context = span.get_span_context()
                parent = span.parent
                line = {
                    "name": span.name,
                    "kind": span.kind.name,
                    "trace_id": format(context.trace_id, "032x"),
                    "span_id": format(context.span_id, "016x"),
                    "trace_flags": format(int(context.trace_flags), "02x"),
                    "parent_span_id": format(parent.span_id, "016x") if parent else None,
                    "parent_is_remote": bool(parent.is_remote) if parent else False,
                    "status": span.status.status_code.name,
                    "attributes": {key: _plain(value) for key, value in (span.attributes or {}).items()},
                    "service": span.resource.attributes.get("service.name"),
                }
                self._file.write(json.dumps(line) + "\n")
            self._file.flush()
        return SpanExportResult.SUCCESS

    def shutdown(self):
        with self._lock:
            self._file.close()

    def force_flush(self, timeout_millis=30000):
        return True


def _plain(value):
    """Attribute values as JSON: sequences become lists."""
    if isinstance(value, (str, bool, int, float)):
        return value
    return list(value)
