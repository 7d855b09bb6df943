/**
 * The authorization matrix (issue #14): docs/security.md lists every command, where it may be sent and
 * which roles may use it. Each row of the document is checked against the registry's own guards, with
 * real roster people of the demo school holding each role. `UPDATE_AUTHZ=1` rewrites the table.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matrixLine, matrixRows, matrixTable, type MatrixRole, type MatrixRow } from '../src/app/authz-matrix.js';
import { COMMANDS } from '../src/app/commands.js';
import { viewerOf } from '../src/app/message-context.js';
import { startTestSchool, type TestSchool } from './setup/runtime.js';

const DOC = 'docs/security.md';
const BEGIN = '<!-- authz:begin -->';
const END = '<!-- authz:end -->';

/** The roles of the matrix, each held by a person of the demo roster (the stranger by nobody). */
const ROLES: readonly [label: string, ref: string | null][] = [
  ['组长 T001', 'T001'],
  ['工作组 T002', 'T002'],
  ['副书记 S101', 'S101'],
  ['学院领导 S103', 'S103'],
  ['辅导员 S111', 'S111'],
  ['学生', '2023010101'],
  ['家长', '家长:2023010101'],
  ['陌生账号', null],
];

let school: TestSchool;
let roles: MatrixRole[];
let rows: MatrixRow[];
let documented: Map<string, string>;

beforeAll(async () => {
  school = await startTestSchool();
  const org = school.runtime.app.org();
  roles = ROLES.map(([label, ref]) => {
    const person = ref === null ? undefined : org.personByRef(ref);
    if (ref !== null && !person) throw new Error(`demo roster has no ${ref}`);
    return { label, viewer: viewerOf(org, person) };
  });
  rows = matrixRows(school.runtime.app.get(COMMANDS).commands, roles);
  const doc = readFileSync(DOC, 'utf8');
  if (process.env['UPDATE_AUTHZ'] === '1') {
    const start = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    writeFileSync(DOC, `${doc.slice(0, start + BEGIN.length)}\n${matrixTable(rows, roles)}\n${doc.slice(end)}`);
  }
  const table = readFileSync(DOC, 'utf8').split(BEGIN)[1]?.split(END)[0] ?? '';
  documented = new Map(
    table
      .split('\n')
      .filter((l) => l.startsWith('| `'))
      .map((l) => [/^\| `([^`]+)`/u.exec(l)?.[1] ?? '', l]),
  );
});

afterAll(async () => {
  await school?.close();
});

describe('docs/security.md authorization matrix', () => {
  it('lists every command of the registry, and nothing else', () => {
    expect([...documented.keys()].sort()).toEqual(rows.map((r) => r.command).sort());
  });

  it('has the roles as columns', () => {
    const header = (readFileSync(DOC, 'utf8').split(BEGIN)[1] ?? '').split('\n').find((l) => l.startsWith('| command'));
    expect(header).toBe(matrixTable([], roles).split('\n')[0]);
  });

  // One test per row: the document says what the guard and the places do.
  const names = (() => {
    const doc = readFileSync(DOC, 'utf8').split(BEGIN)[1]?.split(END)[0] ?? '';
    return [...doc.matchAll(/^\| `([^`]+)`/gmu)].map((m) => m[1] ?? '');
  })();
  it.each(names)('row %s matches the registry', (name) => {
    const row = rows.find((r) => r.command === name);
    expect(row, `${name} is documented but not registered`).toBeDefined();
    if (row) expect(documented.get(name)).toBe(matrixLine(row));
  });

  it('gives no command right to a student, a parent or a stranger beyond binding, help and their own records', () => {
    const open = new Set(['bind', 'help']);
    for (const r of rows) {
      const [student, parent, stranger] = r.allowed.slice(-3);
      if (!open.has(r.command)) expect({ command: r.command, stranger }).toEqual({ command: r.command, stranger: false });
      if (student || parent) expect(open.has(r.command) || r.command === 'retract', r.command).toBe(true);
    }
  });
});
