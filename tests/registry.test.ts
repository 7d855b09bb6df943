/**
 * The command registry and feature composition on their own: declarations that cannot work fail at
 * start with a name, and the guard runs before any argument is read (a 100,000-id `/确认` from a
 * student is refused unread; how long reading such messages takes is measured in the parse64 bench).
 */
import { describe, expect, it } from 'vitest';
import { orderFeatures } from '../src/app/build-app.js';
import { CommandRegistry } from '../src/app/commands.js';
import { defineCommand, serviceKey, type Answer, type Command, type Feature, type MessageContext } from '../src/app/feature.js';
import { anyone, responsible } from '../src/app/guards.js';
import { viewerOf } from '../src/app/message-context.js';
import type { Person } from '../src/domain/org.js';
import { OrgIndex } from '../src/domain/org-index.js';
import { FEATURES } from '../src/features/index.js';

/** Every argument read (a command's `bind`) is counted: refusing unread means none. */
let argumentsRead = 0;
const registry = () =>
  new CommandRegistry(
    FEATURES.flatMap((f) => f.commands ?? []).map((c) => ({ ...c, bind: (rest: string, env: Parameters<Command['bind']>[1]) => (argumentsRead++, c.bind(rest, env)) })),
    { maxChars: 1000, noticeMaxChars: 10_000, maxIds: 200 },
  );

function command(name: string, words: string[], extra: Partial<Parameters<typeof defineCommand<null>>[0]> = {}): Command {
  return defineCommand<null>({ name, words, where: ['private'], guard: anyone, usage: () => name, parse: () => null, handle: () => undefined, ...extra });
}

describe('declarations that cannot work fail at start', () => {
  it('a command without a guard, a usage line, a place or words', () => {
    const bad = (c: Partial<Command>): Command => ({ ...command('x', ['x']), ...c });
    expect(() => new CommandRegistry([bad({ guard: undefined as never })], { maxChars: 10, noticeMaxChars: 10, maxIds: 1 })).toThrow('command x has no guard');
    expect(() => new CommandRegistry([bad({ usage: undefined as never })], { maxChars: 10, noticeMaxChars: 10, maxIds: 1 })).toThrow('command x has no usage line');
    expect(() => new CommandRegistry([bad({ where: [] })], { maxChars: 10, noticeMaxChars: 10, maxIds: 1 })).toThrow('command x may be used nowhere');
    expect(() => new CommandRegistry([bad({ words: [] })], { maxChars: 10, noticeMaxChars: 10, maxIds: 1 })).toThrow('command x has no words');
  });

  it('two commands with one name or one word', () => {
    expect(() => new CommandRegistry([command('a', ['甲']), command('a', ['乙'])], { maxChars: 10, noticeMaxChars: 10, maxIds: 1 })).toThrow('two commands are named a');
    expect(() => new CommandRegistry([command('a', ['甲']), command('b', ['甲'])], { maxChars: 10, noticeMaxChars: 10, maxIds: 1 })).toThrow('"甲" belongs to both a and b');
  });

  it('a feature whose dependency nobody provides, a service provided twice, features needing each other', () => {
    const X = serviceKey<number>('x');
    const Y = serviceKey<number>('y');
    const needsX: Feature = { name: 'needs-x', needs: [X] };
    expect(() => orderFeatures([needsX], new Set())).toThrow('feature needs-x needs x, which no feature provides');
    const a: Feature = { name: 'a', provides: [X] };
    const b: Feature = { name: 'b', provides: [X] };
    expect(() => orderFeatures([a, b], new Set())).toThrow('feature b provides x, which feature a already provides');
    const c: Feature = { name: 'c', provides: [X], needs: [Y] };
    const d: Feature = { name: 'd', provides: [Y], needs: [X] };
    expect(() => orderFeatures([c, d], new Set())).toThrow('cycle');
    // Providers are set up first, whatever the listed order.
    expect(orderFeatures([needsX, a], new Set()).map((f) => f.name)).toEqual(['a', 'needs-x']);
  });

  it("Cascade's own features compose", () => {
    expect(orderFeatures(FEATURES, new Set(['commands'])).map((f) => f.name)).toContain('chasing');
    expect(registry().commands.length).toBeGreaterThan(10);
  });
});

