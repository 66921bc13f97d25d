// The field terminal: screens and what a tap does. State comes from the server (link.js);
// what the user asked for and the server has not answered yet comes from the outbox.
import { Link } from "./link.js?v=%V%";
import { Outbox } from "./outbox.js?v=%V%";
import { t, setLang, chosenLang, currentLang, LANGS } from "./i18n.js?v=%V%";
import { Uploader } from "./upload.js?v=%V%";
import { h, clear, fmtAgo, fmtTime } from "./dom.js?v=%V%";

// ---- what each role does --------------------------------------------------------------
// Command names of the protocol (docs/protocol.md). A stage command moves the case to `to`
// (shown at once, marked as waiting, until the server's view says so).
const STAGE = {
  "case.sign": "signed", "case.contact": "contacted", "case.arrive": "on_scene",
  "case.feedback": "resolved", "case.return": "returned",
};
// what each role may do to a case in each status (the server decides; these are the buttons)
const ACTIONS = {
  field: {
    dispatched: ["case.sign", "case.return"],
    signed: ["case.contact", "case.arrive", "case.progress", "case.return"],
    contacted: ["case.arrive", "case.progress"],
    on_scene: ["case.feedback", "case.progress"],
  },
  department: {
    transferred: (c) => (deptSigned(c) ? ["case.feedback", "case.progress", "case.return"] : ["case.dept_sign", "case.return"]),
  },
  community: {
    resolved: ["case.confirm", "case.not_resolved", "case.follow_up"],
    closed: ["case.confirm", "case.not_resolved", "case.follow_up"],
    "*": ["case.note"],
  },
};
const PRIMARY = new Set(["case.sign", "case.arrive", "case.feedback", "case.dept_sign", "case.confirm", "case.part_feedback"]);
const TEXT_ARG = { "case.part_feedback": "note", "case.feedback": "note", "case.return": "reason", "case.progress": "note", "case.note": "note",
  "case.follow_up": "note", "case.not_resolved": "note" };
const REQUIRED = new Set(["case.part_feedback", "case.return", "case.progress", "case.note", "case.follow_up", "case.feedback"]);
const OPEN = new Set(["new", "accepted", "dispatched", "signed", "contacted", "on_scene", "resolved", "transferred", "returned"]);
const TABS = { field: ["list", "status", "settings"], department: ["list", "settings"], community: ["list", "report", "settings"] };
const PHOTOS = new Set(["field", "department", "community"]);
const POSITION_EVERY_MS = 30000, POSITION_AT_LEAST_MS = 120000, POSITION_MIN_M = 20;

const outbox = new Outbox();
const wsUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
const link = new Link({ url: wsUrl, outbox });
const uploader = new Uploader({ link, outbox });
link.hold = (cmd) => uploader.holds(cmd);     // a feedback waits for its case's photos still on the phone
window.xnLink = link;   // for the tests and for a curious liaison's console
window.xnUploader = uploader;

let waiting = [];          // the outbox's commands of this account
let photosWaiting = [];    // photos not yet uploaded
let refusals = [];         // {at, code, message, name}: the last few, shown until dismissed
const alerted = new Set(JSON.parse(sessionStorage.getItem("xn.alerted") || "[]"));
let audio = null;

const $ = (id) => document.getElementById(id);

// ---- boot ------------------------------------------------------------------------------
async function boot() {
  await setLang(chosenLang());
  document.title = t("app.title");
  const code = takeCode();
  link.addEventListener("phase", (e) => { renderBar(); if (e.detail.phase === "ready") uploader.kick(); if (e.detail.phase === "login") renderLogin(e.detail.why); else route(); });
  link.addEventListener("state", () => { route(); alertNew(); sharePosition(); ratingLanded(); });
  link.addEventListener("outbox", refreshWaiting);
  link.addEventListener("acked", () => refreshWaiting());
  link.addEventListener("refused", (e) => refused(e.detail));
  link.addEventListener("welcome", () => { renderTabs(); refreshWaiting(); });
  uploader.addEventListener("change", refreshWaiting);
  uploader.addEventListener("failed", (e) => refused(e.detail));
  uploader.addEventListener("progress", (e) => showProgress(e.detail.id));
  uploader.addEventListener("sent", (e) => toast(t("photo.sent", { label: t(`photo.${e.detail.label}`), name: e.detail.name }), "ok"));
  window.addEventListener("online", () => { link.online(); uploader.kick(); });
  window.addEventListener("offline", () => link.offline());
  window.addEventListener("hashchange", () => { if (!codeInLink()) route(); });
  document.addEventListener("visibilitychange", () => document.hidden || link.online());
  document.body.addEventListener("pointerdown", unlockAudio, { once: true });
  $("tabs").addEventListener("click", (e) => { const b = e.target.closest("[data-go]"); if (b) go(b.dataset.go); });
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("sw.js", { scope: "./" }).catch(() => {});
  await refreshWaiting();
  if (code) link.login({ code }); else link.start();
  renderBar();
  if (link.phase !== "login") route();
}

// a login link (#code=…, from the room's QR code): taken out of the address at once, used once
function takeCode() {
  const code = new URLSearchParams(location.hash.slice(1)).get("code");
  if (code) history.replaceState(null, "", location.pathname + "#/list");
  return code;
}

function codeInLink() {
  const code = takeCode();
  if (code) link.login({ code });
  return !!code;
}

function go(path) { if (location.hash !== `#/${path}`) location.hash = `#/${path}`; else route(); }

async function refreshWaiting() {
  const user = link.me && link.me.user;
  waiting = user ? await outbox.list(user) : [];
  photosWaiting = await uploader.refresh(user);
  renderBar();
  if (link.phase !== "login") route();
}

