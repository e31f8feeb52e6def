"""Priority issued by people, on the staff screens (issue 23 item 3; seed art. 16 and 27): the counter
terminal and the supervisor tablet issue green-channel (绿色通道) and disability-priority (残疾人优先)
tickets, with a reason from the hall's list and a note for 其他.

- `PriorityForm`: what the form shows, as Kivy properties on one object that does no I/O (each staff
  face's state has one as `state.priority`).
- `PriorityIssuing`: the I/O, a mixin of the counter's and the supervisor's StaffController:
  `cmd/counter/{counter}/issue-priority` or `cmd/supervisor/issue-priority` (docs/protocol.md).

Which classes a role may issue, and their reasons, come from the site file this node runs with
(`priorities.classes`: enabled, issued_by, reasons), the same file the hall server checks them against;
the items from the published catalog (`state/catalog`), else from the site file. A class switched off
or a reason changed on the server since this screen started is refused by the broker, and said here in
plain words (`refusal_words`).
"""

from __future__ import annotations

import logging
from typing import Any

from kivy.event import EventDispatcher
from kivy.properties import DictProperty, ListProperty, StringProperty

from .hall_text import short_name, wait_text
from .staff import StaffMixin

log = logging.getLogger(__name__)

CLASS_TITLES = {"green": "绿色通道", "disability": "残疾人优先"}
STAFF_CLASSES = tuple(CLASS_TITLES)  # the classes that need a person's judgement (config.models.STAFF_PRIORITIES)
OTHER_REASON = "其他"  # this reason needs a note saying what it is
NOTE_MAX = 200  # the protocol's ShortText

# the broker's refusals of issue-priority (queue_broker/engine/priority.py), for staff in this screen's words;
# the broker's own sentence goes to the log only
REFUSALS = {
    "forbidden": "本厅现已停用{title}，或本岗位无权核发（以服务器的站点配置为准）",
    "invalid_request": "理由不在本厅规定的列表中，或选择“其他”未写明说明（服务器的站点配置可能已更新）",
    "conflict": "请先登录窗口：核发人须留记录",
    "not_found": "找不到该事项（事项目录可能已更新）",
    "closed": "该队列今日已停止取号",
    "full": "该队列今日号源已满",
    "unavailable": "服务器暂时无法保存，未核发；请再点一次（不会重复核发）",
}


def classes_for(config: Any, role: str) -> list[dict]:
    """The staff-issued classes this role may issue at this hall, each with its reasons (none listed: any
    reason, typed as the note)."""
    rules = config.priorities.classes
    out = []
    for name in STAFF_CLASSES:
        cls = rules.get(name)
        if cls is None or not cls.enabled or role not in cls.issued_by:
            continue
        out.append({"name": name, "title": CLASS_TITLES[name], "reasons": list(cls.reasons)})
    return out


def item_choices(catalog: Any, config: Any) -> tuple[list[dict], list[dict]]:
    """(queues, services) to pick from: the published catalog's, else the site file's."""
    source = catalog if catalog is not None else config
    queues = [{"id": q.id, "name": short_name(q.name)} for q in source.queues]
    services = [{"id": s.id, "name": s.name, "queue_id": s.queue_id} for s in source.services]
    return queues, services


def refusal_words(reply: dict, title: str) -> str:
    err = reply.get("error") or {}
    code = err.get("code", "internal")
    log.info("issue-priority refused: %s %s", code, err.get("message", ""))
    return "未核发：" + REFUSALS.get(code, "服务器拒绝（{code}）").format(title=title or "该类优先", code=code)


