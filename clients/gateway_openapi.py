"""The gateway API's OpenAPI 3.1 document, generated from the msgspec Structs.

Schemas come from `msgspec.json.schema_components` over the request and response
Structs of `gateway_schema` (and through them every message kind), so the document
cannot disagree with what the server decodes and encodes. Only the paths, which are
not types, are written here.
"""

from __future__ import annotations

from typing import Any, Final

import msgspec

from .gateway_api import KIND_FILTER
from .gateway_erasure import ErasureView
from .gateway_evidence import EvidenceRecord
from .gateway_links import MAX_WINDOW, LinksView
from .gateway_openapi_rules import MAX_ATTACHMENTS, SEND_EXAMPLE, tighten
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


_PROBLEM_TEXT: Final = {
    400: "Malformed request: a parameter, the request document or the message body does "
    "not match this document (`invalid-request`, `invalid-message`, `bad-parameter`, "
    "`empty-upload`, `invalid-attachment`; the detail names the path, never the value)",
    401: "Missing or unknown API key (`unauthorized`)",
    403: "The key's role may not do this (`forbidden`)",
    404: "No such message, thread or attachment at this gateway (`not-found`)",
    409: "No evidence kept for this message: a sent one, or stored before it was kept "
    "(`no-evidence`)",
    410: "The case data of this message was erased at this gateway (`erased`; the detail "
    "gives when and the legal basis); its metadata and evidence remain",
    413: "Over a size cap: `max_body`, the 256 KiB inline body, `max_upload` (`too-large`)",
    422: "Refused for what no schema can state. The body breaks a rule relating its own "
    "values (`body-rule`): two persons of one body share a `ref`, a period ends before it "
    "starts, two attachments name one object, a leader is not among the members, a "
    "`victim_ref` names no victim. Or the directory or this gateway's store says no: "
    "a recipient or network the directory does not hold or lists inactive "
    "(`unknown-recipient`); `in_reply_to` naming no message stored here while neither "
    "`to` nor `network` is given (`no-recipient`); an upload id not of this key "
    "(`unknown-upload`); an identifier found in free text (`identifier-in-free-text`, "
    "with `field` and `identifier`); a disclosure policy forbids (`minimisation`); a "
    "status update its thread's state machine refuses or this authority may not send "
    "(`refused`, `code`: `invalid_transition` or `not_thread_party`); an "
    "`Idempotency-Key` reused for another request (`idempotency-key-reused`)",
    502: "The attachment failed verification before its first byte (`attachment-invalid`)",
    503: "NATS, the directory or the evidence store cannot be reached; nothing was done; "
    "retry (`unavailable`)",
    507: "This authority's evidence bucket is at its byte quota; nothing of the upload was "
    "kept (`quota-exceeded`, the detail gives the quota and what the bucket holds)",
}


def _problems(*statuses: int) -> dict[str, Any]:
    text = _PROBLEM_TEXT
    return {
        str(s): {"description": text[s], "content": {_PROBLEM: {"schema": _ref("Problem")}}}
        for s in statuses
    }


def _required(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {**_param(name, "query", schema, description), "required": True}


def _param(name: str, where: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "schema": schema,
        "description": description,
    }


_HEX_ID: Final = {"type": "string", "pattern": "^[0-9a-f]{32}$(?!\\n)"}
_UINT: Final = {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}
_MESSAGE_ID: Final = _param("message_id", "path", _HEX_ID, "message id (hex)")


def _paths(attachments: bool) -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/v1/messages": {
            "post": {
                "operationId": "sendMessage",
                "summary": "Minimise, seal and send a message",
                "parameters": [
                    _param(
                        "Idempotency-Key",
                        "header",
                        {"type": "string", "pattern": "^[\\x21-\\x7e]{1,255}$(?!\\n)"},
                        "a repeated key gets the first request's answer (another request "
                        "under the same key: 422)",
                    )
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": _ref("SendRequest"),
                            "examples": {"caseReferral": {"value": SEND_EXAMPLE}},
                        }
                    },
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
                    _param("after", "query", _UINT, "cursor (default 0)"),
                    _param("since", "query", _UINT, "accepted at or after (UTC ms)"),
                    _param(
                        "kind",
                        "query",
                        {"type": "string", "pattern": KIND_FILTER},
                        "message kind (a name no message has matches nothing)",
                    ),
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
                    **_problems(400, 401, 404, 410),
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
        "/v1/messages/{message_id}/links": {
            "get": {
                "operationId": "getLinks",
                "summary": "Stored victims and witnesses that are the same person as one of "
                "this message's, by pseudonyms and name encodings",
                "parameters": [
                    _MESSAGE_ID,
                    _param(
                        "window",
                        "query",
                        {"type": "integer", "minimum": 1, "maximum": MAX_WINDOW},
                        "how many of the most recent stored messages to compare (default 2000)",
                    ),
                ],
                "responses": {
                    "200": _json("LinksView", "Candidates per person"),
                    **_problems(400, 401, 404, 410),
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
        "/v1/threads/{thread_id}/erasure": {
            "get": {
                "operationId": "getErasure",
                "summary": "The thread's erasures here, and which recipients confirmed them "
                "(system keys only)",
                "parameters": [_param("thread_id", "path", _HEX_ID, "thread id (hex)")],
                "responses": {
                    "200": _json("ErasureView", "The erasures and their notices"),
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
                    **_problems(400, 401, 404, 410),
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
                    _required(
                        "file_name",
                        {"type": "string", "maxLength": 200, "example": "statement-W1.mp4"},
                        "file name (travels encrypted)",
                    ),
                    _required(
                        "victim_level",
                        {"enum": ["none", "pseudonymised", "disclosed"]},
                        "identifier level of the content",
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
                    "description": "The file, at least one byte. Its `Content-Type` is "
                    "recorded as the media type: a lower-case `type/subtype` without "
                    "parameters (anything else: 400).",
                    "content": {
                        "application/octet-stream": {
                            "schema": {"type": "string", "format": "binary", "minLength": 1},
                            "example": "statement",
                        }
                    },
                },
                "responses": {
                    "201": _json("UploadResult", "Stored, encrypted"),
                    **_problems(400, 401, 413, 503, 507),
                },
            }
        }
        paths["/v1/messages/{message_id}/attachments/{n}"] = {
            "get": {
                "operationId": "downloadAttachment",
                "summary": "An attachment of a message, decrypted as it streams",
                "parameters": [
                    _MESSAGE_ID,
                    _param(
                        "n",
                        "path",
                        {"type": "integer", "minimum": 0, "maximum": MAX_ATTACHMENTS - 1},
                        "index in the body's `attachments`",
                    ),
                ],
                "responses": {
                    "200": {"description": "The plaintext", "content": {"*/*": {}}},
                    **_problems(400, 401, 404, 410, 502, 503),
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
        UploadResult, WebhookPayload, Problem, EvidenceRecord, Status, ErasureView, LinksView,
    ]  # fmt: skip
    _, components = msgspec.json.schema_components(types, ref_template=_REF)
    tighten(components)
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