function refused(r) {
  refusals.unshift({ ...r, at: Date.now() });
  refusals = refusals.slice(0, 5);
  toast(refusalText(r), "bad");
  route();
}

function refusalText(r) {
  if (r.photo) return t("photo.refused", { label: t(`photo.${r.photo.label}`), name: r.photo.name, why: uploadWhy(r) });
  const what = r.cmd ? actionLabel(r.cmd.name) : "";
  const why = t(`code.${r.code}`) === `code.${r.code}` ? r.code : t(`code.${r.code}`);
  return t("refused", { what, why, message: r.message || "" });
}

// why the server refused a photo, in the user's language: its code and details (a limit and
// the photo's size, which check failed, the case), never the raw code; the server's English
// message only for a code this terminal does not know
function uploadWhy(e) {
  const code = e.code || "upload", d = e.details || {};
  const mb = (n) => (Number(n) / 1e6).toFixed(1).replace(/\.0$/, "");      // (the server's MB: 10^6 bytes)
  if (code === "too_large" && d.limit) return t(`upload.too_large.${d.kind || "file"}`, { limit: mb(d.limit), size: mb(d.size || 0) });
  if (code === "invalid" && d.reason && t(`upload.invalid.${d.reason}`) !== `upload.invalid.${d.reason}`) return t(`upload.invalid.${d.reason}`);
  if ((code === "not_found" || code === "forbidden") && d.case) return t(`upload.${code}.case`, { case: d.case });
  if (t(`upload.${code}`) !== `upload.${code}`) return t(`upload.${code}`);
  return e.message || code;
}

// ---- the bar: who, the link, what waits -------------------------------------------------
function renderBar() {
  const me = link.me;
  const bar = $("bar");
  clear(bar);
  const team = me && me.team_id ? link.state.teams.get(me.team_id) : null;
  bar.append(h("div", { class: "who" },
    h("b", {}, team ? `${team.call_sign || team.id}` : (me ? unitName(me) : t("app.title"))),
    me ? h("span", { class: "sub" }, me.user) : null));
  const phase = link.phase;
  const net = { ready: ["on", t("net.online")], syncing: ["wait", t("net.syncing")], connecting: ["wait", t("net.connecting")],
    offline: ["off", t("net.offline")], login: ["off", t("net.loggedout")], idle: ["wait", t("net.connecting")] }[phase];
  bar.append(h("span", { class: `pill net ${net[0]}`, id: "net", "data-phase": phase }, net[1]));
  const n = waiting.length + photosWaiting.length;
  if (n) bar.append(h("button", { class: "pill waitpill", id: "waitpill", onclick: () => go("waiting") }, t("waiting.n", { n })));
  $("tabs").hidden = phase === "login" || !me;
}

function unitName(me) {
  const street = link.state.street;
  if (me.role === "department") {
    const d = (street?.departments || []).find((x) => x.id === me.department);
    return d ? (currentLang() === "en" && d.name_en ? d.name_en : d.name) : (me.department || t("role.department"));
  }
  if (me.role === "community") return (me.grids || []).join(currentLang() === "en" ? ", " : "、") || t("role.community");
  return t(`role.${me.role}`);
}

