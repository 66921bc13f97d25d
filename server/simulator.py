"""A believable day on the demo street.

Acts only through the hub's commands, each under a real role: intake systems report,
an operator accepts and dispatches, each squad's field terminal signs, contacts, arrives
and feeds back, the shift leader switches wartime mode. State-driven: each open case's next
step depends on what the case is now, so a human operator can step in at any time.
With a manual SimClock it fast-forwards (the same seed gives the same day).
"""
from __future__ import annotations

import asyncio
import heapq
import logging
import random
import time
import zlib
from datetime import datetime

from models import callback as cb
from models import guidance, rota
from models.commands import Actor, CommandError
from models.dispatch import recommend_squads, team_position
from models.state import touched
from models.street import grid_centroid

log = logging.getLogger("xiaonao.sim")

# relative arrivals by hour of day: quiet night, morning and evening peaks
HOURLY = [0.25, 0.2, 0.15, 0.15, 0.2, 0.35, 0.7, 1.1, 1.4, 1.5, 1.45, 1.3,
          1.2, 1.25, 1.35, 1.4, 1.45, 1.5, 1.6, 1.7, 1.5, 1.1, 0.7, 0.4]
CASES_PER_DAY = 420
# the steps a squad stamps itself; left to a squad whose terminal is online (a real person on it)
FIELD_STEPS = frozenset({"dispatched", "signed", "contacted", "on_scene"})

SOURCES = [("12345", 25), ("grid", 22), ("video", 18), ("110", 15), ("patrol", 10),
           ("sensor", 3), ("walk_in", 3), ("qrcode", 2), ("119", 2)]
# category -> (titles, subtags, priority weights P1..P4)
CATALOGUE = {
    "dispute": (["邻里噪音纠纷", "欠薪纠纷", "租房押金纠纷", "装修扰民", "停车位纠纷", "家庭纠纷", "物业纠纷"],
                ["噪音", "欠薪", "租赁", "邻里"], [5, 25, 55, 15]),
    "city_management": (["占道经营", "违规户外广告", "垃圾乱堆放", "流动摊贩", "非机动车乱停放", "无证促销活动"],
                        ["占道", "环境卫生", "市容"], [1, 10, 60, 29]),
    "market": (["商品价格欺诈", "售卖过期食品", "预付卡退费纠纷", "无证经营"], ["消费维权", "食品安全"], [1, 14, 60, 25]),
    "fire": (["楼道堆放杂物", "电动车楼道充电", "烟感报警", "厨房起火冒烟"], ["消防隐患", "电动车"], [30, 40, 25, 5]),
    "public_security": (["可疑人员徘徊", "醉酒滋事", "宠物走失", "电瓶车被盗"], ["治安", "求助"], [15, 35, 40, 10]),
    "traffic": (["违章停车堵路", "两车剐蹭", "道路拥堵", "信号灯故障"], ["停车", "事故"], [10, 30, 45, 15]),
    "public_service": (["独居老人求助", "路灯损坏", "井盖缺失", "小区停水"], ["民生", "设施"], [10, 25, 45, 20]),
    "environment": (["餐馆油烟扰民", "污水外溢", "夜间施工噪声", "露天焚烧垃圾"], ["油烟", "噪声", "污水"], [3, 17, 55, 25]),
    "emergency": (["人员落水", "燃气泄漏", "高空坠物"], ["应急"], [80, 20, 0, 0]),
}
BY_SOURCE = {
    "110": {"dispute": 45, "public_security": 30, "traffic": 10, "public_service": 10, "emergency": 5},
    "119": {"fire": 85, "emergency": 15},
    "12345": {"dispute": 20, "market": 20, "environment": 20, "city_management": 15, "public_service": 20, "traffic": 5},
    "grid": {"city_management": 30, "fire": 20, "environment": 20, "public_service": 15, "dispute": 15},
    "video": {"city_management": 55, "traffic": 30, "public_service": 10, "fire": 5},
    "patrol": {"city_management": 40, "fire": 20, "traffic": 20, "public_security": 20},
    "sensor": {"fire": 70, "public_service": 30},
    "walk_in": {"dispute": 50, "market": 25, "public_service": 25},
    "qrcode": {"public_service": 40, "fire": 30, "environment": 30},
}
TRANSFER_TO = {"market": "market", "traffic": "traffic", "fire": "fire", "public_security": "police",
               "environment": "environment", "dispute": "mediation", "city_management": "citymgmt",
               "public_service": "housing", "emergency": "fire"}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
