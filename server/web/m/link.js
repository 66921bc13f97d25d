// The terminal's protocol client: docs/protocol.md, spoken exactly (envelope, hello/welcome,
// snapshot + pages, seq without gaps, view.update / hidden placeholders, commands with ids
// unique per account, acks and refusals, session.ended). No UI here: app.js listens.
//
// Commands go through the outbox (outbox.js, IndexedDB) first and are sent from there, so a
// command made offline, or whose ack was lost with the link, goes out again with the same id
// on the next connection; the server's idempotency makes that exactly once.

const RETRY_CODES = new Set(["busy", "unavailable"]);   // nothing was applied: same id again later
const PING_EVERY = 15000, PONG_WITHIN = 10000;
const BACKOFF = [500, 1000, 2000, 4000, 8000, 15000];

export function uuid() {
  // crypto.randomUUID exists only in secure contexts; a phone on plain http:// has getRandomValues
  if (globalThis.crypto && crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, "0")).join("");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export function emptyState() {
  return { seq: 0, cases: new Map(), teams: new Map(), street: null, mode: null, sla_profile: null, guides: {} };
}

// Apply one event frame of a (filtered or full) view to `state`. Returns false on a seq gap.
export function applyEvent(state, ev) {
  if (ev.seq !== state.seq + 1) return false;
  const d = ev.data || {};
  switch (ev.name) {
    case "hidden": break;
    case "view.update":
      for (const c of d.cases || []) state.cases.set(c.id, c);
      for (const t of d.teams || []) state.teams.set(t.id, t);
      for (const id of d.removed || []) state.cases.delete(id);
      for (const id of d.removed_teams || []) state.teams.delete(id);
      break;
    case "mode.changed": state.mode = d.mode; if (d.profile) state.sla_profile = d.profile; break;
    case "sla.profile_changed": state.sla_profile = d.profile; break;
    case "street.loaded": state.street = d.street || null; break;
    case "guidance.changed": if (d.category && d.guide) state.guides = { ...state.guides, [d.category]: d.guide }; break;
    default: break;   // a full view's raw events: this terminal is for filtered roles only
  }
  state.seq = ev.seq;
  return true;
}

export class Link extends EventTarget {
  constructor({ url, outbox, storage = localStorage, now = () => Date.now() }) {
    super();
    this.url = url;
    this.outbox = outbox;
    this.storage = storage;
    this.now = now;
    this.ws = null;
    this.phase = "idle";          // idle | connecting | syncing | ready | offline | login
    this.state = emptyState();
    this.me = JSON.parse(storage.getItem("xn.me") || "null");   // {user, role, team_id, ...} of the last welcome
    this.skew = 0;                // server_time - local time, seconds
    this.inflight = new Set();    // ids sent on this connection, not yet answered
    this.credentials = null;      // {user, password} or {code}, for one login only, never stored
    this._attempt = 0;
    this._timer = null;
    this._pingTimer = null;
    this._pongDue = null;
    this._pending = null;         // snapshot being assembled
    this._early = [];             // events that came while the snapshot's pages were arriving
    this._stopped = false;
    this.stale = null;            // when the state shown is the saved one: the time it was saved
    this.hold = null;             // (cmd) => why it waits (e.g. the photos a feedback waits for), or null
  }