// ---- routing -----------------------------------------------------------------------------
function route() {
  if (link.phase === "login" || !link.me) return;
  const [screen, arg] = location.hash.replace(/^#\/?/, "").split("/");
  for (const b of $("tabs").querySelectorAll("[data-go]")) b.classList.toggle("here", b.dataset.go === (screen || "list"));
  if (screen === "case" && arg) renderCase(arg);
  else if (screen === "status" && role() === "field") renderStatus();
  else if (screen === "report" && role() === "community") renderReport();
  else if (screen === "settings") renderSettings();
  else if (screen === "waiting") renderWaiting();
  else renderList();
  renderOverlay();
}

function main(...children) {
  const m = $("main");
  const keepScroll = m.dataset.screen === children[0];
  const y = window.scrollY;
  clear(m);
  m.dataset.screen = children[0];
  m.append(...children.slice(1).filter(Boolean));
  if (refusals.length) m.prepend(refusalBox());
  if (keepScroll) window.scrollTo(0, y);
}

function refusalBox() {
  return h("div", { class: "refusals", role: "alert" },
    ...refusals.map((r) => h("p", {}, refusalText(r))),
    h("button", { class: "link", onclick: () => { refusals = []; route(); } }, t("dismiss")));
}

// ---- login ---------------------------------------------------------------------------------
function renderLogin(why) {
  renderBar();
  $("overlay").hidden = true;
  const user = h("input", { id: "user", autocomplete: "username", autocapitalize: "none", required: true,
    value: localStorage.getItem("xn.lastuser") || "" });
  const pass = h("input", { id: "password", type: "password", autocomplete: "current-password", required: true });
  const msg = why && why.message ? h("p", { class: "msg bad", role: "alert", id: "loginmsg" }, loginWhy(why)) : null;
  const form = h("form", { class: "login", onsubmit: (e) => {
    e.preventDefault();
    if (!user.value.trim() || !pass.value) return;
    localStorage.setItem("xn.lastuser", user.value.trim());
    link.login({ user: user.value.trim(), password: pass.value });
    submit.disabled = true; submit.textContent = t("login.busy");
  } },
  h("h1", {}, t("app.title")), h("p", { class: "sub" }, t("login.lead")), msg,
  h("label", {}, t("login.user"), user), h("label", {}, t("login.password"), pass));
  const submit = h("button", { class: "big primary", type: "submit", id: "login" }, t("login.go"));
  form.append(submit, h("p", { class: "hint" }, t("login.code_hint")), langSwitch());
  const m = $("main");
  clear(m); m.dataset.screen = "login"; m.append(form);
}

function loginWhy(why) {
  if (why.code === "unauthenticated") return why.loginCode ? t("login.code_bad") : (why.token ? t("login.again") : t("login.wrong"));
  return t(`ended.${why.code}`) === `ended.${why.code}` ? why.message : t(`ended.${why.code}`);
}

function langSwitch() {
  return h("div", { class: "langs" }, ...LANGS.map((l) => h("button", {
    type: "button", class: `lang ${l === currentLang() ? "here" : ""}`, "data-lang": l,
    onclick: async () => { await setLang(l); document.title = t("app.title"); renderTabs(); renderBar();
      if (link.phase === "login") renderLogin(); else route(); },
  }, t(`lang.${l}`))));
}

function renderTabs() {
  const tabs = $("tabs");
  const want = TABS[role()] || TABS.field;
  if ([...tabs.querySelectorAll("[data-go]")].map((b) => b.dataset.go).join() !== want.join()) {
    clear(tabs);
    for (const go of want) tabs.append(h("button", { type: "button", "data-go": go }, ""));
  }
  for (const b of tabs.querySelectorAll("[data-go]")) b.textContent = t(`tab.${b.dataset.go}`);
}

// ---- cases ---------------------------------------------------------------------------------
const role = () => (link.me && link.me.role) || "field";

function deptSigned(c) {
  return !!c.dept_signed || waiting.some((w) => w.name === "case.dept_sign" && w.args && w.args.case_id === c.id);
}

// a joint case (一件事): the department's own part of it, open (the server shows it only its part)
function myPart(c) {
  const me = link.me;
  if (role() !== "department" || !me) return null;
  return (c.parts || []).find((p) => p.department === me.department && !p.cancelled) || null;
}
function partDone(c, p) {
  return !!p.done || waiting.some((w) => w.name === "case.part_feedback" && w.args && w.args.case_id === c.id);
}

function actionsFor(c, s) {
  const table = ACTIONS[role()] || {};
  const part = myPart(c);
  if (part && c.department !== link.me.department) return partDone(c, part) ? [] : ["case.part_feedback"];
  const a = table[s] ?? [];
  const confirmed = c.confirmation || waiting.some((w) => w.name === "case.confirm" && w.args && w.args.case_id === c.id);
  return [...(typeof a === "function" ? a(c) : a), ...(table["*"] && !(s in table) ? table["*"] : [])]
    .filter((n) => !(confirmed && (n === "case.confirm" || n === "case.not_resolved")));
}

function myCases() {
  const community = role() === "community";
  return [...link.state.cases.values()].filter((c) => OPEN.has(c.status) || (community && c.status === "closed" && !c.confirmation))
    .sort((a, b) => (a.priority - b.priority) || String(a.times?.dispatched || "").localeCompare(String(b.times?.dispatched || "")));
}

// the status the user sees: the server's, moved on by stage commands still waiting
function effective(c) {
  let s = c.status;
  for (const w of waiting) if (w.args && w.args.case_id === c.id && STAGE[w.name]) s = STAGE[w.name];
  return s;
}
const waitingFor = (cid) => waiting.filter((w) => w.args && w.args.case_id === cid);

function statusText(s) { return t(`status.${s}`); }
function actionLabel(name) {
  const own = `act.${name}.${role()}`;          // a role's own wording (a department returns to the room)
  return t(own) === own ? t(`act.${name}`) : t(own);
}

function staleNote() {
  return link.stale && link.phase !== "ready"
    ? h("p", { class: "msg wait", id: "stale" }, t("list.stale", { at: fmtTime(new Date(link.stale).toISOString()) })) : null;
}

function renderList() {
  const cases = myCases();
  // the last five closed, the latest first (the map's order is the order they arrived in)
  const ended = (c) => String(c.times?.closed || c.times?.feedback || c.times?.reported || "");
  const closed = [...link.state.cases.values()].filter((c) => !OPEN.has(c.status))
    .sort((a, b) => ended(b).localeCompare(ended(a))).slice(0, 5);
  main("list", staleNote(),
    h("h2", {}, t(`list.title.${role()}`, { n: cases.length })),
    cases.length ? h("ul", { class: "cases" }, ...cases.map(caseCard))
      : h("p", { class: "empty" }, link.phase === "ready" ? t("list.empty") : t("list.empty_offline")),
    closed.length ? h("h3", {}, t("list.closed")) : null,
    closed.length ? h("ul", { class: "cases done" }, ...closed.map(caseCard)) : null);
}

function caseCard(c) {
  const s = effective(c);
  const w = waitingFor(c.id).length;
  return h("li", {},
    h("a", { class: `card p${c.priority} st-${s}`, href: `#/case/${c.id}`, "data-case": c.id },
      h("div", { class: "row" }, h("span", { class: "no" }, c.id),
        h("span", { class: `badge st-${s}` }, statusText(s)), w ? h("span", { class: "badge wait" }, t("waiting.short")) : null,
        partBadge(c)),
      h("div", { class: "title" }, c.title),
      h("div", { class: "addr" }, c.location?.address || ""),
      h("div", { class: "meta" }, t(`prio.${c.priority}`), " · ", fmtAgo((OPEN.has(c.status) ? null : c.times?.closed) || c.times?.dispatched || c.times?.reported, t))));
}

function renderCase(cid) {
  const c = link.state.cases.get(cid);
  if (!c) { main("case", h("p", { class: "empty" }, t("case.gone")), h("a", { class: "big", href: "#/list" }, t("back"))); return; }
  const s = effective(c);
  const acts = actionsFor(c, s).map((name) => actionButton(c, name));
  const r = role();
  const reporter = c.reporter || {};
  const wf = waitingFor(cid);
  const free = wf.filter((w) => !uploader.holds(w));     // (those waiting for photos say so on a line of their own)
  main(`case-${cid}`,
    h("a", { class: "back", href: "#/list" }, "‹ ", t("back")),
    h("div", { class: `head p${c.priority}` },
      h("div", { class: "row" }, h("span", { class: "no" }, c.id), h("span", { class: `badge st-${s}` }, statusText(s)),
        h("span", { class: "badge" }, t(`prio.${c.priority}`))),
      h("h2", {}, c.title),
      h("p", { class: "addr" }, c.location?.address || "", c.location?.grid ? ` · ${c.location.grid}` : "")),
    free.length ? h("p", { class: "msg wait", id: "case-waiting" }, t("case.waiting", { what: free.map((w) => actionLabel(w.name)).join("、") })) : null,
    ...wf.filter((w) => uploader.holds(w)).map((w) => h("p", { class: "msg wait", id: "case-held" },
      t("case.held", { what: actionLabel(w.name), names: uploader.holds(w).join("、") }))),
    c.confirmation ? h("p", { class: "msg ok" }, t(`confirm.${c.confirmation.outcome}`), ` · ${fmtTime(c.confirmation.at)}`) : null,
    r === "department" && deptSigned(c) && s === "transferred" ? h("p", { class: "msg ok", id: "dept-signed" }, t("dept.signed")) : null,
    h("div", { class: "actions" }, ...acts,
      s === "resolved" && r !== "community" ? h("p", { class: "msg ok" }, t("case.resolved_wait")) : null,
      r === "field" && canRate(c, s) ? h("button", { class: "big", id: "act-rating", onclick: () => showRating(c) }, t("act.rating")) : null),
    c.rating != null ? h("p", { class: "msg ok", id: "case-rating" }, t("rating.done", { stars: stars(c.rating) }),
      ` · ${t(`rating.src.${c.rating_source || "room"}`)}`) : null,
    PHOTOS.has(r) && ((s !== "resolved" && OPEN.has(s)) || r === "community") ? h("div", { class: "actions minor" },
      photoButtons(c),
      r === "field" ? h("button", { class: "big", id: "act-reinforce", onclick: () => reinforce(c) }, t("act.reinforce")) : null) : null,
    reporter.phone ? h("a", { class: "big call", href: `tel:${reporter.phone}` }, t("case.call", { name: reporter.name || "" })) : null,
    partsBlock(c),
    c.description ? h("p", { class: "desc" }, c.description) : null,
    guideBox(c, s),
    photoStrip(c),
    h("h3", {}, t("case.timeline")),
    h("ol", { class: "timeline" }, ...(c.timeline || []).slice(-12).reverse().map((e) =>
      h("li", {}, h("time", {}, fmtTime(e.at)), " ", t(`ev.${e.name}`) === `ev.${e.name}` ? e.name : t(`ev.${e.name}`),
        e.actor ? h("span", { class: "sub" }, ` ${e.actor}`) : null,
        e.by_role && e.by_role !== r && ["operator", "leader", "admin"].includes(e.by_role)
          ? h("span", { class: "badge" }, t("case.by_room")) : null,
        e.note ? h("div", { class: "note" }, e.note) : null,
        e.item_text ? h("div", { class: "note" }, `${e.ticked === false ? "☐" : "☑"} ${e.item_text}`) : null))));
}

// ---- the handling guide and its checklist (执法手册) -------------------------------------------
// an item's state: ticked on the case, or as a tap still waiting in the outbox says
function itemTicked(c, id) {
  const w = waitingFor(c.id).filter((x) => x.name === "case.check" && x.args.item === id);
  if (w.length) return { ticked: w[w.length - 1].args.done !== false, waiting: true };
  return { ticked: Boolean((c.checklist || {})[id]), waiting: false };
}

function guideBox(c, s) {
  const g = (link.state.guides || {})[c.category];
  if (!g || role() !== "field") return null;
  const zh = currentLang() === "zh_CN";
  const canTick = OPEN.has(s) && s !== "resolved";
  const missing = (g.items || []).filter((it) => it.required && !itemTicked(c, it.id).ticked);
  return h("section", { class: "guide", id: "guide" },
    h("h3", {}, t("guide.title")),
    h("p", { class: "guide-text" }, zh ? g.guide : (g.guide_en || g.guide)),
    canTick && missing.length && actionsFor(c, s).includes("case.feedback")
      ? h("p", { class: "msg warn", id: "guide-need" }, t("guide.need", { items: missing.map((it) => label(it, zh)).join("、") })) : null,
    h("ul", { class: "checklist" }, ...(g.items || []).map((it) => {
      const st = itemTicked(c, it.id);
      const mark = (c.checklist || {})[it.id];
      return h("li", {},
        h("button", { class: `check ${st.ticked ? "on" : ""}`, id: `check-${it.id}`, disabled: !canTick,
          "aria-pressed": st.ticked ? "true" : "false",
          onclick: () => link.command("case.check", { case_id: c.id, item: it.id, done: !st.ticked }) },
          h("span", { class: "box" }, st.ticked ? "☑" : "☐"), " ", label(it, zh),
          it.required ? h("span", { class: "badge req" }, t("guide.required")) : null,
          st.waiting ? h("span", { class: "badge wait" }, t("waiting.short")) : null),
        mark && !st.waiting ? h("div", { class: "sub" }, `${fmtTime(mark.at)} ${mark.by || ""}`,
          ["operator", "leader", "admin"].includes(mark.by_role) ? ` · ${t("case.by_room")}` : "") : null);
    })));
}
const label = (it, zh) => (zh || !it.en ? it.zh : it.en);

// ---- the resident rates by QR code (扫码打分) ------------------------------------------------
let ratingFor = null;       // the case whose rating code is on the sheet
const stars = (n) => "★".repeat(n) + "☆".repeat(5 - n);
function canRate(c, s) { return (s === "resolved" || s === "closed") && c.rating == null && !c.merged_into; }

async function showRating(c) {
  unlockAudio();
  const sheet = $("sheet");
  const close = () => { ratingFor = null; sheet.hidden = true; clear(sheet); };
  const panel = (...body) => {
    clear(sheet);
    sheet.append(h("div", { class: "panel rating", role: "dialog", "aria-labelledby": "sheet-title" },
      h("h2", { id: "sheet-title" }, t("rating.title")), ...body,
      h("button", { class: "big", id: "rating-close", onclick: close }, t("rating.close"))));
    sheet.hidden = false;
  };
  ratingFor = c.id;
  panel(h("p", { class: "sub", id: "rating-wait" }, t("rating.making")));
  const { data, error } = await link.ask("query.rating_link", { case_id: c.id });
  if (ratingFor !== c.id) return;
  if (error) {
    const why = ["offline", "timeout"].includes(error.code) ? t("rating.offline")
      : t("rating.refused", { why: error.message || error.code });
    panel(h("p", { class: "msg bad", id: "rating-refused" }, why));
    return;
  }
  const until = new Date(data.expires);
  const when = `${until.getMonth() + 1}/${until.getDate()} ${fmtTime(data.expires)}`;
  panel(h("p", { class: "sub" }, t("rating.prompt")),
    h("img", { class: "qr", id: "rating-qr", src: data.svg, alt: data.url }),
    h("p", { class: "url", id: "rating-url" }, data.url),
    h("p", { class: "sub", id: "rating-expires" }, t("rating.expires", { when })));
}

function ratingLanded() {
  // the resident rated while the code was shown: the sheet closes, saying so
  if (!ratingFor) return;
  const c = link.state.cases.get(ratingFor);
  if (c && c.rating != null) {
    ratingFor = null; $("sheet").hidden = true; clear($("sheet"));
    toast(t("rating.done", { stars: stars(c.rating) }), "ok");
  }
}

function actionButton(c, name) {
  const primary = PRIMARY.has(name);
  return h("button", { class: `big ${primary ? "primary" : ""}`, id: `act-${name.replace("case.", "")}`,
    onclick: () => act(c, name) }, actionLabel(name));
}

async function act(c, name) {
  unlockAudio();
  const textArg = TEXT_ARG[name];
  let text = null;
  if (textArg) {
    text = await ask(actionLabel(name), t(`ask.${name}`), REQUIRED.has(name));
    if (text == null) return;
  }
  if (name === "case.confirm") return link.command("case.confirm", { case_id: c.id, outcome: "confirmed" });
  if (name === "case.not_resolved") {
    return link.command("case.confirm", { case_id: c.id, outcome: "not_resolved", ...(text ? { note: text } : {}) });
  }
  if (name === "case.part_feedback") return link.command(name, { case_id: c.id, part_id: myPart(c).id, note: text });
  return link.command(name, textArg ? { case_id: c.id, [textArg]: text } : { case_id: c.id });
}

// on a case card: the department's part of a joint case, and whether it is done or late
function partBadge(c) {
  const p = myPart(c);
  if (!p) return null;
  const late = !p.done && p.due && Date.parse(p.due) < Date.now();
  return h("span", { class: `badge part ${late ? "late" : ""}`, "data-part": p.id },
    t(partDone(c, p) ? "parts.badge_done" : (late ? "parts.badge_late" : "parts.badge")));
}

// the joint case's parts: the department's own (task, deadline, feedback), and how far the others are
function partsBlock(c) {
  const ps = (c.parts || []).filter((p) => !p.cancelled);
  if (!ps.length) return null;
  const mine = myPart(c);
  const done = ps.filter((p) => p.done).length;
  const street = link.state.street;
  const dname = (id) => { const d = (street?.departments || []).find((x) => x.id === id);
    return d ? (currentLang() === "en" && d.name_en ? d.name_en : d.name) : id; };
  const late = (p) => !p.done && p.due && Date.parse(p.due) < Date.now();
  return h("div", { class: "parts", id: "parts" },
    h("h3", {}, t("parts.title", { done, n: ps.length })),
    mine ? h("div", { class: `part mine ${late(mine) ? "late" : ""}`, id: "my-part" },
      h("b", {}, t("parts.mine")), " ", mine.task,
      h("div", { class: "sub" }, mine.due ? t("parts.due", { at: fmtTime(mine.due) }) : "",
        late(mine) ? ` · ${t("parts.late")}` : ""),
      mine.done ? h("div", { class: "note" }, t("parts.done_by", { at: fmtTime(mine.done.at) }), mine.done.note ? ` ${mine.done.note}` : "") : null) : null,
    h("ul", { class: "others" }, ...ps.filter((p) => p !== mine).map((p) =>
      h("li", { class: late(p) ? "late" : "" }, dname(p.department), " · ",
        p.done ? t("parts.state_done") : (late(p) ? t("parts.late") : t("parts.state_open"))))));
}

async function reinforce(c) {
  const note = await ask(t("act.reinforce"), t("ask.reinforce"), false);
  if (note == null) return;
  return link.command("team.request_reinforcement", { team_id: link.me.team_id, case_id: c.id, ...(note ? { note } : {}) });
}

// ---- photos -----------------------------------------------------------------------------
// the file inputs live outside the screen, which is redrawn on every update: the camera may
// take a minute, and the photo must still reach the case it was taken for
function photoInput(label) {
  let input = $(`photo-${label}`);
  if (!input) {
    input = h("input", { type: "file", accept: "image/*,video/*", capture: "environment", hidden: true, id: `photo-${label}`,
      onchange: async () => {
        const cid = input.dataset.case;
        for (const f of input.files) if (cid) await uploader.add(cid, label, f);
        input.value = "";
      } });
    document.body.append(input);
  }
  return input;
}

function photoButtons(c) {
  if (!uploader.available) return null;
  return h("div", { class: "photos-row" }, ...["before", "after"].map((label) => {
    const input = photoInput(label);
    input.dataset.case = c.id;
    return h("button", { type: "button", class: "big photo", id: `take-${label}`, onclick: () => input.click() }, t(`photo.${label}`));
  }));
}

function photoStrip(c) {
  const mine = photosWaiting.filter((p) => p.case_id === c.id);
  const atts = (c.attachments || []);
  if (!mine.length && !atts.length) return null;
  return h("div", { class: "strip" },
    ...mine.map((p) => h("figure", { class: "waiting", "data-photo": p.id }, h("img", { src: uploader.previewUrl(p), alt: "" }),
      h("figcaption", {}, t(`photo.${p.label}`), " · ", progressLine(p)))),
    ...atts.filter((a) => !a.removed).map((a) => h("figure", { "data-attachment": a.id },
      a.thumb ? h("img", { src: uploader.thumbUrl(a, route) || null, alt: "" }) : null,
      h("figcaption", {}, t(`photo.${a.label}`) === `photo.${a.label}` ? (a.label || "") : t(`photo.${a.label}`)))));
}

// how far a photo's upload is: drawn once, then its text changed in place as bytes go
// (the screen is not redrawn for each progress event)
function progressText(p) {
  const g = uploader.progress.get(p.id);
  if (p.error) return t("photo.not_accepted");
  if (!g) return t("photo.waiting");
  if (g.sent == null) return t("photo.resuming_ask");
  // (99 at most until the server answers: the browser counts bytes handed to the network)
  const pct = Math.min(g.state === "attaching" ? 100 : 99, Math.floor((100 * g.sent) / Math.max(1, g.size)));
  return t(`photo.${g.state}`, { pct });
}
function progressLine(p) {
  const g = uploader.progress.get(p.id);
  return h("span", { class: "progress", "data-progress": p.id, "data-state": g ? g.state : "waiting" }, progressText(p));
}
function showProgress(id) {
  const p = photosWaiting.find((x) => x.id === id);
  if (!p) return;
  const g = uploader.progress.get(id);
  for (const el of document.querySelectorAll(`[data-progress="${id}"]`)) {
    el.textContent = progressText(p);
    el.dataset.state = g ? g.state : "waiting";
  }
}
function sizeText(n) { return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.round(n / 1000)} KB`; }      // (MB as the server counts: 10^6 bytes)

// ---- the new assignment: on top until signed ------------------------------------------------
function unsigned() {
  if (role() === "department") return myCases().filter((c) => c.status === "transferred" && !deptSigned(c));
  if (role() === "field") return myCases().filter((c) => effective(c) === "dispatched");
  return [];
}

function renderOverlay() {
  const ov = $("overlay");
  const list = unsigned();
  // on top of every screen but the detail of the case itself (its sign button is there)
  const [screen, arg] = location.hash.replace(/^#\/?/, "").split("/");
  if (!list.length || (screen === "case" && list.some((c) => c.id === arg))) { ov.hidden = true; clear(ov); return; }
  const c = list[0];
  clear(ov);
  ov.hidden = false;
  ov.append(h("div", { class: `assign p${c.priority}`, role: "alertdialog", "aria-labelledby": "assign-title" },
    h("p", { class: "kicker" }, t(role() === "department" ? "assign.new_transfer" : "assign.new"), list.length > 1 ? ` (${list.length})` : ""),
    h("h2", { id: "assign-title" }, c.title),
    h("p", { class: "addr" }, c.location?.address || ""),
    h("p", { class: "meta" }, `${c.id} · `, t(`prio.${c.priority}`), " · ",
      fmtAgo(role() === "department" ? c.times?.transferred : c.times?.dispatched, t)),
    h("button", { class: "big primary huge", id: "assign-sign",
      onclick: () => { act(c, role() === "department" ? "case.dept_sign" : "case.sign"); } }, t("act.case.sign")),
    h("a", { class: "big", href: `#/case/${c.id}`, id: "assign-open" }, t("assign.open"))));
}

