// Photos (before/after) for a case: kept in IndexedDB until the server has them, then
// attached to the case with a command. The upload endpoint is evidence-srv's (docs/protocol.md);
// until the server has one, `available` is false and the photo buttons are not shown.

export class Uploader extends EventTarget {
  constructor({ link, outbox }) {
    super();
    this.link = link;
    this.outbox = outbox;
    this.available = false;
    this._busy = false;
    this._urls = new Map();
  }

  previewUrl(p) {
    if (!this._urls.has(p.id)) this._urls.set(p.id, URL.createObjectURL(p.blob));
    return this._urls.get(p.id);
  }

  thumbUrl(a) { return a.thumb; }

  async add() { throw new Error("uploads are not available on this server"); }

  async kick() { /* nothing to upload without an endpoint */ }
}
