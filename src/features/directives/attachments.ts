/**
 * A directive's files and pictures (issue #15). A file arrives with `/通知` (where the platform allows
 * both in one message), as the issuer's next message(s) in the same chat within
 * `directives.attachWithin`, or as the message a `/通知` quotes. In the message's transaction it is
 * recorded `pending`; after the commit its bytes are fetched from the platform with the account that
 * saw it and kept under the data directory, and then planned — one delivery per file and platform
 * group, through the sent-ledger — into every group the directive has reached, right after its post;
 * later releases carry it with the post. A crash before the fetch is caught up at start.
 */
import type { AppContext, MessageContext } from '../../app/feature.js';
import type { Directive } from '../../domain/directive.js';
import type { Platform } from '../../domain/org.js';
import type { InboundFile } from '../../platform/port.js';
import type { SendItem } from '../../queue/job-queues.js';
import type { Attachment, AttachmentSource } from '../../store/attachment-repo.js';
import { MANUAL } from '../manual/index.js';
import type { Relay } from './relay.js';
import { zhFiles } from './texts.js';

/** The placeholders clients show for a message's files: left out of a directive's text when the files go with it. */
const FILE_PLACEHOLDERS = /\[(?:图片|文件)\]/gu;

export function withoutFilePlaceholders(text: string): string {
  return text.replace(FILE_PLACEHOLDERS, '').trim();
}

/** Where a message with files was seen: what fetching its files needs. */
export function sourceOf(ctx: MessageContext): Omit<AttachmentSource, 'file'> {
  const { ev } = ctx;
  return {
    platform: ev.platform,
    accountId: ev.accountId,
    chatType: ev.chat.type,
    chatId: ev.chat.type === 'group' ? ev.chat.chatId : ev.sender.userId,
  };
}

export class DirectiveFiles {
  constructor(
    private readonly app: AppContext,
    private readonly relay: () => Relay,
  ) {}

  private get maxBytes(): number {
    return this.app.config.directives.attachMaxBytes;
  }

  /**
   * In the message's transaction: the files become the directive's (pending). After the commit they
   * are fetched and relayed, and the issuer is told where they go.
   */
  attach(ctx: MessageContext, d: Directive, files: readonly InboundFile[], from: Omit<AttachmentSource, 'file'> = sourceOf(ctx)): void {
    const repo = this.app.repos.attachments;
    // The same file twice (NapCat reports an upload as a file message and a group_upload notice; a resend): once.
    const have = new Set(repo.ofDirective(d.id).filter((a) => a.status !== 'failed').map((a) => `${a.kind}|${a.name}|${a.size ?? ''}`));
    const fresh = files.filter((f) => {
      const k = `${f.kind}|${f.name}|${f.size ?? ''}`;
      if (have.has(k)) return false;
      have.add(k);
      return true;
    });
    if (fresh.length === 0) return;
    const ids = fresh.map((file) => repo.addPending({ directiveId: d.id, source: { ...from, file }, personId: ctx.person?.id ?? null, at: ctx.now }).id);
    ctx.later(async (next) => {
      await this.fetch(ids, (text) => next.transaction((c) => c.reply(text)));
    });
  }

  /**
   * Pending attachments an earlier run left unfetched (a crash after the commit): fetched now; the
   * person who attached them is told privately.
   */
  async recover(): Promise<number> {
    const pending = this.app.repos.attachments.pending();
    for (const a of pending) {
      await this.fetch([a.id], async (text) => {
        const person = a.personId === null ? undefined : this.app.org().person(a.personId);
        if (!person) return;
        await this.app.store.transaction((work) => work.queue(this.app.get(MANUAL).tell([person], text, `file-${a.id}`)));
      });
    }
    return pending.length;
  }