function alertNew() {
  const fresh = unsigned().filter((c) => !alerted.has(c.id));
  if (!fresh.length) return;
  for (const c of fresh) alerted.add(c.id);
  sessionStorage.setItem("xn.alerted", JSON.stringify([...alerted].slice(-200)));
  if (navigator.vibrate) navigator.vibrate([400, 150, 400, 150, 400]);
  beep();
  if (document.hidden && "serviceWorker" in navigator && window.Notification && Notification.permission === "granted") {
    navigator.serviceWorker.ready.then((r) => r.showNotification(t("assign.new"), { body: fresh[0].title, tag: fresh[0].id, renotify: true }));
  }
}

// an unsigned assignment reminds again every 30 s while the screen is on
const REMIND_MS = 30000;
setInterval(() => {
  if (document.hidden || link.phase === "login" || !unsigned().length) return;
  if (navigator.vibrate) navigator.vibrate([300, 150, 300]);
  beep();
}, REMIND_MS);

function unlockAudio() {
  if (audio || !window.AudioContext) return;
  try { audio = new AudioContext(); } catch (e) { audio = null; }
}

function beep() {
  if (!audio) return;
  const now = audio.currentTime;
  for (let i = 0; i < 3; i++) {
    const o = audio.createOscillator(), g = audio.createGain();
    o.frequency.value = 880; g.gain.setValueAtTime(0.0001, now + i * 0.35);
    g.gain.exponentialRampToValueAtTime(0.4, now + i * 0.35 + 0.02);
    g.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.35 + 0.25);
    o.connect(g).connect(audio.destination); o.start(now + i * 0.35); o.stop(now + i * 0.35 + 0.3);
  }
}

