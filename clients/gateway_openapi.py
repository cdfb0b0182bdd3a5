"""The gateway API's OpenAPI 3.1 document, generated from the msgspec Structs.

Schemas come from `msgspec.json.schema_components` over the request and response
Structs of `gateway_schema` (and through them every message kind), so the document
cannot disagree with what the server decodes and encodes. Only the paths, which are
not types, are written here.
"""

from __future__ import annotations

from typing import Any, Final

import msgspec

from .gateway_evidence import EvidenceRecord
from .gateway_schema import (
    AckResult,
    MessageList,
    Problem,
    SendRequest,
    SendResult,
    Status,
    StoredMessage,
    ThreadView,
    UploadResult,
    WebhookPayload,
)

__all__ = ["openapi_document"]

_REF: Final = "#/components/schemas/{name}"
_PROBLEM: Final = "application/problem+json"


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": _REF.format(name=name)}


def _json(name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


def _problems(*statuses: int) -> dict[str, Any]:
    text = {
        400: "Malformed request or message body",
        401: "Missing or unknown API key",
        403: "The key's role may not do this",
        404: "Not found",
        409: "No evidence kept for this message (sent, or stored before it was kept)",
        413: "Body over the size cap",
        422: "Refused: minimisation, unknown recipient, unknown upload, ...",
        503: "NATS or the broker is unavailable",
    }
    return {
        str(s): {"description": text[s], "content": {_PROBLEM: {"schema": _ref("Problem")}}}
        for s in statuses
    }


def _param(name: str, where: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "schema": schema,
        "description": description,
    }


_HEX_ID: Final = {"type": "string", "pattern": "^[0-9a-f]{32}$"}
_MESSAGE_ID: Final = _param("message_id", "path", _HEX_ID, "message id (hex)")


def _paths(attachments: bool) -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/v1/messages": {
            "post": {
                "operationId": "sendMessage",
                "summary": "Minimise, seal and send a message",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("SendRequest")}},
                },
                "responses": {
                    "201": _json("SendResult", "Sent: the broker has the envelope"),
                    "202": _json(
                        "SendResult",
                        "Queued: sealed and stored, the outbox publishes it; do not send again",
                    ),
                    **_problems(400, 401, 413, 422, 503),
                },
            },
            "get": {
                "operationId": "listMessages",
                "summary": "Received messages, oldest first",
                "parameters": [
                    _param("after", "query", {"type": "integer", "minimum": 0}, "cursor"),
                    _param(
                        "since",
                        "query",
                        {"type": "integer", "minimum": 0},
                        "accepted at or after (UTC ms)",
                    ),
                    _param("kind", "query", {"type": "string"}, "message kind"),
                    _param("thread", "query", _HEX_ID, "thread id (hex)"),
                    _param("unacknowledged", "query", {"type": "boolean"}, "only unacked"),
                    _param(
                        "limit",
                        "query",
                        {"type": "integer", "minimum": 1, "maximum": 500},
                        "page size (default 100)",
                    ),
                ],
                "responses": {"200": _json("MessageList", "A page"), **_problems(400, 401)},
            },
        },
        "/v1/messages/{message_id}": {
            "get": {
                "operationId": "getMessage",
                "summary": "One message with its full body",
                "parameters": [_MESSAGE_ID],
                "responses": {
                    "200": _json("StoredMessage", "The message"),
                    **_problems(400, 401, 404),
                },
            }
        },
        "/v1/messages/{message_id}/evidence": {
            "get": {
                "operationId": "getEvidence",
                "summary": "A received message's signed bytes, to verify offline",
                "parameters": [_MESSAGE_ID],
                "responses": {
                    "200": _json("EvidenceRecord", "The evidence record"),
                    **_problems(400, 401, 404, 409),
                },
            }
        },
        "/v1/status": {
            "get": {
                "operationId": "getStatus",
                "summary": "Connection, outbox, audit checkpoint and split view",
                "responses": {"200": _json("Status", "The status"), **_problems(401)},
            }
        },
        "/v1/messages/{message_id}/ack": {
            "post": {
                "operationId": "ackMessage",
                "summary": "The national system has the message (system keys only)",
                "parameters": [_MESSAGE_ID],
                "responses": {
                    "200": _json("AckResult", "Acknowledged"),
                    **_problems(400, 401, 403, 404),
                },
            }
        },
        "/v1/threads/{thread_id}": {
            "get": {
                "operationId": "getThread",
                "summary": "Sent and received messages of a thread, in order",
                "parameters": [_param("thread_id", "path", _HEX_ID, "thread id (hex)")],
                "responses": {
                    "200": _json("ThreadView", "The thread"),
                    **_problems(400, 401, 404),
                },
            }
        },
    }
    if attachments:
        paths["/v1/attachments"] = {
            "post": {
                "operationId": "uploadAttachment",
                "summary": "Encrypt and store an attachment, streamed",
                "parameters": [
                    _param(
                        "file_name",
                        "query",
                        {"type": "string", "maxLength": 200},
                        "file name (travels encrypted)",
                    ),
                    _param(
                        "victim_level",
                        "query",
                        {"enum": ["none", "pseudonymised", "disclosed"]},
                        "identifier level of the content (required)",
                    ),
                    _param(
                        "description",
                        "query",
                        {"type": "string", "maxLength": 200},
                        "optional description",
                    ),
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/octet-stream": {}, "*/*": {}},
                },
                "responses": {
                    "201": _json("UploadResult", "Stored, encrypted"),
                    **_problems(400, 401, 413, 503),
                },
            }
        }
        paths["/v1/messages/{message_id}/attachments/{n}"] = {
            "get": {
                "operationId": "downloadAttachment",
                "summary": "An attachment of a message, decrypted as it streams",
                "parameters": [
                    _MESSAGE_ID,
                    _param("n", "path", {"type": "integer", "minimum": 0}, "index in body"),
                ],
                "responses": {
                    "200": {"description": "The plaintext", "content": {"*/*": {}}},
                    **_problems(400, 401, 404, 503),
                },
            }
        }
    for item in paths.values():
        for operation in item.values():
            operation["security"] = [{"apiKey": []}]
    return paths