# satisfaction comes from the room's workflows: a share of the squads show the resident the
# rating QR code at feedback (and most residents scan it); the rest are called back
QR_SHARE = 0.35
QR_SCANNED = 0.7
CALLBACK_REACHED = 0.8
RATINGS = [(5, 80), (4, 12), (3, 5), (2, 2), (1, 1)]
RESIDENT_WORDS = {5: ["处理很及时，谢谢", "", "态度很好"], 4: ["", "还可以"], 3: ["", "来得有点慢"],
                  2: ["问题没有彻底解决"], 1: ["没人管，很不满意"]}


class SimClock:
    """The server's clock in a simulation: real time times `speed` from an anchor, or a
    manual time while fast-forwarding."""

    def __init__(self, start: float | None = None, speed: float = 1.0):
        self.speed = speed
        self._anchor_sim = start if start is not None else time.time()
        self._anchor_real = time.time()
        self.manual: float | None = None

    def __call__(self) -> float:
        if self.manual is not None:
            return self.manual
        return self._anchor_sim + (time.time() - self._anchor_real) * self.speed

    def go_live(self) -> None:
        """Continue from the current (manual) time at `speed`."""
        self._anchor_sim = self()
        self._anchor_real = time.time()
        self.manual = None


def _weighted(rng, pairs):
    items, weights = zip(*pairs)
    return rng.choices(items, weights=weights)[0]