// ---- own status, position ---------------------------------------------------------------------
const OWN_STATUS = ["available", "busy", "off_duty"];

function renderStatus() {
  const me = link.me;
  const team = me.team_id ? link.state.teams.get(me.team_id) : null;
  const pending = waiting.filter((w) => w.name === "team.status" || w.name === "team.duty").pop();
  const now = team ? (team.on_duty === false ? "off_duty" : team.status) : null;
  const shown = pending ? (pending.name === "team.duty" ? (pending.args.on_duty ? "available" : "off_duty") : pending.args.status) : now;
  const consent = localStorage.getItem("xn.geo") === "on";
  main("status",
    h("h2", {}, t("status.title")),
    team ? h("p", { class: "sub" }, t("status.now", { status: t(`team.${now}`) })) : null,
    h("div", { class: "choices" }, ...OWN_STATUS.map((s) => h("button", {
      class: `big choice ${shown === s ? "here" : ""}`, id: `status-${s}`, "aria-pressed": String(shown === s),
      onclick: () => setOwnStatus(s, now) }, t(`team.${s}`)))),
    h("h2", {}, t("geo.title")),
    h("p", { class: "hint" }, t("geo.explain")),
    h("button", { class: `big ${consent ? "primary" : ""}`, id: "geo-toggle", onclick: toggleGeo },
      consent ? t("geo.on") : t("geo.off")),
    lastFix ? h("p", { class: "sub", id: "geo-last" }, t("geo.last", { at: fmtTime(new Date(lastSent || lastFix.at).toISOString()) })) : null,
    h("h2", {}, t("sos.title")),
    h("button", { class: "big danger", id: "sos", onclick: async () => {
      const note = await ask(t("sos.title"), t("sos.ask"), false);
      if (note != null) link.command("radio.emergency", { team_id: me.team_id, note });
    } }, t("sos.go")));
}

