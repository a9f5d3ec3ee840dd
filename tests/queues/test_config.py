"""`[[queues]]` / `[[groups]]` in the plan TOML: the bundled configs and every bad value."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from staffing.exceptions import InputError
from staffing.io.bundled import bundled_path
from staffing.io.toml import read_toml
from staffing.queues import MultiQueueConfig

DATA = bundled_path("plan.toml").parent


def _center() -> dict[str, Any]:
    return read_toml(bundled_path("queues_center.toml"), "config")


def test_bundled_bank_config():
    cfg = MultiQueueConfig.from_toml(bundled_path("queues_bank.toml"))
    assert [q.name for q in cfg.queues] == ["retail", "new", "stocks", "tech"]
    assert cfg.queue("retail").values == ("PS", "PE")
    assert cfg.split_by == "type"
    assert cfg.queue("tech").goals["service_level"] == 0.7   # queue key over [goals]
    assert cfg.queue("new").goals["service_level"] == 0.8    # [goals] default
    assert cfg.queue("retail").patience_s == "fit"
    assert [g.skills for g in cfg.groups] == [("retail",), ("new", "tech"), ("stocks", "retail")]
    assert cfg.configs["stocks"].roster.templates[0].name == "early"


def test_bundled_center_config():
    cfg = MultiQueueConfig.from_toml(bundled_path("queues_center.toml"))
    chat, email = cfg.queue("chat"), cfg.queue("email")
    assert chat.concurrency == 2 and chat.describe_goal() == "80%/60s, 2 sessions"
    assert email.deferrable and email.deferred is not None
    assert email.deferred.within_hours == 24
    assert email.describe_goal() == "100% within 24 h"
    assert cfg.grid.tz == "Europe/London"


def test_groups_default_to_dedicated_teams():
    t = _center()
    del t["groups"]
    cfg = MultiQueueConfig.from_dict(t, base_dir=DATA)
    assert [(g.name, g.skills) for g in cfg.groups] == [
        ("voice", ("voice",)), ("chat", ("chat",)), ("email", ("email",))]


def _set(path: str, value: Any):
    def edit(t: dict[str, Any]) -> None:
        kind, name, key = path.split(".")
        for row in t[kind]:
            if row["name"] == name:
                if value is _DROP:
                    row.pop(key, None)
                else:
                    row[key] = value
    return edit


_DROP = object()


@pytest.mark.parametrize(
    ("edit", "field", "fragment"),
    [
        (_set("queues.voice.channel", "fax"), "queues.voice.channel", "one of"),
        (_set("queues.voice.service_level", 1.5), "queues.voice.service_level", "fraction"),
        (_set("queues.voice.answer_s", -1), "queues.voice.answer_s", ">"),
        (_set("queues.voice.concurrency", 2), "queues.voice.concurrency", "1 on a voice"),
        (_set("queues.voice.within_hours", 4), "queues.voice.within_hours", "no deadline"),
        (_set("queues.voice.priority", 0), "queues.voice.priority", ">= 1"),
        (_set("queues.voice.colour", "red"), "queues.voice.colour", "expected"),
        (_set("queues.voice.patience_s", -3), "queues.voice.patience_s", '"fit"'),
        (_set("queues.chat.concurrency", _DROP), "queues.chat.concurrency", "required"),
        (_set("queues.chat.concurrency", 0), "queues.chat.concurrency", ">= 1"),
        (_set("queues.email.within_hours", 0), "queues.email.within_hours", "(0, 168]"),
        (_set("queues.email.handled_share", 1.2), "queues.email.handled_share", "fraction"),
        (_set("queues.email.service_level", 0.8), "queues.email.service_level", "no Erlang"),
        (_set("queues.email.by_end_of_day", True), "queues.email.by_end_of_day", "one deadline"),
        (_set("queues.email.path", "nope.csv"), "queues.email.path", "an existing file"),
        (_set("groups.chat-team.skills", ["fax"]), "groups.chat-team.skills", "one of the queues"),
        (_set("groups.chat-team.skills", []), "groups.chat-team.skills", "non-empty"),
        (_set("groups.chat-team.templates", ["night"]), "groups.chat-team.templates", "one of"),
        (_set("groups.chat-team.max_headcount", -1), "groups.chat-team.max_headcount", ">= 0"),
        (lambda t: t["queues"].append(dict(t["queues"][0])), "queues.voice.name", "no other"),
        (lambda t: t["queues"][0].update(name="bad/name"), "queues[0].name", "a name"),
        (lambda t: t["queues"][0].pop("name"), "queues[0].name", "required"),
        (lambda t: t.update(queues=[]), "queues", "non-empty"),
        (lambda t: t["groups"].pop(), "groups", "no group serves 'email'"),
        (lambda t: t["data"].update(split_by=3), "data.split_by", "column name"),
        (lambda t: t["data"].pop("split_by"), "queues.voice.path", "split_by"),
        (lambda t: t["goals"].update(shrinkage=1.5), "queues.voice.shrinkage", "fraction"),
        (lambda t: t["site"].update(tz="Mars/Base"), "site.tz", "IANA"),
    ],
)
def test_bad_queue_config_names_queue_and_field(edit, field, fragment):
    t = copy.deepcopy(_center())
    edit(t)
    with pytest.raises(InputError) as info:
        MultiQueueConfig.from_dict(t, base_dir=DATA)
    assert info.value.field == field, str(info.value)
    assert fragment in str(info.value)
