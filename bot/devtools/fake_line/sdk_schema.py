"""LINE's request schemas as the SDK's own models describe them, for when the spec file is absent.

line-bot-sdk's pydantic models are generated from the same OpenAPI document
the fake reads from ``../shared``, so they carry the same field names,
required fields, lengths and list sizes. Rendering them back into an
OpenAPI-shaped document lets one schema check (``spec.OpenApiContract``) run
on either source: a violation gets the same error detail, and the same
property path, whether or not the shared file is there. The SDK checks a
few enums (flex sizes, box layouts) in validator code rather than in its
schema; without the file those are still refused, by the SDK check that runs
last, in pydantic's words.
"""

from __future__ import annotations

import inspect
from typing import Any

from linebot.v3 import messaging as sdk
from pydantic.v1 import BaseModel

from bot.devtools.fake_line.spec import SCHEMA_PREFIX

# Every discriminated base in the SDK picks its subtype by ``type``.
_DISCRIMINATOR = "type"


def sdk_document(request_models: dict[str, type[BaseModel]]) -> dict[str, Any]:
    """An OpenAPI document whose operations (``POST path -> model``) have the SDK's schemas."""
    models = [value for value in vars(sdk).values()
              if inspect.isclass(value) and issubclass(value, BaseModel)]
    schemas: dict[str, Any] = {}
    for model in models:
        schema = model.schema(by_alias=True, ref_template=SCHEMA_PREFIX + "{model}")
        schemas.update(schema.pop("definitions", {}))
        schemas[model.__name__] = schema
    for model in models:
        mapping = _discriminator_mapping(model)
        if mapping:
            schemas[model.__name__]["discriminator"] = {"propertyName": _DISCRIMINATOR,
                                                        "mapping": mapping}
    paths = {path: {"post": {"requestBody": {"content": {"application/json": {
        "schema": {"$ref": SCHEMA_PREFIX + model.__name__}}}}}}
        for path, model in request_models.items()}
    return {"paths": paths, "components": {"schemas": schemas}}


def _discriminator_mapping(model: type[BaseModel]) -> dict[str, str]:
    """``type`` value -> subtype schema, for the bases the SDK resolves by discriminator.

    Such a base declares ``get_discriminator_value``; each of its subclasses
    defaults ``type`` to the value that selects it (``TextMessage.type == "text"``).
    """
    if "get_discriminator_value" not in vars(model):
        return {}
    mapping = {}
    for subtype in model.__subclasses__():
        field = subtype.__fields__.get(_DISCRIMINATOR)
        if field is not None and isinstance(field.default, str):
            mapping[field.default] = SCHEMA_PREFIX + subtype.__name__
    return mapping
