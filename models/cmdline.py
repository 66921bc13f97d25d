"""The dispatcher's command line, as in CAD systems: short commands typed, not clicked.

    d 123 W01        dispatch case 123 to squad W01     (also: dispatch, 派)
    a 123            accept                              (accept, 受理)
    sign/contact/arrive 123
    fb 123 text      feedback                            (feedback, 反馈)
    c 123 text       close with a resolution             (close, 办结)
    t 123 police     transfer to a department            (transfer, 流转)
    e 123            escalate a dispute                  (escalate, 升级)
    s 123 text       supervise                           (supervise, 督办)
    r 123 text       return                              (return, 退回)
    ro 123 text      reopen                              (reopen, 重开)
    n 123 text       note                                (note, 备注)
    m 123 456        merge case 123 into 456             (merge, 合并)
    rf 123 W02 W03   reinforce: more squads on the case  (reinforce, 增援)
    rel 123 W02      release a supporting squad          (release, 撤离)
    lk 123 456 789   link 456 and 789 under lead 123: closed with it (link, 关联)
    ul 456           unlink a case from its lead         (unlink, 取消关联)
    pd 123 P1 text   a department's part done, its feedback  (part, 部门反馈)
    cb 123 5 text    callback: reached, rated 5          (callback, 回访); cb 123 n: not reached;
                     dissatisfied: cb 123 1 ro reason (reopen) / cb 123 2 s reason (supervise)
    tx W01 text      radio a squad, or tx TG-1 text a talkgroup (radio, 呼叫)
    ack W01          acknowledge a squad's emergency call
    war / peace      switch wartime / peacetime mode (shift leader)
Case numbers may be written 123, C123 or C000123; squads by id (W01) or call sign (九巡101).
"""
from __future__ import annotations

import re

ALIASES = {
    "case.dispatch": ("d", "dispatch", "派", "派单"), "case.accept": ("a", "accept", "受理"),
    "case.sign": ("sign", "签收"), "case.contact": ("contact", "联系"), "case.arrive": ("arrive", "到场"),
    "case.feedback": ("fb", "feedback", "反馈"), "case.close": ("c", "close", "办结"),
    "case.transfer": ("t", "transfer", "流转"), "case.escalate": ("e", "escalate", "升级"),
    "case.supervise": ("s", "supervise", "督办"), "case.return": ("r", "return", "退回"),
    "case.reopen": ("ro", "reopen", "重开"), "case.note": ("n", "note", "备注"), "case.merge": ("m", "merge", "合并"),
    "case.reinforce": ("rf", "reinforce", "增援"), "case.release": ("rel", "release", "撤离"),
    "case.callback": ("cb", "callback", "回访"),
    "case.link": ("lk", "link", "关联"), "case.unlink": ("ul", "unlink", "取消关联"),
    "case.part_feedback": ("pd", "part", "部门反馈"), "radio.transmit": ("tx", "radio", "呼叫"),
    "radio.ack": ("ack", "确认"), "mode.set:wartime": ("war", "wartime", "战时"),
    "mode.set:peacetime": ("peace", "peacetime", "平时"),
}
WORD_TO_COMMAND = {w: cmd for cmd, words in ALIASES.items() for w in words}
TEXT_ARG = {"case.feedback": "note", "case.close": "resolution", "case.supervise": "note", "case.return": "reason",
            "case.reopen": "reason", "case.note": "note"}


class ParseError(ValueError):
    pass


def case_id(token: str, state: dict) -> str:
    m = re.fullmatch(r"[Cc]?0*(\d+)", token.strip())
    if not m:
        raise ParseError(f"not a case number: {token}")
    cid = f"C{int(m.group(1)):06d}"
    if cid not in state["cases"]:
        raise ParseError(f"no case {cid}")
    return cid


def team_id(token: str, state: dict) -> str:
    t = token.strip()
    if t.upper() in state["teams"]:
        return t.upper()
    for team in state["teams"].values():
        if team["call_sign"] == t:
            return team["id"]
    raise ParseError(f"no squad {token}")


