"""Traces through OpenTelemetry, configured only by its standard environment variables.

Nothing is traced unless an OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT or
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) or OTEL_TRACES_EXPORTER=otlp. Then each
request is a server span named by its route, with a child span per database
statement (its text, never its parameters), exported over OTLP/HTTP in batches.
"""

import os

from fastapi import FastAPI
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, OTELResourceDetector, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

PROTOCOL = "http/protobuf"
DEFAULT_SERVICE_NAME = {{ cookiecutter.project_slug | py_str }}


def provider_from_environment() -> TracerProvider | None:
    """A provider that exports in batches over OTLP/HTTP, or None when tracing is off.

    The exporter, the batches, the sampler (OTEL_TRACES_SAMPLER) and the
    resource read their own variables; the service's name defaults to the
    project's.
    """
    env = os.environ
    exporter = env.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    endpoint = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or env.get(
        "OTEL_EXPORTER_OTLP_ENDPOINT"
    )
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true" or exporter == "none":
        return None
    if exporter not in ("", "otlp"):
        raise SystemExit(
            f"invalid settings: OTEL_TRACES_EXPORTER: only otlp is supported, not {exporter!r}"
        )
    if not (exporter or endpoint):
        return None
    protocol = env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or env.get(
        "OTEL_EXPORTER_OTLP_PROTOCOL", PROTOCOL
    )
    if protocol != PROTOCOL:
        raise SystemExit(
            f"invalid settings: OTEL_EXPORTER_OTLP_PROTOCOL: only {PROTOCOL} is supported"
        )
    # OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the default name.
    resource = Resource.create({SERVICE_NAME: DEFAULT_SERVICE_NAME}).merge(
        OTELResourceDetector().detect()
    )
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def trace_requests(app: FastAPI, provider: TracerProvider) -> None:
    """A server span per request, named by its route template."""
    # Spans per ASGI message would only repeat the request's.
    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=provider, exclude_spans=["receive", "send"]
    )
