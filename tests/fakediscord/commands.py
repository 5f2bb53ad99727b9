"""Build the ``data`` of an APPLICATION_COMMAND interaction from a synced command schema."""

from __future__ import annotations

from typing import Any

from .models import FakeChannel, FakeRole, FakeUser, Payload
from .payloads import channel_payload, member_payload, role_payload, user_payload
from .world import World

SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER = 3, 4, 5, 6, 7, 8, 9, 10
SCALARS: dict[int, type] = {STRING: str, INTEGER: int, BOOLEAN: bool, NUMBER: float}


def build_command_data(
    world: World, root: Payload, path: list[str], options: dict[str, Any], guild_id: int | None
) -> Payload:
    """``data`` for ``/root path... key=value``; fake users/channels/roles are resolved."""
    node, chain = root, []
    for name in path:
        node = _child(node, name)
        chain.append(node)
    resolved: dict[str, dict[str, Payload]] = {}
    leaf_options = [
        _option(world, guild_id, _declared(node, key), value, resolved)
        for key, value in options.items()
    ]
    for declared in node.get("options") or []:
        if declared.get("required") and declared["name"] not in options:
            raise ValueError(f"missing required option {declared['name']!r}")
    nested: list[Payload] = leaf_options
    for sub in reversed(chain):
        nested = [{"type": sub["type"], "name": sub["name"], "options": nested}]
    data: Payload = {
        "id": root["id"],
        "name": root["name"],
        "type": root.get("type", 1),
        "options": nested,
    }
    if resolved:
        data["resolved"] = resolved
    if root.get("guild_id"):
        data["guild_id"] = root["guild_id"]
    return data


def _child(node: Payload, name: str) -> Payload:
    for option in node.get("options") or []:
        if option["name"] == name and option["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP):
            return dict(option)
    raise LookupError(f"no subcommand {name!r} under {node['name']!r}")


def _declared(node: Payload, key: str) -> Payload:
    for option in node.get("options") or []:
        if option["name"] == key:
            return dict(option)
    names = [o["name"] for o in node.get("options") or []]
    raise LookupError(f"{node['name']!r} has no option {key!r}; it declares {names}")


def _option(
    world: World,
    guild_id: int | None,
    declared: Payload,
    value: Any,
    resolved: dict[str, dict[str, Payload]],
) -> Payload:
    kind = int(declared["type"])
    if kind in SCALARS:
        return {"name": declared["name"], "type": kind, "value": SCALARS[kind](value)}
    entity_id = world.resolve(value)
    if isinstance(value, FakeUser):
        resolved.setdefault("users", {})[str(entity_id)] = user_payload(value)
        guild = world.guilds.get(guild_id or 0)
        if guild is not None and value.id in guild.members:
            member = member_payload(guild, value, with_user=False)
            member["permissions"] = str(guild.permissions_of(value.id))
            resolved.setdefault("members", {})[str(entity_id)] = member
    elif isinstance(value, FakeChannel):
        resolved.setdefault("channels", {})[str(entity_id)] = {
            **channel_payload(value, world.users),
            "permissions": "0",
        }
    elif isinstance(value, FakeRole):
        resolved.setdefault("roles", {})[str(entity_id)] = role_payload(value)
    elif kind in (USER, CHANNEL, ROLE, MENTIONABLE):
        raise TypeError(f"option {declared['name']!r} needs a FakeUser/FakeChannel/FakeRole")
    return {"name": declared["name"], "type": kind, "value": str(entity_id)}