// off duty and back are `team.duty`; available and busy are `team.status` (on duty)
async function setOwnStatus(s, now) {
  const team_id = link.me.team_id;
  if (s === "off_duty") return link.command("team.duty", { team_id, on_duty: false });
  if (now === "off_duty") await link.command("team.duty", { team_id, on_duty: true });
  if (s !== "available" || now !== "off_duty") return link.command("team.status", { team_id, status: s });
}

let watchId = null, lastFix = null, lastSent = 0, lastSentAt = null;

function toggleGeo() {
  const on = localStorage.getItem("xn.geo") !== "on";
  localStorage.setItem("xn.geo", on ? "on" : "off");
  sharePosition();
  route();
}

function onDuty() {
  const me = link.me;
  const team = me && me.team_id ? link.state.teams.get(me.team_id) : null;
  return !!team && team.on_duty !== false && team.status !== "off_duty";
}

function sharePosition() {
  const want = localStorage.getItem("xn.geo") === "on" && link.me && link.me.team_id && onDuty() && navigator.geolocation;
  if (want && watchId == null) {
    watchId = navigator.geolocation.watchPosition(onFix, () => {}, { enableHighAccuracy: true, maximumAge: 10000, timeout: 30000 });
  } else if (!want && watchId != null) {
    navigator.geolocation.clearWatch(watchId); watchId = null;
  }
}

