/**
 * The command registry: every chat command, declared once by its feature, is read and run here in one
 * order — the word, then who may use it (before anything they wrote is read), then where, then the
 * length cap, then the arguments, then the handler. `/帮助` is generated from the same declarations.
 */
import { isCommandError, WordTable, type CommandError, type CommandHead, type ParseEnv } from '../domain/commands.js';
import { PLACES, serviceKey, type Command, type MessageContext, type Viewer } from './feature.js';
import { zhCore } from './texts.js';

export interface CommandPolicy {
  /** A command message longer than this is refused unread. */
  readonly maxChars: number;
  /** The same for a command that carries a text to post (`longText`). */
  readonly noticeMaxChars: number;
  /** Most ids one command may name. */
  readonly maxIds: number;
}

/** What a message asks for, read without running anything (tests, the classify tool). */
export type ReadCommand =
  | { readonly kind: 'unknown'; readonly word: string }
  | { readonly kind: 'command'; readonly name: string; readonly args: unknown }
  | { readonly kind: 'error'; readonly error: CommandError };

export const COMMANDS = serviceKey<CommandRegistry>('commands');

/** A guard everyone passes: commands behind it do not count as command rights. */
export const OPEN_GUARD_NAME = 'anyone';

export class CommandRegistry {
  private readonly byName = new Map<string, Command>();
  private readonly table: WordTable;

  /** Throws, naming the command, when one lacks a guard, a usage or a place, or two share a name or word. */
  constructor(
    readonly commands: readonly Command[],
    private readonly policy: CommandPolicy,
  ) {
    for (const c of commands) {
      if (this.byName.has(c.name)) throw new Error(`two commands are named ${c.name}`);
      if (typeof c.guard?.allows !== 'function') throw new Error(`command ${c.name} has no guard`);
      if (typeof c.usage !== 'function') throw new Error(`command ${c.name} has no usage line`);
      if (c.where.length === 0) throw new Error(`command ${c.name} may be used nowhere`);
      if (c.words.length === 0) throw new Error(`command ${c.name} has no words`);
      this.byName.set(c.name, c);
    }
    this.table = new WordTable(commands.map((c) => ({ name: c.name, words: c.words, digitsFollow: c.digitsFollow, prefixOnly: c.prefixOnly })));
  }

  /** The command head of a message, or null for ordinary chat (reads a few characters only). */
  head(text: string, mentionsBot: boolean): CommandHead | null {
    return this.table.read(text, mentionsBot);
  }

  /** Whether the person may use no command beyond those open to everyone (`/帮助`, `/绑定`). */
  noRights(viewer: Viewer): boolean {
    return !this.commands.some((c) => c.guard.name !== OPEN_GUARD_NAME && c.guard.allows(viewer));
  }

  /** The commands the person may use, in declaration order. */
  allowed(viewer: Viewer): Command[] {
    return this.commands.filter((c) => c.guard.allows(viewer));
  }

  /** Reads a message as a command without running it; null for ordinary chat. */
  read(text: string, mentionsBot: boolean, env: ParseEnv): ReadCommand | null {
    const head = this.head(text, mentionsBot);
    if (!head) return null;
    const c = head.name === null ? undefined : this.byName.get(head.name);
    if (!c) return { kind: 'unknown', word: head.word };
    const bound = c.bind(head.rest, env);
    return isCommandError(bound) ? { kind: 'error', error: bound } : { kind: 'command', name: c.name, args: bound.args };
  }

  /**
   * Runs a command message inside its transaction. Who may use the command is checked before its
   * arguments are read; a refusal never quotes the message.
   */
  dispatch(ctx: MessageContext, head: CommandHead, env: ParseEnv): void {
    const c = head.name === null ? undefined : this.byName.get(head.name);
    if (!c) {
      if (ctx.viewer.staff) ctx.reply(zhCore.unknownCommand);
      else ctx.refuse(zhCore.unknownCommand);
      return;
    }
    if (!c.guard.allows(ctx.viewer)) {
      ctx.refuse(c.refusal);
      return;
    }
    if (!c.where.includes(ctx.place)) {
      ctx.reply(c.wrongPlace ?? zhCore.wrongPlace(c.where.filter((p) => p !== 'unlisted')));
      return;
    }
    const maxChars = c.longText ? this.policy.noticeMaxChars : this.policy.maxChars;
    if (ctx.ev.text.length > maxChars) {
      ctx.reply(zhCore.tooLong(maxChars));
      return;
    }
    const bound = c.bind(head.rest, env);
    if (isCommandError(bound)) {
      ctx.reply(bound.code === 'too_many_ids' ? zhCore.tooManyIds(this.policy.maxIds) : (c.explain?.(bound) ?? zhCore.badArguments));
      return;
    }
    bound.run(ctx);
  }

  /** `/帮助` for this person: exactly the commands they may use, and where. */
  help(viewer: Viewer): string {
    const lines = [zhCore.helpTitle];
    for (const c of this.allowed(viewer)) {
      const usage = c.usage(viewer);
      if (usage === null) continue;
      const everywhere = PLACES.every((p) => p === 'unlisted' || c.where.includes(p));
      const [first = '', ...more] = usage.split('\n');
      lines.push(everywhere ? first : `${first}${zhCore.helpWhere(c.where.filter((p) => p !== 'unlisted'))}`, ...more);
    }
    if (this.noRights(viewer)) lines.push(zhCore.helpForEveryone);
    return lines.join('\n');
  }
}