  get token() { return this.storage.getItem("xn.token"); }
  set token(t) { if (t) this.storage.setItem("xn.token", t); else this.storage.removeItem("xn.token"); }

  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }
  setPhase(p, why) { if (this.phase !== p || why) { this.phase = p; this.emit("phase", { phase: p, why }); } }

  // ---- session -------------------------------------------------------------------------
  login(credentials) { this.credentials = credentials; this._stopped = false; this.connect(); }

  async start() {
    this._stopped = false;
    if (!this.token) { this.setPhase("login"); return; }
    if (this.me) {
      // what the server last showed this account, until the link brings the present
      const v = await this.outbox.loadView(this.me.user).catch(() => null);
      if (v && this.state.seq === 0) {
        const s = emptyState();
        s.mode = v.mode; s.sla_profile = v.sla_profile; s.guides = v.guides || {};
        for (const t of v.teams || []) s.teams.set(t.id, t);
        for (const c of v.cases || []) s.cases.set(c.id, c);
        s.seq = 0;                      // never resumed from: a filtered view starts from a snapshot
        this.state = s;
        this.stale = v.at;
        this.emit("state", { cached: true });
      }
    }
    this.connect();
  }

  _saveView() {
    clearTimeout(this._saveTimer);
    this._saveTimer = setTimeout(() => {
      if (!this.me || this.phase !== "ready") return;
      const s = this.state;
      this.outbox.saveView(this.me.user, { at: this.now(), mode: s.mode, sla_profile: s.sla_profile, guides: s.guides,
        teams: [...s.teams.values()], cases: [...s.cases.values()] }).catch(() => {});
    }, 400);
  }

  connect() {
    clearTimeout(this._timer);
    if (this.ws) { try { this.ws.close(); } catch (e) { /* already closing */ } }
    if (!this.token && !this.credentials) { this.setPhase("login"); return; }
    this.setPhase("connecting");
    let ws;
    try { ws = new WebSocket(this.url); } catch (e) { this._lost(); return; }
    this.ws = ws;
    ws.onopen = () => ws === this.ws && this._hello();
    ws.onmessage = (m) => ws === this.ws && this._frame(m.data);
    ws.onclose = () => ws === this.ws && this._lost();
    ws.onerror = () => {};
  }

  _hello() {
    const hello = { type: "hello" };
    const c = this.credentials;
    if (c && c.code) hello.code = c.code;
    else if (c) { hello.user = c.user; hello.password = c.password; }
    else hello.token = this.token;
    this._usedToken = !c;
    this._usedCode = !!(c && c.code);
    this._send(hello);
  }

  logout() {
    this._stopped = true;
    if (this.ws && this.phase === "ready") this._send({ type: "logout" });
    this._clearSession();
    this.setPhase("login");
  }

  _clearSession() {
    if (this.me) this.outbox.dropView(this.me.user).catch(() => {});
    this.token = null;
    this.storage.removeItem("xn.me");
    this.me = null;
    this.state = emptyState();
    this.emit("state");
  }

  // the link was lost (or never came up): try again with a back-off
  _lost() {
    clearInterval(this._pingTimer);
    this.ws = null;
    this.inflight.clear();
    if (this._stopped || this.phase === "login") return;
    this.setPhase("offline");
    // the phone knows it has no network: wait for its "online" (app.js), with a slow try meanwhile
    const wait = navigator.onLine === false ? 30000 : BACKOFF[Math.min(this._attempt++, BACKOFF.length - 1)];
    clearTimeout(this._timer);
    this._timer = setTimeout(() => this.connect(), wait);
  }

  // the phone says the network is back (or gone): act at once rather than at the next back-off
  online() { if (!this._stopped && this.phase === "offline") { this._attempt = 0; this.connect(); } }
  offline() { if (this.ws) { const ws = this.ws; this.ws = null; try { ws.close(); } catch (e) { /* */ } this._lost(); } }

  _send(obj) {
    if (!this.ws || this.ws.readyState !== 1) return false;
    this.ws.send(JSON.stringify(obj));
    return true;
  }

  // ---- frames --------------------------------------------------------------------------
  _frame(text) {
    let f;
    try { f = JSON.parse(text); } catch (e) { return; }
    switch (f.type) {
      case "welcome": return this._welcome(f);
      case "snapshot": return this._snapshot(f);
      case "snapshot.page": return this._page(f);
      case "event": return this._event(f);
      case "ack": return this._answer(f.id, null, f.seq);
      case "error":
        if (f.id != null && this._asked && this._asked.has(f.id)) return this._asked.get(f.id)(f);
        return f.id == null ? this._sessionError(f) : this._answer(f.id, f, null);
      case "query.result":
        if (this._asked && this._asked.has(f.id)) return this._asked.get(f.id)(f);
        return this.emit("frame", f);
      case "session.ended": return this._ended(f);
      case "pong": this._pongDue = null; this.emit("pong", { rtt: this.now() - f.t }); return;
      default: this.emit("frame", f);
    }
  }

  _welcome(f) {
    this.credentials = null;
    if (f.token) this.token = f.token;
    const me = { user: f.user, role: f.role, team_id: f.team_id ?? null, department: f.department ?? null,
      grids: f.grids ?? null, token_expires: f.token_expires ?? null, log_id: f.log_id ?? null };
    if (this.me && this.me.user !== me.user) this.state = emptyState();   // another account on this phone
    this.me = me;
    this.storage.setItem("xn.me", JSON.stringify(me));
    if (typeof f.server_time === "number") this.skew = f.server_time - this.now() / 1000;
    this._attempt = 0;
    this.setPhase("syncing");
    this.emit("welcome", me);
    clearInterval(this._pingTimer);
    this._pingTimer = setInterval(() => this._ping(), PING_EVERY);
  }

  _ping() {
    if (this._pongDue && this.now() > this._pongDue) { this.offline(); return; }   // a dead link on weak 4G
    if (this._send({ type: "ping", t: this.now() }) && !this._pongDue) this._pongDue = this.now() + PONG_WITHIN;
  }

  _snapshot(f) {
    const st = f.state || {};
    const s = emptyState();
    s.seq = f.seq;
    s.street = st.street ?? null; s.mode = st.mode ?? null; s.sla_profile = st.sla_profile ?? null;
    s.guides = st.guides || {};
    for (const t of st.teams || []) s.teams.set(t.id, t);
    for (const c of st.cases || []) s.cases.set(c.id, c);
    this._pending = { state: s, pages: f.pages || 0, got: 0 };
    this._early = [];
    if (!this._pending.pages) this._complete();
  }

  _page(f) {
    const p = this._pending;
    if (!p || f.seq !== p.state.seq) return;
    for (const c of f.cases || []) p.state.cases.set(c.id, c);
    p.got = f.page;
    if (p.got >= p.pages) this._complete();
  }

  _complete() {
    const s = this._pending.state;
    this._pending = null;
    this.state = s;
    const early = this._early; this._early = [];
    for (const ev of early) if (ev.seq > s.seq && !applyEvent(s, ev)) return this._resync();
    this.stale = null;
    this.setPhase("ready");
    this.emit("state", { snapshot: true });
    this._saveView();
    this.flush();
  }

  _event(ev) {
    if (this._pending) { this._early.push(ev); return; }
    if (this.phase !== "ready") return;
    if (ev.seq <= this.state.seq) return;                 // already applied
    if (!applyEvent(this.state, ev)) return this._resync();
    this.emit("state", { event: ev });
    if (ev.name !== "hidden") this._saveView();
  }

  // a lost frame: start again from a snapshot of the view
  _resync() {
    this.state.seq = 0;
    this.connect();
  }

  _sessionError(f) {
    if (f.code === "unauthenticated") {
      this._stopped = true;
      const tokenFailed = this._usedToken;
      this.token = null;
      this.setPhase("login", { code: f.code, message: f.message, token: tokenFailed, loginCode: this._usedCode });
      this.credentials = null;
      try { this.ws && this.ws.close(); } catch (e) { /* */ }
      this.ws = null;
      return;
    }
    this.emit("refused", { id: null, code: f.code, message: f.message });
  }

  _ended(f) {
    if (f.reason === "role_changed" || f.reason === "flood") return;   // the close follows; we reconnect with the token
    this._stopped = true;
    this._clearSession();
    this.setPhase("login", { code: f.reason, message: f.message });
  }

  // ---- questions ------------------------------------------------------------------------
  // A read-only question (query.*, e.g. query.rating_link): resolves with its data, or
  // {error: {code, message}}; never queued (it needs the server now).
  ask(type, fields = {}, timeout = 15000) {
    if (!this._asked) this._asked = new Map();
    return new Promise((resolve) => {
      if (this.phase !== "ready") { resolve({ error: { code: "offline", message: "" } }); return; }
      const id = uuid();
      const timer = setTimeout(() => { this._asked.delete(id); resolve({ error: { code: "timeout", message: "" } }); }, timeout);
      this._asked.set(id, (f) => {
        clearTimeout(timer); this._asked.delete(id);
        resolve(f.type === "error" ? { error: { code: f.code, message: f.message } } : { data: f.data });
      });
      if (!this._send({ ...fields, type, id })) { this._asked.get(id)({ type: "error", code: "offline", message: "" }); }
    });
  }

  // ---- commands ------------------------------------------------------------------------
  // Queue a command (IndexedDB first), send it when the link is up; returns its id.
  async command(name, args, extra = {}) {
    const cmd = { id: uuid(), name, args, user: this.me && this.me.user, at: this.now(), ...extra };
    await this.outbox.add(cmd);
    this.emit("outbox");
    if (this.phase === "ready") this._sendCommand(cmd);
    return cmd.id;
  }

  _sendCommand(cmd) {
    if (this.inflight.has(cmd.id)) return;
    if (this.hold && this.hold(cmd)) return;         // kept in the outbox; flush() sends it once free
    if (this._send({ type: "command", id: cmd.id, name: cmd.name, args: cmd.args })) this.inflight.add(cmd.id);
  }

  // send every waiting command of this account, oldest first, with its own id
  async flush() {
    if (this.phase !== "ready" || !this.me) return;
    const waiting = await this.outbox.list(this.me.user);
    for (const cmd of waiting) if (cmd.hold_until == null || cmd.hold_until <= this.now()) this._sendCommand(cmd);
  }

  async _answer(id, err, seq) {
    this.inflight.delete(id);
    const cmd = await this.outbox.get(id);
    if (err && RETRY_CODES.has(err.code)) {
      // nothing was applied: the same command, with the same id, again after a pause
      if (cmd) setTimeout(() => this.phase === "ready" && this._sendCommand(cmd), 1000);
      return;
    }
    await this.outbox.remove(id);
    this.emit("outbox");
    if (err) this.emit("refused", { id, code: err.code, message: err.message, cmd });
    else this.emit("acked", { id, seq, cmd });
  }
}