/** A message context that records what would be answered (no store, no platform). */
function recorder(person: Person | undefined, org: OrgIndex, text: string): MessageContext & { said: string[] } {
  const said: string[] = [];
  return {
    said,
    app: undefined as never,
    inboundId: 1,
    ev: { kind: 'message', platform: 'qq', accountId: 'qq-bot-1', chat: { type: 'group', chatId: 'g' }, sender: { userId: 'u', nickname: 'u' }, text, mentions: [], mentionsBot: false, at: 0 },
    org,
    person,
    group: undefined,
    college: undefined,
    klass: undefined,
    directive: () => undefined,
    place: 'L3',
    viewer: viewerOf(org, person),
    now: 0,
    work: undefined as never,
    reply: (t: string) => void said.push(t),
    replyInGroup: (t: string) => void said.push(t),
    replyPrivately: (t: string) => void said.push(t),
    sendFilePrivately: (_id: number, t: string) => void said.push(t),
    answer: (a: Answer) => void said.push(a.public),
    refuse: (t: string) => void said.push(t),
    orgChanged: () => undefined,
    later: () => undefined,
  };
}

const student: Person = { id: 7, kind: 'student', extId: '2023010101', name: '学生', collegeId: 1, classId: 11, roles: [], counselorOf: [] };
const leader: Person = { id: 1, kind: 'staff', extId: 'T001', name: '组长', collegeId: null, classId: null, roles: [{ role: 'team_leader', collegeId: null }], counselorOf: [] };
const org = new OrgIndex({ schoolName: 's', colleges: [{ id: 1, name: '学院' }], classes: [{ id: 11, name: '班', collegeId: 1 }], people: [student, leader], guardianships: [], groups: [], platformGroups: [], bindings: [] });

describe('the guard runs before the arguments are read', () => {
  const ids = `/确认 ${Array.from({ length: 100_000 }, (_, i) => i + 1).join(' ')}`;

  it('refuses a student’s 100,000-id /确认 without reading its arguments', () => {
    const r = registry();
    const ctx = recorder(student, org, ids);
    const head = r.head(ids, false);
    if (!head) throw new Error('not read as a command');
    argumentsRead = 0;
    r.dispatch(ctx, head, { now: 0, timeZone: 'Asia/Shanghai', maxIds: 200 });
    expect(ctx.said).toEqual(['您没有查看该通知进度的权限。']);
    expect(argumentsRead).toBe(0);
  });

  it('refuses the same message from a leader unread: it is over the length cap', () => {
    const r = registry();
    const ctx = recorder(leader, org, ids);
    const head = r.head(ids, false);
    if (!head) throw new Error('not read as a command');
    argumentsRead = 0;
    r.dispatch(ctx, head, { now: 0, timeZone: 'Asia/Shanghai', maxIds: 200 });
    expect(ctx.said).toEqual(['命令太长（超过 1000 字），没有处理。请缩短后重发。']);
    expect(argumentsRead).toBe(0);
  });

  it('caps id lists in the parser, counting every id written (repeats too)', () => {
    const r = registry();
    const read = r.read('/确认 1-150 151-250', false, { now: 0, timeZone: 'Asia/Shanghai', maxIds: 200 });
    expect(read).toMatchObject({ kind: 'error', error: { code: 'too_many_ids' } });
    const repeated = r.read('/确认 1-150 1-150', false, { now: 0, timeZone: 'Asia/Shanghai', maxIds: 200 });
    expect(repeated).toMatchObject({ kind: 'error', error: { code: 'too_many_ids' } });
    const ok = r.read('/确认 1-200', false, { now: 0, timeZone: 'Asia/Shanghai', maxIds: 200 });
    expect(ok).toMatchObject({ kind: 'command', name: 'confirm' });
    expect((ok as { args: { ids: number[] } }).args.ids).toHaveLength(200);
  });

  it('people with a scope pass the responsible guard; students and strangers do not', () => {
    expect(responsible.allows(viewerOf(org, leader))).toBe(true);
    expect(responsible.allows(viewerOf(org, student))).toBe(false);
    expect(responsible.allows(viewerOf(org, undefined))).toBe(false);
    expect(registry().noRights(viewerOf(org, student))).toBe(true);
    expect(registry().noRights(viewerOf(org, leader))).toBe(false);
  });
});
