// Photos (before/after) for a case. A photo is kept in IndexedDB from the moment it is
// taken until the server has it, then attached with `case.attach` through the outbox. The
// attach command's id is chosen when the photo is taken, so an upload repeated after a lost
// answer (the same bytes give the same attachment id) is the same command: attached once.
//
// Large photos and clips go as resumable uploads, as the cockpit's do (docs/protocol.md,
// "Resumable upload": POST /files/uploads, PUT with Content-Range, HEAD for the offset): the
// upload's id is kept with the photo in IndexedDB, so after a dropped connection or a reload
// the phone asks the server how far it got (HEAD) and sends only the rest. Small ones go in
// one request (POST /files). The user sees the share sent, "resuming" and the outcome.
//
// A photo the server refuses for good (too large, not a photo, a case not the squad's or gone)
// stays on the phone with the reason (`error`: the server's code, message and details, worded
// in the user's language by app.js) until the user removes it: nothing taken is lost unseen.
//
// A feedback (or a department's part feedback) of a case waits behind that case's photos
// still on the phone (`holds`, used by link.js), as the cockpit's outbox does: the room gets
// the "after" photo before the feedback that needs it.
import { uuid } from "./link.js?v=%V%";

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
const RETRY_MS = 5000, RESUME_MS = 1500;
export const RESUMABLE_FROM = 256 * 1024;     // as the cockpit (client/evidence.py)
const CHUNK = 4 * 1024 * 1024;                // a PUT at most: a drop loses no more than what was in flight
const HELD = new Set(["case.feedback", "case.part_feedback", "case.close"]);

