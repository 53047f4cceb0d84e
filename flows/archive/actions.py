"""The audit log as people read it: each action's Chinese name (English optional), and what changed
written out (``工作业绩：15 → 18``) instead of the stored JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flows.rules.names import Names
from flows.rules.scheme import Scheme
from storage.models import AuditEntry

ACTION_NAMES: dict[str, Names] = {
    "cycle.open": Names("开启考核周期", "cycle opened"),
    "cycle.nudge": Names("催办提醒", "reminder nudge"),
    "cycle.archive": Names("归档", "archived"),
    "archive.export": Names("导出档案", "archive exported"),
    "self.submit": Names("提交自我评定", "self-assessment submitted"),
    "self.withdraw": Names("撤回自我评定", "self-assessment withdrawn"),
    "score.item": Names("评分", "item scored"),
    "score.comment": Names("填写考评意见", "evaluation written"),
    "score.submit": Names("提交评分表", "score sheet submitted"),
    "score.return": Names("退回评分表", "score sheet returned"),
    "score.refused": Names("评分被拒绝", "score refused"),
    "review.rating": Names("评定部门业绩", "department rated"),
    "review.score": Names("复核改分", "score changed in review"),
    "review.grade": Names("复核改等级", "grade changed in review"),
    "review.accept": Names("接受分布例外", "rule break accepted"),
    "review.sign": Names("签字", "signed"),
    "review.void": Names("签字作废", "signature voided"),
    "review.refused": Names("复核操作被拒绝", "review input refused"),
    "results.release": Names("发布结果", "results released"),
    "appeal.submit": Names("提交申诉", "appeal submitted"),
    "appeal.escalate": Names("上报申诉", "appeal escalated"),
    "appeal.escalate_overdue": Names("超时自动上报", "appeal escalated when overdue"),
    "appeal.overdue_flag": Names("申诉处理超时", "appeal overdue"),
    "appeal.consult": Names("征求意见", "opinion asked"),
    "appeal.opinion": Names("答复意见", "opinion given"),
    "appeal.decide": Names("最终裁定", "appeal decided"),
    "interview.record": Names("记录面谈", "interview recorded"),
}

FIELD_NAMES: dict[str, Names] = {
    "points": Names("分数", "points"),
    "comment": Names("意见", "comment"),
    "status": Names("状态", "status"),
    "role": Names("角色", "role"),
    "version": Names("版本", "version"),
    "result_hash": Names("所签结果", "results signed"),
    "outcome": Names("裁定结果", "outcome"),
    "total": Names("总分", "total"),
    "grade": Names("等级", "grade"),
    "examinee": Names("被考核者", "examinee"),
    "team": Names("团队", "team"),
    "department": Names("部门", "department"),
    "value": Names("值", "value"),
    "name": Names("名称", "name"),
    "topic": Names("主题", "topic"),
    "held_at": Names("时间", "time"),
    "asked": Names("征求对象", "asked"),
    "released_at": Names("发布时间", "released"),
    "archived_at": Names("归档时间", "archived"),
    "decide_due": Names("裁定期限", "decision due"),
    "cycle": Names("考核周期", "cycle"),
    "disputed": Names("申诉事项", "disputed"),
    "disputed_key": Names("申诉项目", "disputed item"),
    "evidence": Names("证明材料", "evidence"),
    "overdue": Names("超时", "overdue"),
    "scheme": Names("考核方案", "scheme"),
    "examinees": Names("被考核者人数", "examinees"),
    "self_due": Names("自我评定截止", "self-assessment due"),
    "score_due": Names("评分截止", "scoring due"),
    "review_due": Names("复核截止", "review due"),
    "scores": Names("各项得分", "item scores"),
    "opinion": Names("意见", "opinion"),
    "people": Names("人员快照", "people frozen"),
    "submitted_at": Names("提交时间", "submitted"),
}

Label = Callable[[Names], str]


def labeller(english: bool) -> Label:
    """Labels in Chinese (``姓名``), or in Chinese with English beside them (``姓名 name``)."""

    def label(names: Names) -> str:
        return f"{names.zh} {names.en}" if english and names.zh != names.en else names.zh

    return label


def action_name(action: str, label: Label) -> str:
    names = ACTION_NAMES.get(action)
    return label(names) if names else action


def change_text(entry: AuditEntry, scheme: Scheme, label: Label) -> str:
    """What the row changed, one ``field：before → after`` per line (or ``field：value``)."""
    before, after = entry.before or {}, entry.after or {}
    subject = _subject(after or before, scheme, label)
    lines = [subject] if subject else []
    for key in dict.fromkeys([*before, *after]):
        if key in ("item", "team", "department", "examinee") and subject:
            continue
        old, new = before.get(key), after.get(key)
        name = label(FIELD_NAMES[key]) if key in FIELD_NAMES else key
        if key == "result_hash" and new:
            new = f"SHA-256 {str(new)[:16]}…"
        if isinstance(old, dict) and isinstance(new, dict):
            lines += [
                f"{_item_name(k, scheme, label)}：{_text(old.get(k))} → {_text(v)}"
                for k, v in new.items()
                if old.get(k) != v
            ]
        elif key in before and key in after and old != new:
            lines.append(f"{name}：{_text(old)} → {_text(new)}")
        else:
            lines.append(f"{name}：{_text(new if key in after else old)}")
    return "\n".join(lines)


def _item_name(key: str, scheme: Scheme, label: Label) -> str:
    found = next((i for i in scheme.rubric.items if i.key == key), None)
    return label(Names(found.name.zh, found.name.en)) if found else key


def _subject(values: Mapping[str, Any], scheme: Scheme, label: Label) -> str:
    """The rubric item or the department a change is about."""
    item = values.get("item")
    if item:
        return _item_name(str(item), scheme, label)
    if values.get("team") and "examinee" in values and not values.get("examinee"):
        return "/".join(str(part) for part in (values.get("team"), values.get("department")) if part)
    return ""


def _text(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list | tuple):
        return "、".join(str(part) for part in value)
    return str(value)