function metres(a, b) {
  const r = 6371000, rad = Math.PI / 180;
  const dlat = (b[0] - a[0]) * rad, dlon = (b[1] - a[1]) * rad;
  const x = Math.sin(dlat / 2) ** 2 + Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(dlon / 2) ** 2;
  return 2 * r * Math.asin(Math.sqrt(x));
}

// at most one position every 30 s, and only when moved 20 m (or every 2 min while still)
function onFix(pos) {
  const now = Date.now();
  const p = [Number(pos.coords.latitude.toFixed(6)), Number(pos.coords.longitude.toFixed(6))];
  lastFix = { p, at: now };
  const since = now - lastSent;
  if (since < POSITION_EVERY_MS) return;
  if (lastSentAt && since < POSITION_AT_LEAST_MS && metres(lastSentAt, p) < POSITION_MIN_M) return;
  lastSent = now; lastSentAt = p;
  link.command("team.position", { team_id: link.me.team_id, lat: p[0], lon: p[1] }, { coalesce: "position" });
}

// ---- a community's report from its grid ---------------------------------------------------------
const CATEGORIES = ["dispute", "city_management", "environment", "public_security", "public_service", "market", "traffic", "fire", "emergency"];

function renderReport() {
  if ($("main").dataset.screen === "report" && $("r-title")) return;     // never redraw what is being typed
  const grids = link.me.grids || [];
  const streetGrids = new Map((link.state.street?.grids || []).map((g) => [g.id, g]));
  const f = {
    title: h("input", { id: "r-title", maxlength: 200, required: true }),
    category: h("select", { id: "r-category" }, ...CATEGORIES.map((c) => h("option", { value: c }, t(`cat.${c}`)))),
    grid: h("select", { id: "r-grid" }, ...grids.map((g) => h("option", { value: g }, streetGrids.get(g)?.name ? `${g} ${streetGrids.get(g).name}` : g))),
    address: h("input", { id: "r-address", maxlength: 200, required: true }),
    description: h("textarea", { id: "r-description", rows: 3, maxlength: 4000 }),
    name: h("input", { id: "r-name", maxlength: 60, autocomplete: "off" }),
    phone: h("input", { id: "r-phone", maxlength: 64, type: "tel", autocomplete: "off" }),
    urgent: h("input", { id: "r-urgent", type: "checkbox", class: "check" }),
  };
  const form = h("form", { class: "report", onsubmit: async (e) => {
    e.preventDefault();
    const missing = ["title", "address"].filter((k) => !f[k].value.trim());
    for (const k of ["title", "address"]) f[k].classList.toggle("bad", missing.includes(k));
    if (missing.length) return;
    const args = { title: f.title.value.trim(), category: f.category.value, source: "grid", priority: f.urgent.checked ? 2 : 3,
      location: { address: f.address.value.trim(), grid: f.grid.value } };
    if (f.description.value.trim()) args.description = f.description.value.trim();
    if (f.name.value.trim() || f.phone.value.trim()) args.reporter = { name: f.name.value.trim(), phone: f.phone.value.trim() };
    await link.command("case.report", args);
    toast(t("report.sent"));
    go("list");
  } },
  h("h2", {}, t("report.title")),
  h("label", {}, t("report.what"), f.title), h("label", {}, t("report.category"), f.category),
  h("label", {}, t("report.grid"), f.grid), h("label", {}, t("report.address"), f.address),
  h("label", {}, t("report.description"), f.description),
  h("label", {}, t("report.resident_name"), f.name), h("label", {}, t("report.resident_phone"), f.phone),
  h("label", { class: "checkrow" }, f.urgent, t("report.urgent")),
  h("button", { class: "big primary", type: "submit", id: "r-send" }, t("report.send")));
  main("report", form);
}

