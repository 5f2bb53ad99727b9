"""Appeals that close the loop: a member's "this is a mistake" opens a case; its resolution is
told to the member privately; an upheld false positive can become a must-pass rule example.

The example goes, anonymised, into `local-examples.yaml` in the rules directory (key
`must_pass`), which the rule loader reads and `upstander rules test` runs.
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from bot.engine.loader import RuleError, safe_yaml
from bot.policy import Routes
from bot.policy.authority import case_recipient
from bot.services.anonymise import anonymise
from bot.store.base import Store
from bot.store.errors import StateError
from bot.store.records import Case, Incident

log = logging.getLogger(__name__)

APPEAL = "appeal"  # the cases.pattern of an appeal
LOCAL_EXAMPLES = "local-examples.yaml"
_HEADER = """\
# yaml-language-server: $schema=schema.json
#
# Must-pass examples: messages a moderator upheld as false positives (anonymised), added with
# one click from the appeal. No rule may flag them: `upstander rules test` fails until the
# rules are changed so that they pass. Edit or delete entries freely.
"""

OUTCOME_TEXT = {
    "false_positive": (
        "A moderator reviewed your appeal about the nudge for [your message]({link}) and agreed "
        "it was a mistake: it no longer counts towards anything. Thank you for saying so: it "
        "helps correct the rules."
    ),
    "no_action": (
        "A moderator reviewed your appeal about the nudge for [your message]({link}) and "
        "decided the nudge stands. Nothing further happens about it."
    ),
    "action_taken": (
        "A moderator reviewed your appeal about the nudge for [your message]({link}) and "
        "decided the nudge stands."
    ),
}


@dataclass(frozen=True, slots=True)
class Appeal:
    """A member's appeal, filed as a case."""

    case: Case
    incident: Incident
    new: bool  # False when this incident was already under appeal
    to_reviewer: bool = False  # the member is a moderator: the reviewer alone handles it


@dataclass(frozen=True, slots=True)
class AppealNotice:
    """What to tell the member privately once their appeal is resolved."""

    case_id: int
    member_id: int
    text: str
    offer_example: bool  # upheld: offer the moderator to add it as a must-pass example


@dataclass(frozen=True, slots=True)
class ExampleAdded:
    """A must-pass example written to the local examples file."""

    path: Path
    line: int
    text: str


class AppealService:
    """Files appeals, words their outcome, and turns upheld ones into rule examples."""

    def __init__(self, store: Store, routes: Routes, rules_dir: Path) -> None:
        """Bind to the store, each server's routing (who handles appeals), the rules directory."""
        self.store = store
        self.routes = routes
        self.rules_dir = rules_dir

    async def file(
        self, incident: Incident, member_id: int, *, member_is_moderator: bool = False
    ) -> Appeal:
        """Open (or add to) the member's appeal case, with a note saying what is disputed.

        It belongs to the incident's server: assigned to that server's designated moderator,
        or, when the member is a moderator by any definition (`member_is_moderator` for roles
        and permissions), to its reviewer (bot/policy/authority.py, `case_recipient`).
        """
        cases = self.store.cases
        routing = self.routes.for_guild(incident.guild_id)
        to, assigned, _channel = case_recipient((member_id,), member_is_moderator, routing)
        case = await cases.open(incident.guild_id, APPEAL, member_id, assigned_to=assigned)
        to_reviewer = to == "reviewer"
        if incident.id in case.incident_ids:
            return Appeal(case, incident, new=False, to_reviewer=to_reviewer)
        case = await cases.add_incidents(case.id, [incident.id])
        case = await cases.add_note(
            case.id,
            member_id,
            f"The member says the nudge for incident #{incident.id} was a mistake.",
        )
        return Appeal(case, incident, new=True, to_reviewer=to_reviewer)

    async def notice(self, case: Case) -> AppealNotice | None:
        """The member's private answer for a resolved appeal (None for other cases)."""
        if case.pattern != APPEAL or case.outcome is None:
            return None
        incidents = [await self.store.incidents.get(i) for i in case.incident_ids]
        link = incidents[-1].link if incidents else ""
        await self.store.audit.record(
            "bot",
            "appeal.told",
            f"case:{case.id}",
            {"case": case.id, "member": str(case.subject_id), "outcome": case.outcome},
        )
        return AppealNotice(
            case.id,
            case.subject_id,
            OUTCOME_TEXT[case.outcome].format(link=link),
            offer_example=case.outcome == "false_positive",
        )

    async def add_example(
        self, case_id: int, moderator_id: int, names: tuple[str, ...] = ()
    ) -> ExampleAdded:
        """Write the appealed message, anonymised, as a must-pass example (audited)."""
        case = await self.store.cases.get(case_id)
        if case.pattern != APPEAL or case.outcome != "false_positive":
            raise StateError(f"case {case_id} is not an upheld appeal")
        incident = await self.store.incidents.get(case.incident_ids[-1])
        latest = incident.edits[-1].text if incident.edits else incident.text
        if latest is None:
            raise StateError(f"the text of incident {incident.id} has been erased")
        text = anonymise(latest, names)
        note = f"appeal case #{case_id}, incident #{incident.id}, upheld by moderator"
        path = self.rules_dir / LOCAL_EXAMPLES
        try:
            line = append_must_pass(path, text, note)
        except OSError as exc:
            raise StateError(
                f"cannot write {path} ({exc.strerror or exc}); add it by hand under "
                f"`must_pass:` as `- text: {json.dumps(text, ensure_ascii=False)}`"
            ) from exc
        await self.store.audit.record(
            f"moderator:{moderator_id}",
            "rules.example_added",
            f"case:{case_id}",
            {"case": case_id, "incident": incident.id, "file": str(path), "line": line},
        )
        return ExampleAdded(path, line, text)


def append_must_pass(path: Path, text: str, note: str) -> int:
    """Add one `must_pass` entry to a local examples file (created if absent); its line."""
    yaml = YAML(typ="rt", pure=True)
    yaml.width = 4096
    if path.exists():
        body = path.read_text(encoding="utf-8")
        if isinstance(safe_yaml(str(path), body), RuleError):  # tags, aliases, bad syntax
            raise StateError(f"{path} is not a valid rules file; fix it first")
        tree = yaml.load(body) or CommentedMap()
    else:
        tree = yaml.load(_HEADER + "must_pass: []\n")
    if not isinstance(tree, CommentedMap):
        raise StateError(f"{path} is not a mapping; fix it first")
    entries = tree.get("must_pass")
    if not isinstance(entries, CommentedSeq):
        entries = CommentedSeq()
        tree["must_pass"] = entries
    for index, existing in enumerate(entries):
        if isinstance(existing, CommentedMap) and existing.get("text") == text:
            return int(entries.lc.item(index)[0]) + 1  # a second click adds nothing
    entries.fa.set_block_style()
    item = CommentedMap()
    item["text"] = text
    item["note"] = note
    entries.append(item)
    out = io.StringIO()
    yaml.dump(tree, out)
    written = out.getvalue()
    path.write_text(written, encoding="utf-8")
    reread = safe_yaml(str(path), written)
    if isinstance(reread, tuple):
        return int(reread[0]["must_pass"].lc.item(len(reread[0]["must_pass"]) - 1)[0]) + 1
    return 1