  /**
   * Fetches the bytes of each pending attachment, keeps them, and relays them; then tells the issuer
   * (by `tell`) which files were taken and which not.
   */
  private async fetch(ids: readonly number[], tell: (text: string) => Promise<void>): Promise<void> {
    const repo = this.app.repos.attachments;
    const taken: Attachment[] = [];
    const messages: string[] = [];
    let directive: Directive | undefined;
    let groups = 0;
    for (const id of ids) {
      const a = repo.get(id);
      if (!a || a.status !== 'pending' || a.source === null || a.directiveId === null) continue;
      directive = this.relay().directive(a.directiveId);
      const got = await this.bytesOf(a.source);
      if (typeof got === 'string') {
        repo.markFailed(a.id, got);
        this.app.logger.warn({ attachment: a.id, directive: a.directiveId, reason: got }, 'an attachment could not be taken in');
        messages.push(zhFiles.fileRejected(a.directiveId, a.name, got.startsWith('too large') ? 'too_large' : 'unavailable', this.maxBytes));
        continue;
      }
      const put = this.app.files.put(got);
      const d = directive;
      await this.app.store.transaction((work) => {
        repo.markStored(a.id, put.size, put.sha256);
        if (d && d.status !== 'withdrawn') work.queue(this.relay().planAttachment(d, { ...a, status: 'stored', size: put.size, sha256: put.sha256 }));
      });
      if (!d || d.status === 'withdrawn') {
        messages.push(zhFiles.fileTooLate(a.directiveId));
        continue;
      }
      groups = new Set(this.app.repos.ledger.directivePosts(d.id).map((p) => p.groupId)).size;
      taken.push(a);
    }
    if (taken.length > 0 && directive) messages.unshift(zhFiles.filesAttached(directive.id, taken.map((a) => a.name), groups));
    for (const text of messages) await tell(text);
  }

  /** The file's bytes from the platform, or why not (English, for the log; `too large` first when so). */
  private async bytesOf(source: AttachmentSource): Promise<Uint8Array | string> {
    if (source.file.size !== undefined && source.file.size > this.maxBytes) return `too large: ${source.file.size} bytes`;
    const adapter = this.app.adapters.get(source.accountId);
    if (!adapter?.fetchFile) return `account ${source.accountId} cannot fetch files`;
    try {
      const bytes = await adapter.fetchFile(source.file, { chatType: source.chatType, chatId: source.chatId });
      if (bytes.byteLength > this.maxBytes) return `too large: ${bytes.byteLength} bytes`;
      return bytes;
    } catch (error) {
      return `the platform did not give the file: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  /**
   * Files uploaded with a directive (the console's composer): kept, and relayed into every group the
   * directive has reached and with its later releases. Too large ones are refused with the limit.
   */
  async attachUploaded(d: Directive, files: readonly { kind: 'image' | 'file'; name: string; data: Uint8Array }[], personId: number): Promise<string[]> {
    const notes: string[] = [];
    for (const f of files) {
      if (f.data.byteLength > this.maxBytes) {
        notes.push(zhFiles.fileRejected(d.id, f.name, 'too_large', this.maxBytes));
        continue;
      }
      const put = this.app.files.put(f.data);
      await this.app.store.transaction((work) => {
        const a = this.app.repos.attachments.addUploaded({ directiveId: d.id, kind: f.kind, name: f.name, size: put.size, sha256: put.sha256, personId, at: this.app.clock.now() });
        work.queue(this.relay().planAttachment(this.relay().directive(d.id) ?? d, a));
      });
    }
    const taken = files.filter((f) => f.data.byteLength <= this.maxBytes);
    if (taken.length > 0) notes.unshift(zhFiles.filesAttached(d.id, taken.map((f) => f.name), new Set(this.app.repos.ledger.directivePosts(d.id).map((p) => p.groupId)).size));
    return notes;
  }

  /** The issuer is told, once per file and platform, that the file went to that platform's chats as a line only. */
  fellBack(d: Directive, attachment: Attachment, platform: Platform, groupName: string): SendItem[] {
    const person = this.app.org().person(attachment.personId ?? d.issuerId);
    if (!person) return [];
    return this.app.get(MANUAL).tell([person], zhFiles.fileFellBack({ id: d.id, name: attachment.name, platform: platform === 'qq' ? 'QQ' : '微信', group: groupName }), `file-fallback-${attachment.id}-${platform}`);
  }
}
