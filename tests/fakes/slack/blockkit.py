"""Block Kit validation: the limits Slack enforces on messages' blocks and on views, answered
with Slack's own error strings, so tests catch payloads the real API would reject."""

from __future__ import annotations

from typing import Any

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MODAL_TITLE = 24


def _too_long(value: object, limit: int, pointer: str) -> list[str]:
    if isinstance(value, str) and len(value) > limit:
        return [f"must be less than {limit + 1} characters [json-pointer:{pointer}]"]
    return []


def _text_of(obj: object) -> object:
    return obj.get("text") if isinstance(obj, dict) else None


def _element_errors(element: object, at: str) -> list[str]:
    if not isinstance(element, dict):
        return [f"missing required field: type [json-pointer:{at}]"]
    errors: list[str] = []
    if element.get("type") == "button":
        errors += _too_long(_text_of(element.get("text")), 75, f"{at}/text/text")
        errors += _too_long(element.get("value"), 2000, f"{at}/value")
        errors += _too_long(element.get("url"), 3000, f"{at}/url")
    errors += _too_long(element.get("action_id"), 255, f"{at}/action_id")
    options = element.get("options") or []
    if len(options) > 100:
        errors.append(f"no more than 100 items allowed [json-pointer:{at}/options]")
    if element.get("type") in ("checkboxes", "radio_buttons") and len(options) > 10:
        errors.append(f"no more than 10 items allowed [json-pointer:{at}/options]")
    if element.get("type") == "overflow":
        # An overflow menu holds two to five options.
        if len(options) > 5:
            errors.append(f"no more than 5 items allowed [json-pointer:{at}/options]")
        if len(options) < 2:
            errors.append(f"must provide at least 2 items [json-pointer:{at}/options]")
    for j, option in enumerate(options):
        errors += _too_long(_text_of(option.get("text")), 75, f"{at}/options/{j}/text/text")
        errors += _too_long(option.get("value"), 150, f"{at}/options/{j}/value")
    return errors


def block_errors(blocks: list[Any], pointer: str, max_blocks: int) -> list[str]:
    """Slack's error strings (without "[ERROR] ") for Block Kit limits the blocks break."""
    errors: list[str] = []
    if len(blocks) > max_blocks:
        errors.append(f"no more than {max_blocks} items allowed [json-pointer:{pointer}]")
    for i, block in enumerate(blocks):
        at = f"{pointer}/{i}"
        if not isinstance(block, dict) or "type" not in block:
            errors.append(f"missing required field: type [json-pointer:{at}]")
            continue
        kind = block["type"]
        errors += _too_long(block.get("block_id"), 255, f"{at}/block_id")
        if kind == "section":
            if (text := _text_of(block.get("text"))) and len(str(text)) > 3000:
                errors.append(f"failed to match all allowed schemas [json-pointer:{at}/text]")
                errors += _too_long(text, 3000, f"{at}/text/text")
            fields = block.get("fields") or []
            if len(fields) > 10:
                errors.append(f"no more than 10 items allowed [json-pointer:{at}/fields]")
            for j, field in enumerate(fields):
                errors += _too_long(_text_of(field), 2000, f"{at}/fields/{j}/text")
            if "accessory" in block:
                errors += _element_errors(block["accessory"], f"{at}/accessory")
        elif kind == "header":
            errors += _too_long(_text_of(block.get("text")), 150, f"{at}/text/text")
        elif kind in ("actions", "context"):
            elements = block.get("elements") or []
            limit = 25 if kind == "actions" else 10
            if len(elements) > limit:
                errors.append(f"no more than {limit} items allowed [json-pointer:{at}/elements]")
            if kind == "actions":
                for j, element in enumerate(elements):
                    errors += _element_errors(element, f"{at}/elements/{j}")
        elif kind == "input":
            errors += _too_long(_text_of(block.get("label")), 2000, f"{at}/label/text")
            errors += _element_errors(block.get("element"), f"{at}/element")
    return errors


def _is_input(block: object) -> bool:
    return isinstance(block, dict) and block.get("type") == "input"


def view_errors(view: dict[str, Any]) -> list[str]:
    """Slack's error strings (without "[ERROR] ") for a view it would refuse."""
    kind = view.get("type")
    if kind not in ("modal", "home"):
        return ["must be one of modal, home [json-pointer:/view/type]"]
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        return ["missing required field: blocks [json-pointer:/view]"]
    errors: list[str] = []
    if kind == "modal":
        title = _text_of(view.get("title"))
        if not title:
            errors.append("missing required field: title [json-pointer:/view]")
        errors += _too_long(title, MAX_MODAL_TITLE, "/view/title/text")
        inputs = [i for i, b in enumerate(blocks) if _is_input(b)]
        if inputs and not view.get("submit"):
            pointer = f"/view/blocks/{inputs[0]}"
            errors.append(f"must define submit to use input block [json-pointer:{pointer}]")
    errors += _too_long(view.get("private_metadata"), 3000, "/view/private_metadata")
    errors += _too_long(view.get("callback_id"), 255, "/view/callback_id")
    return errors + block_errors(blocks, "/view/blocks", MAX_VIEW_BLOCKS)