class PriorityForm(EventDispatcher):
    classes = ListProperty([])  # [{"name", "title", "reasons"}] this role may issue
    queues = ListProperty([])  # [{"id", "name"}]
    services = ListProperty([])  # [{"id", "name", "queue_id"}]
    priority = StringProperty("")  # green | disability
    queue_id = StringProperty("")  # the queue whose items are listed
    service_id = StringProperty("")
    reason = StringProperty("")
    note = StringProperty("")
    error = StringProperty("")  # what is missing, or the broker's refusal, in words
    issued = DictProperty({})  # the last ticket issued here: number, title, service, queue, reason, wait

    # ------------------------------------------------------------------ choices
    def set_choices(self, classes: list[dict], queues: list[dict], services: list[dict], first_queues=()) -> None:
        """A fresh form: the first class chosen, the first of `first_queues` (the counter's own) listed."""
        self.classes, self.queues, self.services = classes, queues, services
        names = [c["name"] for c in classes]
        self.priority = self.priority if self.priority in names else (names[0] if names else "")
        ids = [q["id"] for q in queues]
        preferred = [q for q in first_queues if q in ids]
        self.queue_id = preferred[0] if preferred else (ids[0] if ids else "")
        self.service_id = self.reason = self.note = self.error = ""
        self.issued = {}

    def current_class(self) -> dict:
        return next((c for c in self.classes if c["name"] == self.priority), {})

    def reasons(self) -> list[str]:
        return list(self.current_class().get("reasons") or [])

    def queue_services(self) -> list[dict]:
        return [s for s in self.services if s["queue_id"] == self.queue_id]

    def service(self) -> dict:
        return next((s for s in self.services if s["id"] == self.service_id), {})

    def choose_class(self, name: str) -> None:
        if any(c["name"] == name for c in self.classes):
            self.priority = name
            if self.reason not in self.reasons():
                self.reason = ""
            self.error = ""

    def choose_queue(self, queue_id: str) -> None:
        if any(q["id"] == queue_id for q in self.queues):
            self.queue_id = queue_id

    def choose_service(self, service_id: str) -> None:
        if any(s["id"] == service_id for s in self.services):
            self.service_id = service_id
            self.error = ""

    def choose_reason(self, reason: str) -> None:
        if reason in self.reasons():
            self.reason = reason
            self.error = ""

    def set_note(self, text: str) -> None:
        self.note = text[:NOTE_MAX]
        if self.note.strip() and self.error.startswith("请写明"):
            self.error = ""

    # ------------------------------------------------------------------ sending
    def note_needed(self) -> bool:
        """The reason 其他, or a class whose reasons the hall leaves open (the note is the reason)."""
        return self.reason == OTHER_REASON or (bool(self.priority) and not self.reasons())

    def missing(self) -> str:
        """What must still be chosen, in words; "" when the ticket can be issued."""
        if not self.priority:
            return "本岗位不能核发优先号（站点配置未授权）"
        if not self.service_id:
            return "请选择办理事项"
        if self.reasons() and not self.reason:
            return "请选择理由"
        if self.note_needed() and not self.note.strip():
            return "请写明说明（理由为“其他”）" if self.reason == OTHER_REASON else "请写明理由"
        return ""

    def payload(self) -> dict:
        reason = self.reason if self.reasons() else self.note.strip()[:100]
        out: dict[str, Any] = {"service_id": self.service_id, "priority": self.priority, "reason": reason}
        if self.note.strip():
            out["note"] = self.note.strip()
        return out

    def title(self) -> str:
        return self.current_class().get("title", "")

    def issued_from(self, reply: dict) -> None:
        """The broker's reply: the number to tell the citizen, and what it is for. The form is ready for
        the next one (the item and the class stay: staff often issue several alike)."""
        t = reply.get("ticket") or {}
        p = reply.get("priority") or {}
        low, _high = t.get("estimated_wait_range_s") or (t.get("estimated_wait_s"), None)
        ahead = t.get("waiting_ahead")
        self.issued = {
            "number": t.get("number", ""),
            "title": CLASS_TITLES.get(t.get("priority") or self.priority, self.title()),
            "service": t.get("service_name") or self.service().get("name", ""),
            "queue": short_name(t.get("queue_name") or ""),
            "reason": p.get("reason", self.reason) + (f"（{p['note']}）" if p.get("note") else ""),
            "ahead": "" if ahead is None else f"前面 {ahead} 人，{wait_text(low, ahead)}",
            "ticket_id": t.get("id", ""),
        }
        self.reason = self.note = self.error = ""


class PriorityIssuing(StaffMixin):
    """The priority form's I/O in a StaffController (`self.state.priority` is the form): fill it, check
    it, send it, show the reply. A face says where the command goes (`priority_topic`), who issues
    (`priority_who`), its role and its own queues."""

    priority_role = "counter"

    def priority_topic(self) -> str:
        raise NotImplementedError

    def priority_who(self) -> dict:
        return {}

    def priority_first_queues(self) -> list[str]:
        return []

    def priority_issued(self, reply: dict) -> None:
        """After a ticket was issued (the counter prints it)."""

    # ------------------------------------------------------------------ the form
    def open_priority(self) -> None:
        form = self.state.priority
        queues, services = item_choices(getattr(self, "catalog", None), self.config)
        form.set_choices(classes_for(self.config, self.priority_role), queues, services, self.priority_first_queues())
        self.state.screen = "priority"

    def priority_class(self, name: str) -> None:
        self.state.priority.choose_class(name)

    def priority_queue(self, queue_id: str) -> None:
        self.state.priority.choose_queue(queue_id)

    def priority_service(self, service_id: str) -> None:
        self.state.priority.choose_service(service_id)

    def priority_reason(self, reason: str) -> None:
        self.state.priority.choose_reason(reason)

    def priority_note(self, text: str) -> None:
        self.state.priority.set_note(text)

    def issue_priority(self) -> None:
        form, s = self.state.priority, self.state
        missing = form.missing()
        if missing:
            form.error = missing
            s.say(missing, "warn")
            return
        payload = {**form.payload(), **self.priority_who()}
        title = form.title()

        def ok(reply: dict) -> None:
            form.issued_from(reply)
            i = form.issued
            s.say(f"已核发{i['title']}号 {i['number']}：{i['service']}（理由：{i['reason']}）", "info")
            self.priority_issued(reply)

        def refused(reply: dict) -> None:
            form.error = refusal_words(reply, title)
            s.say(form.error, "alert")

        key = "priority:" + "|".join(str(payload.get(k, "")) for k in ("service_id", "priority", "reason", "note"))
        self._send(
            self.priority_topic(),
            payload,
            f"核发{title}号",
            ok,
            refused,
            action="issue-priority",
            key=key,  # a retry after a timeout goes out under the same request id: never two tickets
        )
