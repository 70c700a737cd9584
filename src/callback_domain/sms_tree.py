"""The SMS catalog as people see it: senders, and the category tree with its templates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from callback_domain.sms_catalog import SmsCatalog


def template_tree(catalog: SmsCatalog | None, *, usable_only: bool) -> dict[str, Any]:
    """`{"senders": [...], "categories": [first-level, each with its "children", each
    child with its "templates"]}`, in the order they were added. `usable_only`: only
    categories in use (and whose parent is), and in them only templates in use — what a
    sender may choose (NHN: a category not in use hides its templates whatever their own
    flag). Every template says whether it is `usable`."""
    if catalog is None:
        return {"senders": [], "categories": []}

    def shown(category_id: str) -> bool:
        return not usable_only or catalog.category_in_use(category_id)

    def templates(category_id: str) -> list[dict[str, Any]]:
        return [
            {"template_id": t, **catalog.templates[t], "usable": catalog.usable(t)}
            for t in catalog.templates_in(category_id)
            if not usable_only or catalog.usable(t)
        ]

    def category(category_id: str) -> dict[str, Any]:
        found = catalog.categories[category_id]
        return {
            "category_id": category_id,
            "name": found["name"],
            "parent_id": found["parent_id"],
            "in_use": found["in_use"],
        }

    first = [c for c in catalog.categories if catalog.is_first_level(c) and shown(c)]
    return {
        "senders": [{"number": n, "label": label} for n, label in catalog.senders.items()],
        "categories": [
            {
                **category(c),
                "children": [
                    {**category(child), "templates": templates(child)}
                    for child in catalog.children(c)
                    if shown(child)
                ],
            }
            for c in first
        ],
    }