// ---- what waits -------------------------------------------------------------------------------
function renderWaiting() {
  main("waiting",
    h("h2", {}, t("waiting.title")),
    waiting.length || photosWaiting.length ? null : h("p", { class: "empty" }, t("waiting.none")),
    link.phase !== "ready" && (waiting.length || photosWaiting.length) ? h("p", { class: "msg wait" }, t("waiting.offline")) : null,
    h("ul", { class: "waiting" },
      ...waiting.map((w) => h("li", {}, h("b", {}, actionLabel(w.name)), " ",
        w.args?.case_id ? caseNo(w.args.case_id) : "", h("span", { class: "sub" }, ` ${fmtTime(new Date(w.at).toISOString())}`))),
      ...photosWaiting.map((p) => h("li", {}, h("b", {}, t("photo.upload")), " ", t(`photo.${p.label}`), " ", caseNo(p.case_id),
        h("span", { class: "sub" }, ` ${sizeText(p.size)} · `), progressLine(p),
        p.error ? h("div", { class: "bad photo-refused", "data-refused": p.id }, `${p.name}: ${uploadWhy(p.error)} `,
          h("button", { class: "link", id: `photo-remove-${p.id}`, onclick: () => uploader.dismiss(p.id) }, t("photo.remove"))) : null))));
}

function caseNo(cid) { return cid; }  // the room says C000123: the phone says the same

// ---- settings ----------------------------------------------------------------------------------
function renderSettings() {
  const me = link.me;
  main("settings",
    h("h2", {}, t("settings.title")),
    h("p", {}, t("settings.who", { user: me.user, role: t(`role.${me.role}`) }), me.team_id ? ` · ${me.team_id}` : ""),
    h("h3", {}, t("settings.lang")), langSwitch(),
    window.Notification && Notification.permission === "default" ? h("button", { class: "big", id: "notify",
      onclick: () => Notification.requestPermission().then(route) }, t("settings.notify")) : null,
    h("button", { class: "big danger", id: "logout", onclick: () => {
      if (waiting.length && !confirm(t("settings.logout_waiting", { n: waiting.length }))) return;
      link.logout();
    } }, t("settings.logout")),
    h("p", { class: "sub" }, t("settings.version", { v: "%V%" })));
}

// ---- a small sheet for a line of text -------------------------------------------------------------
function ask(title, prompt, required) {
  return new Promise((resolve) => {
    const sheet = $("sheet");
    const area = h("textarea", { id: "sheet-text", rows: 4, maxlength: 4000 });
    const done = (v) => { sheet.hidden = true; clear(sheet); resolve(v); };
    const ok = h("button", { class: "big primary", id: "sheet-ok", onclick: () => {
      const v = area.value.trim();
      if (required && !v) { area.focus(); area.classList.add("bad"); return; }
      done(v);
    } }, t("ok"));
    clear(sheet);
    sheet.append(h("div", { class: "panel", role: "dialog", "aria-labelledby": "sheet-title" },
      h("h2", { id: "sheet-title" }, title), h("p", { class: "sub" }, prompt), area,
      h("div", { class: "row2" }, h("button", { class: "big", id: "sheet-cancel", onclick: () => done(null) }, t("cancel")), ok)));
    sheet.hidden = false;
    area.focus();
  });
}

let toastTimer = null;
function toast(text, kind = "") {
  const el = $("toast");
  el.textContent = text; el.className = `toast ${kind}`; el.hidden = false;
  clearTimeout(toastTimer); toastTimer = setTimeout(() => { el.hidden = true; }, 6000);
}

boot().then(renderTabs);
