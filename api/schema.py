"""The refusals every endpoint may answer, added to the OpenAPI description (drf-spectacular
documents only the 200 answer by itself), so that tools know what to expect."""

from __future__ import annotations

ERROR = {
    "type": "object",
    "description": "`detail` says why; a 400 names each bad parameter with a list of messages.",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
REFUSALS = {
    "400": "A parameter is unknown or has a bad value (or the format is unknown).",
    "401": "No token, or one that is not valid (expired, revoked).",
    "403": "You may see this survey but not its results.",
    "404": "Not found, or not yours to see (the two are answered alike); past the last page.",
    "429": "Too many requests with this token: try again after Retry-After seconds.",
}


def add_refusals(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    for path, methods in result["paths"].items():
        for operation in methods.values():
            codes = ["400", "401", "429"]  # 400: a bad parameter, or an unknown format
            if "{id}" in path or operation["operationId"].endswith("_list"):
                codes.append("404")
            if path.endswith("/results/"):
                codes.append("403")
            # A refusal comes in the format asked for (a list's CSV: one row per message).
            media_types = list(next(iter(operation["responses"].values()))["content"])
            for code in sorted(codes):
                operation["responses"][code] = {
                    "description": REFUSALS[code],
                    "content": {
                        media_type: {"schema": {"$ref": "#/components/schemas/Error"}}
                        for media_type in media_types
                    },
                }
    return result