class Simulator:
    def __init__(self, hub, seed: int = 1, speed: float = 1.0, clock: SimClock | None = None,
                 cases_per_day: float = CASES_PER_DAY, move_squads: bool = True, resident=None):
        self.hub = hub
        # the server's resident rating links (server/resident.py); without it, callbacks only
        self.resident = resident
        self.rng = random.Random(seed)
        self.seed = seed
        self.clock = clock or (hub.clock if isinstance(hub.clock, SimClock) else SimClock(speed=speed))
        self.speed = self.clock.speed
        self.cases_per_day = cases_per_day
        self.move_squads = move_squads
        self.fast_forward = False
        self._moves = 0                  # move ticks so far (the history moves squads every 6th)
        self._stepping: set[str] = set()  # the cases it plays whole (its own reports, those open at start)
        self._adopted: set[str] = set()   # the room's own cases whose squad it plays (sign, arrive, feedback)
        # the cases events touched since the last adopt tick (None: the hub tells no events, look at all)
        self._touched: set[str] | None = None
        if isinstance(getattr(hub, "listeners", None), list):
            self._touched = set()
            hub.listeners.append(self._note_touched)
        self._heap: list = []
        self._n = 0
        self._task: asyncio.Task | None = None
        self.operator = Actor("sim-operator", "operator")
        self.leader = Actor("sim-leader", "leader")
        self.intake = {s: Actor(f"intake-{s}", "intake") for s, _w in SOURCES}
        self.counts: dict[str, int] = {}
        self._bursts_done = 0

    # ---- scheduling ------------------------------------------------------------
    def _at(self, t: float, fn, *args) -> None:
        if fn == self._step:
            self._stepping.add(args[0])          # the simulator plays this case (the room's and the field's part)
        self._n += 1
        heapq.heappush(self._heap, (t, self._n, fn, args))

    def prime(self) -> None:
        """Schedule the first arrivals and the steps of cases already open."""
        now = self.clock()
        self._at(now + self._interarrival(now), self._arrival)
        for cid, c in sorted(self.hub.state["cases"].items()):
            if c["status"] != "closed":
                self._at(now + self.rng.uniform(5, 90), self._step, cid)
        if self.move_squads:
            self._at(now + 5, self._move_tick)
        self._at(now + 10, self._adopt_tick)
        self._at(now + self.rng.uniform(10, 40), self._chatter)
        self._at(now + self.rng.uniform(300, 900), self._emergency)
        self._at(now + self.rng.uniform(600, 2400), self._burst)
        self._at(self._next_wartime(now), self._wartime, True)
        if getattr(self.hub, "follow_rota", False):
            self._at(now, self._shift_tick)         # the shifts of the day start at the rota's times

    async def _shift_tick(self) -> None:
        """At each of the rota's shift changes (in simulated time, the history's too)."""
        st = self.hub.state
        if not rota.has_rota(st):
            return
        await self.hub.rota_tick()
        self._at(rota.next_change(st["street"]["rota"], self.clock()) + 0.5, self._shift_tick)

    def _next_wartime(self, now: float) -> float:
        d = datetime.fromtimestamp(now)
        target = d.replace(hour=19, minute=30, second=0, microsecond=0).timestamp()
        return target if target > now else target + 86400

    def _interarrival(self, now: float) -> float:
        rate_per_s = self.cases_per_day / 86400 * HOURLY[datetime.fromtimestamp(now).hour] / (sum(HOURLY) / 24)
        return self.rng.expovariate(rate_per_s)

    async def run_until(self, t_end: float) -> None:
        """Fast-forward: play everything scheduled up to t_end as fast as the server commits."""
        if not self._heap:
            self.prime()
        self.fast_forward = True
        try:
            while self._heap and self._heap[0][0] <= t_end:
                t, _n, fn, args = heapq.heappop(self._heap)
                self.clock.manual = max(self.clock.manual or t, t)
                await fn(*args)
            self.clock.manual = t_end
        finally:
            self.fast_forward = False

    async def run_live(self) -> None:
        if not self._heap:
            self.prime()
        while True:
            t, _n, fn, args = self._heap[0]
            wait = (t - self.clock()) / self.speed
            if wait > 0:
                await asyncio.sleep(min(wait, 1.0))
                continue
            heapq.heappop(self._heap)
            try:
                await fn(*args)
            except Exception:
                log.exception("simulator step failed")

    def start(self) -> asyncio.Task:
        self._task = asyncio.create_task(self.run_live(), name="xiaonao-sim")
        return self._task

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def _do(self, actor: Actor, name: str, args: dict) -> bool:
        try:
            await self.hub.execute(actor, name, args, peer="simulator")
            self.counts[name] = self.counts.get(name, 0) + 1
            return True
        except CommandError as e:
            log.debug("sim %s refused: %s", name, e.message)
            return False

    # ---- cases -----------------------------------------------------------------
    def _person(self) -> dict:
        rng = self.rng
        return {"name": rng.choice(SURNAMES) + rng.choice(["先生", "女士", "师傅", "阿姨"]),
                "phone": "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))}

    def _address(self) -> str:
        street = self.hub.state["street"]
        if self.rng.random() < 0.3 and street["places"]:
            p = self.rng.choice([p for p in street["places"] if p.get("kind") != "business"] or street["places"])
            return p["name"] + self.rng.choice(["门口", "东侧", "停车场", "北门", ""])
        road = self.rng.choice(street["roads"])
        return f"{road['name']}{self.rng.randint(1, 400)}号"

    async def _arrival(self) -> None:
        now = self.clock()
        self._at(now + self._interarrival(now), self._arrival)
        source = _weighted(self.rng, SOURCES)
        category = _weighted(self.rng, list(BY_SOURCE[source].items()))
        titles, tags, pw = CATALOGUE[category]
        title = self.rng.choice(titles)
        if source == "video":
            title = "AI识别：" + title
        priority = _weighted(self.rng, list(zip((1, 2, 3, 4), pw)))
        args = {"title": title, "category": category, "source": source, "priority": priority,
                "location": {"address": self._address()}, "subtags": [self.rng.choice(tags)],
                "description": f"{title}，请尽快处置。"}
        if source not in ("video", "sensor", "patrol"):
            args["reporter"] = self._person()
        await self._report(source, args)

    async def _report(self, source: str, args: dict) -> None:
        before = self.hub.state["next_case_no"]
        if await self._do(self.intake[source], "case.report", args):
            cid = f"C{before:06d}"
            if cid in self.hub.state["cases"]:
                fast = source in ("video", "sensor") or args["priority"] == 1
                self._at(self.clock() + (self.rng.uniform(2, 8) if fast else self.rng.lognormvariate(2.3, 0.6)),
                         self._step, cid)

    def _plan_rng(self, cid: str, step: str) -> random.Random:
        return random.Random(zlib.crc32(f"{self.seed}:{cid}:{step}".encode()))

    async def _step(self, cid: str) -> None:
        """Advance one case by the step its current status calls for, then schedule the next."""
        case = self.hub.state["cases"].get(cid)
        if case is None:
            return
        st = case["status"]
        r = self._plan_rng(cid, f"{st}:{len(case['timeline'])}")
        now = self.clock()
        team = case.get("team_id")
        field = Actor(f"field-{team}", "field", team)       # without a squad it owns nothing: refused
        nxt: float | None = None
        squad = self.hub.state["teams"].get(team or "") or {}
        if st in FIELD_STEPS and (squad.get("terminal") or {}).get("online"):
            # a real person has the squad's terminal open: the stamps are theirs, not the simulator's
            # (looked at again later: a terminal that goes away leaves the case to the simulator)
            self._at(now + 60, self._step, cid)
            return
        if st in ("new", "returned"):
            if await self._do(self.operator, "case.accept", {"case_id": cid}):
                nxt = r.uniform(3, 15) if case["priority"] <= 2 else r.lognormvariate(2.7, 0.55)
        elif st == "accepted":
            recs = recommend_squads(self.hub.state, case, limit=3)
            if recs:
                pick = recs[0] if r.random() < 0.8 else r.choice(recs)
                if await self._do(self.operator, "case.dispatch", {"case_id": cid, "team_id": pick["team"]["id"]}):
                    nxt = r.uniform(5, 30)
            else:
                nxt = 60
        elif st == "dispatched":
            if await self._do(field, "case.sign", {"case_id": cid}):
                await self._radio(team, f"{self._call(team)}收到，{cid}已签收")
                nxt = r.lognormvariate(3.8, 0.5)          # ~45 s to call the party, some miss 3 min
        elif st == "signed":
            ok = await self._do(field, "case.contact", {"case_id": cid})
            nxt = r.lognormvariate(5.5, 0.4) if ok else None   # ~4 min more to arrive, some miss 10 min
        elif st == "contacted":
            if await self._do(field, "case.arrive", {"case_id": cid}):
                await self._radio(team, f"{self._call(team)}已到达现场")
                nxt = r.lognormvariate(6.8, 0.7)
        elif st == "on_scene":
            roll = r.random()
            if case["category"] == "dispute" and roll < 0.15:
                await self._do(self.operator, "case.escalate", {"case_id": cid})
                nxt = r.uniform(1800, 7200)
            elif roll < 0.22:
                await self._do(self.operator, "case.transfer", {"case_id": cid, "to": TRANSFER_TO[case["category"]]})
                nxt = r.uniform(1800, 5400)
            elif await self._tick_checklist(cid, field, r) and \
                    await self._do(field, "case.feedback", {"case_id": cid, "note": "已现场处置，当事人认可"}):
                nxt = r.uniform(60, 600)
                if self.resident is not None and case.get("reporter") and r.random() < QR_SHARE:
                    await self._show_rating_code(cid, field, r)
        elif st in ("resolved", "transferred"):
            res = "现场处置完毕" if st == "resolved" else "相关部门已处置完毕"
            if await self._do(self.operator, "case.close", {"case_id": cid, "resolution": res}):
                if case.get("reporter") and r.random() < 0.6:
                    nxt = r.uniform(600, 3600)
        elif st == "closed" and cb.awaiting(case):
            nxt = await self._call_back(cid, r)
        if nxt is not None:
            self._at(now + nxt, self._step, cid)

    async def _adopt_tick(self) -> None:
        """A case the room reported and dispatched itself (a user trying the demo) gets a squad
        that answers: sign, contact, arrive, feed back. The room's own steps (accept, dispatch,
        close) stay the user's. No random draw of the day's, so the same seed gives the same
        history (which has no such cases)."""
        self._at(self.clock() + 10, self._adopt_tick)
        cases = self.hub.state["cases"]
        if self._touched is None:
            look = list(cases)
        else:          # only what events touched: a case is dispatched by an event (not every case, cold ones decoded, every 10 s)
            look, self._touched = sorted(self._touched), set()
        for cid in look:
            if cid in self._stepping or cid in self._adopted:
                continue
            c = cases.get(cid)
            if c is not None and c["status"] in FIELD_STEPS:
                self._adopted.add(cid)
                self._at(self.clock() + self._plan_rng(cid, "adopt").uniform(5, 20), self._field_step, cid)

    def _note_touched(self, events: list[dict]) -> None:
        """The hub's listener: the cases its committed events touched (for _adopt_tick)."""
        if self._touched is not None:
            for ev in events:
                self._touched.update(touched(ev).cases)

    async def _field_step(self, cid: str) -> None:
        """The squad's next stamp on a case of the room's (see _adopt_tick)."""
        case = self.hub.state["cases"].get(cid)
        if case is None or case["status"] not in FIELD_STEPS:
            self._adopted.discard(cid)          # back with the room; dispatched again, it is adopted again
            return
        st, team = case["status"], case.get("team_id")
        squad = self.hub.state["teams"].get(team or "") or {}
        now = self.clock()
        if (squad.get("terminal") or {}).get("online"):     # a real person has the terminal: theirs
            self._at(now + 60, self._field_step, cid)
            return
        field = Actor(f"field-{team}", "field", team)
        r = self._plan_rng(cid, f"field:{st}:{len(case['timeline'])}")
        nxt: float | None = None
        if st == "dispatched":
            if await self._do(field, "case.sign", {"case_id": cid}):
                await self._radio(team, f"{self._call(team)}收到，{cid}已签收")
                nxt = r.lognormvariate(3.8, 0.5)
        elif st == "signed":
            if await self._do(field, "case.contact", {"case_id": cid}):
                nxt = r.lognormvariate(5.0, 0.4)
        elif st == "contacted":
            if await self._do(field, "case.arrive", {"case_id": cid}):
                await self._radio(team, f"{self._call(team)}已到达现场")
                nxt = r.lognormvariate(6.0, 0.5)
        elif st == "on_scene":
            if await self._tick_checklist(cid, field, r) and \
                    await self._do(field, "case.feedback", {"case_id": cid, "note": "已现场处置，请指挥中心结案"}):
                self._adopted.discard(cid)      # resolved: closing it is the room's
                return
        self._at(now + (nxt if nxt is not None else 60), self._field_step, cid)

    async def _tick_checklist(self, cid: str, field: Actor, r: random.Random) -> bool:
        """The squad goes through its handling checklist (执法手册): the required items (its
        feedback waits for them) and, often, the first one."""
        case = self.hub.state["cases"].get(cid)
        g = guidance.guide_for(case["category"], self.hub.state) if case else None
        if case is None or g is None:
            return True
        want = [i.id for i in guidance.required_missing(self.hub.state, case)]
        if g.items and g.items[0].id not in want and g.items[0].id not in guidance.ticked(case) and r.random() < 0.5:
            want.insert(0, g.items[0].id)
        for iid in want:
            await self._do(field, "case.check", {"case_id": cid, "item": iid})
        return True

    # ---- ratings: through the room's workflows ----------------------------------------
    async def _show_rating_code(self, cid: str, field: Actor, r: random.Random) -> None:
        """The squad shows the resident the rating QR code (query.rating_link's path); most
        residents scan it and rate a few minutes later (the resident page's path)."""
        try:
            link = await self.resident.link(field, cid, "simulator", qr=False)    # (no one looks at its code)
        except CommandError as e:
            log.debug("sim rating link refused: %s", e.message)
            return
        self.counts["rating_link"] = self.counts.get("rating_link", 0) + 1
        if r.random() < QR_SCANNED:
            value = _weighted(r, RATINGS)
            self._at(self.clock() + r.uniform(30, 1200), self._resident_rates, link["token"], value,
                     r.choice(RESIDENT_WORDS[value]))

    async def _resident_rates(self, token: str, value: int, note: str) -> None:
        outcome = await self.resident.rate(token, value, note, peer="simulator")
        self.counts[f"resident_rate.{outcome}"] = self.counts.get(f"resident_rate.{outcome}", 0) + 1

    async def _call_back(self, cid: str, r: random.Random) -> float | None:
        """The operator calls the reporter back (回访, case.callback): reached and rated (a
        dissatisfied rating is supervised, with the reason), or not reached and tried again
        when the rules say. Returns when to look at the case again."""
        if r.random() < CALLBACK_REACHED:
            value = _weighted(r, RATINGS)
            args: dict = {"case_id": cid, "outcome": "reached", "rating": value}
            if cb.RULES.dissatisfied(value):
                args.update({"follow_up": "supervise", "note": "回访不满意：" + (r.choice(RESIDENT_WORDS[value]))})
            await self._do(self.operator, "case.callback", args)
            return None
        if not await self._do(self.operator, "case.callback", {"case_id": cid, "outcome": "not_reached"}):
            return None
        case = self.hub.state["cases"].get(cid)
        if case is None or not cb.awaiting(case):
            return None
        return cb.due_at(case) - self.clock() + r.uniform(0, 1800)

    # ---- squads and radio --------------------------------------------------------
    def _call(self, team_id: str | None) -> str:
        t = self.hub.state["teams"].get(team_id or "")
        return t["call_sign"] if t else "巡查组"

    async def _radio(self, team_id: str | None, text: str) -> None:
        if team_id and not self.fast_forward:
            team = self.hub.state["teams"].get(team_id) or {}
            members = [m["name"] for m in team.get("members", []) if m.get("on_duty", True)]
            await self._do(Actor(f"field-{team_id}", "field", team_id), "radio.transmit",
                           {"team_id": team_id, "text": text, "by": self.rng.choice(members) if members else ""})

    async def _chatter(self) -> None:
        self._at(self.clock() + self.rng.uniform(20, 90), self._chatter)
        teams = [t for t in self.hub.state["teams"].values() if t["on_duty"]]
        if teams:
            t = self.rng.choice(teams)
            on = [m for m in t["members"] if m.get("on_duty", True)]     # who works this shift
            member = self.rng.choice(on)["name"] if on else ""
            await self._radio(t["id"], self.rng.choice([f"{t['call_sign']}巡查正常", f"{t['call_sign']}{member}收到",
                                                        f"{t['call_sign']}到达{self._address()}巡查"]))

    async def _move_tick(self) -> None:
        self._at(self.clock() + 20, self._move_tick)
        self._moves += 1
        # fast-forwarding the history, only the squads on their way to a case move, every 2 minutes
        # (a shift's replay shows where they went, without a position event per squad every 20 s;
        # no random draw, so the history's cases are the same as without it)
        if self.fast_forward and self._moves % 6:
            return
        st = self.hub.state
        moves = []
        for t in list(st["teams"].values()):
            if not t["on_duty"]:
                continue
            pos = team_position(st, t)
            if pos is None:
                continue
            target = None
            if t["case_id"] and t["case_id"] in st["cases"]:
                loc = st["cases"][t["case_id"]]["location"]
                if loc.get("lat") is not None:
                    target = (loc["lat"], loc["lon"])
            if self.fast_forward and (target is None or abs(target[0] - pos[0]) + abs(target[1] - pos[1]) < 2e-4):
                continue                  # (there already: no event to say it stands still)
            if target:
                lat = pos[0] + (target[0] - pos[0]) * 0.35
                lon = pos[1] + (target[1] - pos[1]) * 0.35
            else:
                lat = pos[0] + self.rng.uniform(-0.0006, 0.0006)
                lon = pos[1] + self.rng.uniform(-0.0006, 0.0006)
                grids = [g for g in st["street"]["grids"] if g.get("area") == t["area"]]
                if grids and self.rng.random() < 0.1:   # drift back towards the home beat
                    home = grid_centroid(self.rng.choice(grids))
                    lat, lon = (lat + home[0]) / 2, (lon + home[1]) / 2
            moves.append(self._do(Actor(f"field-{t['id']}", "field", t["id"]), "team.position",
                                  {"team_id": t["id"], "lat": round(lat, 6), "lon": round(lon, 6)}))
        # the squads' moves go in together, in this order: one commit for the tick, not one a squad
        # (half a simulated day's commands are positions: a day took 7,800 commits one by one)
        await asyncio.gather(*moves)

    async def _emergency(self) -> None:
        self._at(self.clock() + self.rng.uniform(3600, 9000), self._emergency)
        teams = [t for t in self.hub.state["teams"].values() if t["on_duty"] and not t.get("emergency")]
        if not teams:
            return
        t = self.rng.choice(teams)
        on = [m for m in t["members"] if m.get("on_duty", True)]
        who = self.rng.choice(on)["name"] if on else t["call_sign"]
        if await self._do(Actor(f"field-{t['id']}", "field", t["id"]), "radio.emergency",
                          {"team_id": t["id"], "by": who, "note": self.rng.choice(
                              ["现场有人持械，请求支援", "队员受伤，请求增援", "群体聚集，情绪激动，请求支援"])}):
            self._at(self.clock() + 240, self._ack_emergency, t["id"])

    async def _ack_emergency(self, team_id: str) -> None:
        if self.hub.state["teams"][team_id].get("emergency"):
            await self._do(self.leader, "radio.ack", {"team_id": team_id})

    async def _burst(self) -> None:
        """Several complaints about one business within the hour: an early-warning pattern."""
        self._at(self.clock() + self.rng.uniform(6 * 3600, 18 * 3600), self._burst)
        street = self.hub.state["street"]
        biz = [p for p in street["places"] if p.get("kind") == "business"]
        if not biz:
            return
        b = biz[self._bursts_done % len(biz)]
        self._bursts_done += 1
        for i in range(self.rng.randint(3, 5)):
            self._at(self.clock() + i * self.rng.uniform(120, 900), self._report, "12345", {
                "title": f"投诉{b['name']}：预付费退款难", "category": "market", "source": "12345", "priority": 3,
                "location": {"address": b["address"]}, "business": b["name"], "subtags": ["预付卡", "群体性风险"],
                "description": f"{b['name']}关门停业，已交学费/会员费无法退还。", "reporter": self._person()})

    async def _wartime(self, on: bool) -> None:
        if on:
            if self.hub.state["mode"] != "wartime":
                await self._do(self.leader, "mode.set", {"mode": "wartime"})
            self._at(self.clock() + 40 * 60, self._wartime, False)
        else:
            if self.hub.state["mode"] == "wartime":
                await self._do(self.leader, "mode.set", {"mode": "peacetime"})
            self._at(self._next_wartime(self.clock() + 3600), self._wartime, True)
