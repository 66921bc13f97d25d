// What waits on the phone for the link: commands (with their ids) and photos not yet
// uploaded, in IndexedDB, so they survive a reload, a closed tab or a dead battery.

const DB = "xiaonao-m", VERSION = 2;

function req(r) {
  return new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
}

export class Outbox {
  constructor(name = DB) { this.name = name; this._db = null; this._n = 0; }

  async open() {
    if (this._db) return this._db;
    const r = indexedDB.open(this.name, VERSION);
    r.onupgradeneeded = () => {
      const db = r.result;
      if (!db.objectStoreNames.contains("commands")) db.createObjectStore("commands", { keyPath: "id" });
      if (!db.objectStoreNames.contains("photos")) db.createObjectStore("photos", { keyPath: "id" });
      if (!db.objectStoreNames.contains("views")) db.createObjectStore("views", { keyPath: "user" });
    };
    this._db = await req(r);
    return this._db;
  }

  async _store(name, mode = "readonly") { return (await this.open()).transaction(name, mode).objectStore(name); }

  // ---- commands ------------------------------------------------------------------------
  async add(cmd) {
    cmd.n = cmd.at * 1000 + (this._n++ % 1000);           // the order they were made in
    if (cmd.coalesce) {
      // a newer position replaces one still waiting: the squad's trail is not worth a backlog
      for (const old of await this.list(cmd.user)) if (old.coalesce === cmd.coalesce) await this.remove(old.id);
    }
    await req((await this._store("commands", "readwrite")).put(cmd));
  }

  async get(id) { return req((await this._store("commands")).get(id)); }
  async remove(id) { return req((await this._store("commands", "readwrite")).delete(id)); }

  async list(user) {
    const all = await req((await this._store("commands")).getAll());
    return all.filter((c) => user === undefined || c.user === user).sort((a, b) => a.n - b.n);
  }

  // ---- the last view the server sent, shown after a reload without a network ----------
  async saveView(user, view) { await req((await this._store("views", "readwrite")).put({ user, ...view })); }
  async loadView(user) { return req((await this._store("views")).get(user)); }
  async dropView(user) { return req((await this._store("views", "readwrite")).delete(user)); }

  // ---- photos --------------------------------------------------------------------------
  async addPhoto(p) { await req((await this._store("photos", "readwrite")).put(p)); }
  async photos(user) {
    const all = await req((await this._store("photos")).getAll());
    return all.filter((p) => user === undefined || p.user === user).sort((a, b) => a.at - b.at);
  }
  async removePhoto(id) { return req((await this._store("photos", "readwrite")).delete(id)); }
}