def parse(line: str, state: dict) -> tuple[str, dict]:
    """One line -> (command name, args). Raises ParseError with a message for the operator."""
    parts = line.strip().split(None, 2)
    if not parts:
        raise ParseError("empty command")
    cmd = WORD_TO_COMMAND.get(parts[0].lower())
    if cmd is None:
        raise ParseError(f"unknown command: {parts[0]}")
    if cmd.startswith("mode.set:"):
        return "mode.set", {"mode": cmd.split(":")[1]}
    if cmd == "radio.ack":
        if len(parts) < 2:
            raise ParseError("ack needs a squad")
        return cmd, {"team_id": team_id(parts[1], state)}
    if cmd == "radio.transmit":
        if len(parts) < 3:
            raise ParseError("tx needs a squad or talkgroup and the message: tx W01 请报告位置")
        tgs = {t.get("talkgroup") for t in state["teams"].values()}
        target = {"talkgroup": parts[1]} if parts[1] in tgs else {"team_id": team_id(parts[1], state)}
        return cmd, {**target, "text": parts[2]}
    if len(parts) < 2:
        raise ParseError(f"{parts[0]} needs a case number")
    args: dict = {"case_id": case_id(parts[1], state)}
    rest = parts[2] if len(parts) > 2 else ""
    if cmd == "case.dispatch":
        if not rest:
            raise ParseError("dispatch needs a squad: d 123 W01")
        args["team_id"] = team_id(rest, state)
    elif cmd == "case.transfer":
        if not rest:
            raise ParseError("transfer needs a department")
        deps = {d["id"]: d for d in (state.get("street") or {}).get("departments", [])}
        hit = rest.strip() if rest.strip() in deps else next(
            (k for k, d in deps.items() if d["name"] == rest.strip()), None)
        if hit is None:
            raise ParseError(f"no department {rest}")
        args["to"] = hit
    elif cmd in ("case.reinforce", "case.release"):
        if not rest:
            raise ParseError(f"{parts[0]} needs a squad: {parts[0]} 123 W02")
        ids = [team_id(t, state) for t in rest.split()]
        if cmd == "case.release":
            if len(ids) != 1:
                raise ParseError("release one squad at a time: rel 123 W02")
            args["team_id"] = ids[0]
        else:
            args["team_ids"] = ids
    elif cmd == "case.callback":
        words = rest.split(None, 1)
        if not words:
            raise ParseError("callback needs the outcome: cb 123 5 (reached, rated 5) or cb 123 n (not reached)")
        if words[0].lower() in ("n", "no", "未接通"):
            args["outcome"] = "not_reached"
            if len(words) > 1:
                args["note"] = words[1]
        elif words[0] in ("1", "2", "3", "4", "5"):
            args |= {"outcome": "reached", "rating": int(words[0])}
            more = words[1].split(None, 1) if len(words) > 1 else []
            if more and more[0].lower() in ("ro", "reopen", "重开", "s", "supervise", "督办"):
                args["follow_up"] = "reopen" if more[0].lower() in ("ro", "reopen", "重开") else "supervise"
                more = more[1:]
            if more:
                args["note"] = more[0]
        else:
            raise ParseError(f"not a callback outcome: {words[0]} (1–5 or n)")
    elif cmd == "case.link":
        if not rest:
            raise ParseError("link needs the cases to link under the lead: lk 123 456 789")
        args["case_ids"] = [case_id(t, state) for t in rest.split()]
    elif cmd == "case.part_feedback":
        words = rest.split(None, 1)
        if len(words) < 2:
            raise ParseError("part needs the part and the department's feedback: pd 123 P1 已清理")
        args |= {"part_id": words[0].upper(), "note": words[1]}
    elif cmd == "case.merge":
        if not rest:
            raise ParseError("merge needs the case to merge into: m 123 456")
        args["into"] = case_id(rest, state)
    elif cmd in TEXT_ARG:
        if rest:
            args[TEXT_ARG[cmd]] = rest
        elif cmd in ("case.feedback", "case.close", "case.return", "case.note"):
            raise ParseError(f"{parts[0]} needs a text: {parts[0]} 123 …")
    return cmd, args
