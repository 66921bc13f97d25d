// Photos (before/after) for a case. A photo is kept in IndexedDB from the moment it is
// taken until the server has it; it is uploaded to `POST /files` (docs/protocol.md, Evidence)
// when the link is up, then attached with `case.attach` through the outbox. The attach
// command's id is chosen when the photo is taken, so an upload repeated after a lost answer
// (the same bytes give the same attachment id) is the same command: attached once.
import { uuid } from "./link.js?v=%V%";

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
const RETRY_MS = 5000;

export class Uploader extends EventTarget {
  constructor({ link, outbox, base = "" }) {
    super();
    this.link = link;
    this.outbox = outbox;
    this.base = base;
    this.available = true;
    this._busy = false;
    this._timer = null;
    this._urls = new Map();
  }

  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  previewUrl(p) {
    if (!this._urls.has(p.id)) this._urls.set(p.id, URL.createObjectURL(p.blob));
    return this._urls.get(p.id);
  }

  // a thumbnail needs the token (no token in URLs): fetched once, shown through a blob URL
  thumbUrl(a, onload) {
    const key = `t:${a.id}`;
    if (this._urls.has(key)) return this._urls.get(key);
    this._urls.set(key, "");
    fetch(this.base + a.thumb, { headers: { Authorization: `Bearer ${this.link.token}` } })
      .then((r) => (r.ok ? r.blob() : null))
      .then((b) => { if (b) { this._urls.set(key, URL.createObjectURL(b)); onload && onload(); } })
      .catch(() => this._urls.delete(key));
    return "";
  }

  async add(caseId, label, file) {
    const p = { id: uuid(), attach_id: uuid(), user: this.link.me.user, case_id: caseId, label, blob: file,
      name: file.name || `${label}.jpg`, size: file.size, at: Date.now(), error: null };
    await this.outbox.addPhoto(p);
    this.emit("change");
    this.kick();
  }

  async kick() {
    clearTimeout(this._timer);
    if (this._busy || this.link.phase !== "ready" || !this.link.me) return;
    this._busy = true;
    let again = false;
    try {
      for (const p of await this.outbox.photos(this.link.me.user)) {
        if (this.link.phase !== "ready") { again = true; break; }
        if (!(await this._upload(p))) again = true;
      }
    } finally {
      this._busy = false;
    }
    if (again) this._timer = setTimeout(() => this.kick(), RETRY_MS);
  }

  // true when the photo is done with (attached, or refused for good)
  async _upload(p) {
    let r;
    try {
      const q = `name=${encodeURIComponent(p.name)}&case=${encodeURIComponent(p.case_id)}`;
      r = await fetch(`${this.base}/files?${q}`, { method: "POST", body: p.blob,
        headers: { Authorization: `Bearer ${this.link.token}` } });
    } catch (e) {
      return false;                                   // no network: later
    }
    if (r.status === 200 || r.status === 201) {
      const f = await r.json();
      await this.link.command("case.attach", { case_id: p.case_id, attachment: f.id, label: p.label }, { id: p.attach_id });
      await this.outbox.removePhoto(p.id);
      this.emit("change");
      return true;
    }
    if (RETRY_STATUS.has(r.status) || r.status === 401) return false;   // a busy server, or a link logging in again
    const body = await r.json().catch(() => ({}));
    await this.outbox.removePhoto(p.id);
    this.emit("change");
    this.emit("failed", { code: body.code || "upload", message: body.message || `HTTP ${r.status}`,
      cmd: { name: "case.attach" } });
    return true;
  }
}