class Retry extends Error {}                  // not now: the same photo again later (kept)
class Refused extends Error {                 // never: the photo is kept with the reason until removed
  constructor(code, message, details) { super(message); this.code = code; this.details = details || {}; }
}

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
    this.progress = new Map();        // photo id -> {sent, size, state: uploading | resuming | attaching}
    this._waiting = [];               // the photos on the phone (their case ids hold feedback)
    this._xhr = null;
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

  // what waits on the phone: kept here for `holds` (which must answer at once)
  async refresh(user) {
    this._waiting = user ? await this.outbox.photos(user) : [];
    return this._waiting;
  }

  // why a command waits (the names of the photos it waits for), or null: sent now
  holds(cmd) {
    if (!HELD.has(cmd.name) || !cmd.args) return null;
    const mine = this._waiting.filter((p) => p.case_id === cmd.args.case_id && !p.error);
    return mine.length ? mine.map((p) => p.name) : null;
  }

  async add(caseId, label, file) {
    const p = { id: uuid(), attach_id: uuid(), user: this.link.me.user, case_id: caseId, label, blob: file,
      name: file.name || `${label}.jpg`, size: file.size, at: Date.now(), error: null, upload: null };
    await this.outbox.addPhoto(p);
    await this.refresh(p.user);
    this.emit("change");
    this.kick();
  }

  async kick() {
    if (this._busy) { this._kicked = true; return; }       // (a photo added meanwhile: looked at after this round)
    clearTimeout(this._timer);
    if (this.link.phase !== "ready" || !this.link.me) return;
    this._busy = true;
    let again = null;
    try {
      do {
        this._kicked = false;
        for (const p of await this.refresh(this.link.me.user)) {
          if (this.link.phase !== "ready") { again = RETRY_MS; break; }
          if (p.error) continue;                         // refused: kept for the user to see and remove
          const wait = await this._send(p);
          if (wait != null) { again = wait; break; }      // (in order: the next ones wait)
        }
      } while (this._kicked && again == null);
    } finally {
      this._busy = false;
    }
    if (again != null) this._timer = setTimeout(() => this.kick(), again);
  }

  _progress(p, state, sent) {
    this.progress.set(p.id, { state, sent, size: p.size });
    this.emit("progress", { id: p.id, state, sent, size: p.size });
  }

  // null when the photo is done with (attached, or refused for good), else ms until the next try
  async _send(p) {
    let f;
    try {
      f = p.size >= RESUMABLE_FROM ? await this._resumable(p) : await this._plain(p);
    } catch (e) {
      if (e instanceof Refused) {
        p.error = { code: e.code || "upload", message: e.message, details: e.details };
        p.upload = null;
        await this.outbox.addPhoto(p);
        this.progress.delete(p.id);
        await this.refresh(p.user);
        this.emit("change");
        this.emit("failed", { code: p.error.code, message: e.message, details: e.details, cmd: { name: "case.attach" },
          photo: { id: p.id, name: p.name, label: p.label, case_id: p.case_id } });
        this.link.flush();                // (a feedback that waited for it goes now: the room decides)
        return null;
      }
      const cur = this.progress.get(p.id);
      if (cur) this._progress(p, "resuming", cur.sent);
      return e instanceof Retry && e.message === "drop" ? RESUME_MS : RETRY_MS;
    }
    this._progress(p, "attaching", p.size);
    await this.link.command("case.attach", { case_id: p.case_id, attachment: f.id, label: p.label }, { id: p.attach_id });
    await this.outbox.removePhoto(p.id);
    this.progress.delete(p.id);
    await this.refresh(p.user);
    this.emit("change");
    this.emit("sent", { name: p.name, label: p.label, case_id: p.case_id });
    this.link.flush();                    // the feedback that waited for this photo, after its attach
    return null;
  }

  // the user removes a refused photo (it was kept to be seen)
  async dismiss(id) {
    await this.outbox.removePhoto(id);
    const url = this._urls.get(id);
    if (url) { URL.revokeObjectURL(url); this._urls.delete(id); }
    await this.refresh(this.link.me && this.link.me.user);
    this.emit("change");
  }

  _auth() { return { Authorization: `Bearer ${this.link.token}` }; }

  async _answer(r) {
    if (r.status === 200 || r.status === 201) return r.json();
    if (RETRY_STATUS.has(r.status) || r.status === 401) throw new Retry("busy");   // a busy server, a link logging in again
    const body = await r.json().catch(() => ({}));
    throw new Refused(body.code || "upload", body.message || `HTTP ${r.status}`, body.details);
  }

  async _plain(p) {
    let r;
    try {
      const q = `name=${encodeURIComponent(p.name)}&case=${encodeURIComponent(p.case_id)}`;
      r = await fetch(`${this.base}/files?${q}`, { method: "POST", body: p.blob, headers: this._auth() });
    } catch (e) {
      throw new Retry("drop");                        // no network: later
    }
    return this._answer(r);
  }

  async _resumable(p) {
    let offset = 0;
    const mode = p.upload ? "resuming" : "uploading";      // (shown until the upload ends)
    if (p.upload) {
      // after a drop or a reload: how far the server got
      this._progress(p, "resuming", null);              // (how far: the server says)
      let r;
      try {
        r = await fetch(`${this.base}${p.upload.url}`, { method: "HEAD", headers: this._auth(), cache: "no-store" });
      } catch (e) { throw new Retry("drop"); }
      if (r.status === 404) { p.upload = null; await this.outbox.addPhoto(p); }    // expired or abandoned: anew
      else if (r.status === 200 && r.headers.get("Upload-File")) return { id: r.headers.get("Upload-File") };  // it had finished
      else if (r.status === 200) offset = Number(r.headers.get("Upload-Offset") || 0);
      else await this._answer(r);
    }
    if (!p.upload) {
      const q = `name=${encodeURIComponent(p.name)}&case=${encodeURIComponent(p.case_id)}`;
      let r;
      try {
        r = await fetch(`${this.base}/files/uploads?${q}`, { method: "POST",
          headers: { ...this._auth(), "Upload-Length": String(p.size) } });
      } catch (e) { throw new Retry("drop"); }
      const s = await this._answer(r);
      p.upload = { id: s.upload, url: s.url };
      await this.outbox.addPhoto(p);                  // remembered before a byte goes: a reload goes on with it
      offset = 0;
    }
    this._progress(p, mode, offset);
    for (;;) {
      const end = Math.min(p.size, offset + CHUNK) - 1;
      const { status, body } = await this._put(p, offset, end, mode);
      if (status === 200 && body && body.upload) {
        offset = body.offset;
        p.sent = offset;
        await this.outbox.addPhoto(p);
        this._progress(p, mode, offset);
        continue;
      }
      if (status === 200 || status === 201) return body;          // the last byte: the file's answer
      if (status === 409) throw new Retry("drop");                 // not where the server is: ask again (HEAD)
      if (status === 404) { p.upload = null; await this.outbox.addPhoto(p); throw new Retry("drop"); }
      if (RETRY_STATUS.has(status) || status === 401 || status === 0) throw new Retry(status === 0 ? "drop" : "busy");
      throw new Refused((body && body.code) || "upload", (body && body.message) || `HTTP ${status}`, body && body.details);
    }
  }

  // one PUT of bytes [start, end], with its upload progress (fetch has none): {status, body}
  _put(p, start, end, mode) {
    return new Promise((resolve) => {
      const x = new XMLHttpRequest();
      this._xhr = x;
      x.open("PUT", `${this.base}${p.upload.url}`);
      for (const [k, v] of Object.entries(this._auth())) x.setRequestHeader(k, v);
      x.setRequestHeader("Content-Range", `bytes ${start}-${end}/${p.size}`);
      x.upload.onprogress = (e) => this._progress(p, mode, start + e.loaded);
      const done = () => {
        this._xhr = null;
        let body = null;
        try { body = JSON.parse(x.responseText || "null"); } catch (e) { body = null; }
        resolve({ status: x.status, body });
      };
      x.onload = done;
      x.onerror = done;             // status 0: the connection dropped
      x.onabort = done;
      x.ontimeout = done;
      x.send(p.blob.slice(start, end + 1));
    });
  }
}
