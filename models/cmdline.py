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
    if len(parts) < 2:
        raise ParseError(f"{parts[0]} needs a case number")
    args = {"case_id": case_id(parts[1], state)}
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
