"""The evidence pack's timeline as one self-contained HTML page (no scripts, no remote assets)."""

from __future__ import annotations

from html import escape
from typing import Any

_STYLE = (
    "body{font:14px/1.45 system-ui,sans-serif;margin:2em;max-width:70em}"
    "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px 6px;"
    "vertical-align:top;text-align:left}th{background:#f3f3f3}"
    ".text{white-space:pre-wrap;font-family:ui-monospace,monospace}.gone{color:#a00}"
    "code{font-size:12px}"
)


def _text(value: Any) -> str:
    if value is None:
        return '<span class="gone">(erased or withheld)</span>'
    return f'<span class="text">{escape(str(value))}</span>'


def _incident(incident: dict[str, Any]) -> str:
    rows = [
        f"<tr><th>{escape(incident['at'])}</th><td>original (version {incident['version']})"
        f"</td><td>{_text(incident['text'])}</td></tr>"
    ]
    rows += [
        f"<tr><th>{escape(e['at'])}</th><td>edit</td><td>{_text(e['text'])}</td></tr>"
        for e in incident["edits"]
    ]
    if incident["deleted_at"]:
        rows.append(
            f"<tr><th>{escape(incident['deleted_at'])}</th><td>deleted</td>"
            "<td>the message was deleted in Discord; the evidence above was kept</td></tr>"
        )
    rules = ", ".join(str(r) for r in incident["rules"])
    return (
        f"<h3>Incident {incident['id']}: {escape(str(incident['category']))} "
        f"({escape(str(incident['severity']))})</h3>"
        f"<p>Author {escape(incident['author'])} in channel {escape(incident['channel'])}, "
        f'<a href="{escape(incident["link"])}">message {escape(incident["message"])}</a>; '
        f"rules {escape(rules)}; rules version {escape(incident['rules_version'])}; "
        f"audit entry {incident['audit_seq']}.</p><table>{''.join(rows)}</table>"
    )


def _event(event: dict[str, Any]) -> str:
    details = ", ".join(f"{escape(str(k))}: {escape(str(v))}" for k, v in event["details"].items())
    words = "".join(
        f"<div><b>{escape(role)}</b>: {_text(text)}</div>" for role, text in event["texts"].items()
    )
    return (
        f"<tr><td>{event['seq']}</td><td>{escape(event['at'])}</td>"
        f"<td>{escape(event['what'])}</td><td>{escape(event['actor'])}</td>"
        f"<td>{escape(event['subject'])}</td><td><code>{details}</code>{words}</td></tr>"
    )


def render_html(timeline: dict[str, Any]) -> str:
    """The page: what the pack is about, each incident's revisions, then every audit event."""
    head = timeline["head"]
    incidents = "".join(_incident(i) for i in timeline["incidents"]) or "<p>No incidents.</p>"
    events = "".join(_event(e) for e in timeline["events"])
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>Upstander evidence: {escape(timeline['subject'])}</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>Evidence pack: {escape(timeline['subject'])}</h1>"
        f"<p>Server {escape(timeline['guild'])}. Exported {escape(timeline['exported_at'])} by "
        f"{escape(timeline['exported_by'])}. Audit log head at export: entry {head['seq']}, "
        f"<code>{escape(head['hash'])}</code>. Reporter identity: "
        f"{escape(timeline['reporter_identity'])}. Check the pack with "
        "<code>python3 verify.py PACK.zip</code>.</p>"
        f"<h2>Incidents</h2>{incidents}"
        "<h2>Timeline (audit entries)</h2><table><tr><th>#</th><th>when (UTC)</th><th>what</th>"
        f"<th>by</th><th>about</th><th>details</th></tr>{events}</table></body></html>\n"
    )
