"""Prometheus metrics of one broker process, on a registry of its own (no globals)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    """Counters and gauges the worker, sweeper and sequencer update; `/metrics` renders."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.accepted = Counter(
            "palermo_messages_accepted", "Envelopes accepted", registry=self.registry
        )
        self.rejected = Counter(
            "palermo_messages_rejected",
            "Envelopes rejected, by code",
            ["code"],
            registry=self.registry,
        )
        self.internal_failures = Counter(
            "palermo_internal_failures",
            "Envelopes whose processing raised unexpectedly (nak'ed; dead-lettered in the end)",
            registry=self.registry,
        )
        self.delivered = Counter(
            "palermo_deliveries_published",
            "Deliveries put in recipients' inboxes",
            registry=self.registry,
        )
        self.dead_lettered = Counter(
            "palermo_dead_lettered",
            "Envelopes moved to the dead-letter stream, by reason",
            ["reason"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "palermo_pipeline_latency_seconds",
            "From JetStream ingress time to the ack of the processed envelope",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.audit_tree_size = Gauge(
            "palermo_audit_tree_size",
            "Size of the latest signed audit checkpoint",
            registry=self.registry,
        )
        self.consumer_lag = Gauge(
            "palermo_consumer_lag",
            "Messages waiting, by consumer",
            ["consumer"],
            registry=self.registry,
        )
        self.audit_failures = Counter(
            "palermo_audit_append_failures",
            "Failed audit appends (readiness fails meanwhile)",
            registry=self.registry,
        )
        self.api_shed = Counter(
            "palermo_api_requests_shed",
            "Request-API (proof, checkpoint) requests dropped unanswered or answered"
            " `overloaded`, by reason (rate, queue_full)",
            ["reason"],
            registry=self.registry,
        )
        self.witness_requests = Counter(
            "palermo_witness_requests",
            "add-checkpoint requests to the configured witnesses, by witness and outcome"
            " (cosigned or failed)",
            ["witness", "outcome"],
            registry=self.registry,
        )
        self.cosigned_size = Gauge(
            "palermo_cosigned_checkpoint_size",
            "Size of the latest checkpoint published with witness cosignatures",
            registry=self.registry,
        )
        self.api_answered = Counter(
            "palermo_api_requests_answered",
            "Request-API requests answered, by outcome (ok or an error code)",
            ["outcome"],
            registry=self.registry,
        )
