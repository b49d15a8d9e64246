"""Turn the text of an untrusted YAML file (don-vi.yaml, danh-gia.yaml) into plain data,
with no aliases, bounded size and text keys only.

PyYAML's safe loader still expands aliases: ten lines of nested anchors make a billion
items (the "billion laughs"), and an alias to itself recurses without end. A unit file
never needs them, so an anchor or alias is refused as a syntax problem with its line.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_YAML_BYTES = 1024 * 1024  # a unit's YAML is a few kilobytes


class _NoAliasLoader(yaml.SafeLoader):
    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.composer.ComposerError(
                None, None, "không dùng bí danh YAML (& và *); hãy viết đầy đủ giá trị",
                event.start_mark)
        return super().compose_node(parent, index)


def load_untrusted(text: str) -> Any:
    """The data of `text`; yaml.YAMLError (with a mark) on bad syntax or an alias."""
    return yaml.load(text, Loader=_NoAliasLoader)


def odd_keys(value: Any, where: str = "") -> list[tuple[str, str]]:
    """(key path, problem) for every mapping key that is not a text: 123:, ~:, true:."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            if not isinstance(key, str):
                found.append((path, f"khóa «{key}» phải là chữ (tên khóa), không phải số, "
                                    "rỗng hay đúng/sai"))
            else:
                found.extend(odd_keys(item, path))
    elif isinstance(value, list):
        for index, item in enumerate(value, start=1):
            found.extend(odd_keys(item, f"{where}[{index}]"))
    return found