def openapi_document(*, version: str, attachments: bool) -> bytes:
    """The OpenAPI 3.1 document as JSON bytes (`attachments`: include those routes)."""
    types = [
        SendRequest, SendResult, MessageList, StoredMessage, ThreadView, AckResult,
        UploadResult, WebhookPayload, Problem, EvidenceRecord, Status,
    ]  # fmt: skip
    _, components = msgspec.json.schema_components(types, ref_template=_REF)
    signature = {
        "X-Palermo-Timestamp": {
            "description": "Unix seconds when the push was signed",
            "schema": {"type": "string", "pattern": "^[0-9]+$"},
            "required": True,
        },
        "X-Palermo-Message-Id": {
            "description": "The message id (hex), covered by the signature: de-duplicate on it",
            "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
            "required": True,
        },
        "X-Palermo-Signature": {
            "description": 'sha256=<hex HMAC-SHA256(secret, timestamp "." message id "." body)>',
            "schema": {"type": "string", "pattern": "^sha256=[0-9a-f]{64}$"},
            "required": True,
        },
    }
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": "Palermo national gateway",
            "version": version,
            "description": "REST API of an authority's Palermo gateway. Errors are RFC 9457 "
            "problem documents; ids are lowercase hex; bytes inside message bodies are base64.",
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "paths": _paths(attachments),
        "webhooks": {
            "messageReceived": {
                "post": {
                    "summary": "A received message, pushed until a 2xx answer or an ack",
                    "parameters": [
                        {"name": name, "in": "header", **spec} for name, spec in signature.items()
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("WebhookPayload")}},
                    },
                    "responses": {"200": {"description": "Taken; any 2xx acknowledges"}},
                }
            }
        },
        "components": {
            "schemas": components,
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
        },
    }
    return msgspec.json.encode(document)
