import type { FileKind, InboundFile } from '../platform/port.js';
import type { Platform } from '../domain/org.js';
import type { Db } from './db.js';

export type AttachmentStatus = 'pending' | 'stored' | 'failed';

/** Where a pending attachment's bytes are fetched from: the message that carried it, as the account saw it. */
export interface AttachmentSource {
  readonly platform: Platform;
  readonly accountId: string;
  readonly chatType: 'group' | 'private';
  readonly chatId: string;
  readonly file: InboundFile;
}

export interface Attachment {
  readonly id: number;
  readonly directiveId: number | null;
  readonly kind: FileKind;
  readonly name: string;
  readonly size: number | null;
  readonly sha256: string | null;
  readonly status: AttachmentStatus;
  /** `message`: sent with a directive; `export`: a workbook Cascade made. */
  readonly origin: 'message' | 'export';
  readonly source: AttachmentSource | null;
  readonly error: string | null;
  readonly personId: number | null;
  readonly createdAt: number;
}

interface Row {
  id: number;
  directive_id: number | null;
  kind: FileKind;
  name: string;
  size: number | null;
  sha256: string | null;
  status: AttachmentStatus;
  origin: 'message' | 'export';
  source: string | null;
  error: string | null;
  person_id: number | null;
  created_at: number;
}

function toAttachment(r: Row): Attachment {
  return {
    id: r.id,
    directiveId: r.directive_id,
    kind: r.kind,
    name: r.name,
    size: r.size,
    sha256: r.sha256,
    status: r.status,
    origin: r.origin,
    source: r.source === null ? null : (JSON.parse(r.source) as AttachmentSource),
    error: r.error,
    personId: r.person_id,
    createdAt: r.created_at,
  };
}

/** The files directives carry and the files Cascade sends (issue #15); the bytes are on disk, see AttachmentStore. */
export class AttachmentRepo {
  constructor(private readonly db: Db) {}

  /** A file seen in a message, to be fetched: pending. */
  addPending(input: { directiveId: number; source: AttachmentSource; personId: number | null; at: number }): Attachment {
    const f = input.source.file;
    const row = this.db.$client
      .prepare(
        `INSERT INTO attachments (directive_id, kind, name, size, status, source, person_id, created_at) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?) RETURNING *`,
      )
      .get(input.directiveId, f.kind, f.name, f.size ?? null, JSON.stringify(input.source), input.personId, input.at) as Row;
    return toAttachment(row);
  }

  /** A file whose bytes came with the request (the console's composer), already on disk. */
  addUploaded(input: { directiveId: number; kind: FileKind; name: string; size: number; sha256: string; personId: number | null; at: number }): Attachment {
    const row = this.db.$client
      .prepare(`INSERT INTO attachments (directive_id, kind, name, size, sha256, status, origin, person_id, created_at) VALUES (?, ?, ?, ?, ?, 'stored', 'message', ?, ?) RETURNING *`)
      .get(input.directiveId, input.kind, input.name, input.size, input.sha256, input.personId, input.at) as Row;
    return toAttachment(row);
  }

  /** A file Cascade made itself (an export), already on disk. */
  addExport(input: { directiveId: number | null; kind: FileKind; name: string; size: number; sha256: string; personId: number | null; at: number }): Attachment {
    const row = this.db.$client
      .prepare(`INSERT INTO attachments (directive_id, kind, name, size, sha256, status, origin, person_id, created_at) VALUES (?, ?, ?, ?, ?, 'stored', 'export', ?, ?) RETURNING *`)
      .get(input.directiveId, input.kind, input.name, input.size, input.sha256, input.personId, input.at) as Row;
    return toAttachment(row);
  }

  markStored(id: number, size: number, sha256: string): void {
    this.db.$client.prepare(`UPDATE attachments SET status = 'stored', size = ?, sha256 = ?, source = NULL, error = NULL WHERE id = ?`).run(size, sha256, id);
  }

  markFailed(id: number, error: string): void {
    this.db.$client.prepare(`UPDATE attachments SET status = 'failed', source = NULL, error = ? WHERE id = ?`).run(error, id);
  }

  get(id: number): Attachment | undefined {
    const row = this.db.$client.prepare('SELECT * FROM attachments WHERE id = ?').get(id) as Row | undefined;
    return row ? toAttachment(row) : undefined;
  }

  /** A directive's attachments in the order they were given (not its exports). */
  ofDirective(directiveId: number): Attachment[] {
    return (this.db.$client.prepare(`SELECT * FROM attachments WHERE directive_id = ? AND origin = 'message' ORDER BY id`).all(directiveId) as Row[]).map(toAttachment);
  }

  /** Attachments whose bytes were never fetched (a crash came between): fetched at start. */
  pending(): Attachment[] {
    return (this.db.$client.prepare(`SELECT * FROM attachments WHERE status = 'pending' ORDER BY id`).all() as Row[]).map(toAttachment);
  }

  /** Whether any attachment row still holds these bytes (before a file is deleted from disk). */
  referenced(sha256: string): boolean {
    return this.db.$client.prepare(`SELECT 1 FROM attachments WHERE sha256 = ? AND status = 'stored' LIMIT 1`).get(sha256) !== undefined;
  }

  /**
   * The retention sweep: files sent with directives created before `filesBefore`, exports made before
   * `exportsBefore`. Returns how many rows went and the hashes no row holds any more (their bytes are
   * deleted by the caller).
   */
  sweep(filesBefore: number, exportsBefore: number): { removed: number; unreferenced: string[] } {
    const c = this.db.$client;
    const where = `(origin = 'message' AND created_at < @files) OR (origin = 'export' AND created_at < @exports)`;
    const args = { files: filesBefore, exports: exportsBefore };
    return c.transaction(() => {
      const hashes = (c.prepare(`SELECT DISTINCT sha256 FROM attachments WHERE sha256 IS NOT NULL AND (${where})`).all(args) as { sha256: string }[]).map((r) => r.sha256);
      const removed = c.prepare(`DELETE FROM attachments WHERE ${where}`).run(args).changes;
      return { removed, unreferenced: hashes.filter((h) => c.prepare('SELECT 1 FROM attachments WHERE sha256 = ? LIMIT 1').get(h) === undefined) };
    })();
  }
}
