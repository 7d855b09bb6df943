/**
 * Reading WeChat's native group solitaire (接龙): an app message `<msg><appmsg>` whose `<type>` is 53.
 *
 * What such a message carries (WeChat Android serialises it this way; real captures match):
 *  - `appmsg/title` is the whole text as people see it: header, optional example, then one line per
 *    row, `<n><separator> <content>`, then an optional tail after a blank line.
 *  - `appmsg/extinfo/solitaire_info`, usually as CDATA, holds a nested `<solitaire>` document:
 *    `tt`/`ex`/`tl` (header, example, tail), `s` (separator after the row number), `au` (creator's
 *    wxid), `hrt` (0 when the header is itself row 1), and `content`: `s` (row count), then one `i`
 *    per row with `u` (the wxid of whoever wrote the row), `h` (1 on a header row), `s`, `t` (unix
 *    seconds), and `r` (`start-length` into the title, in UTF-16 units) or `c` (the text itself).
 *  - `tt`, `ex` and `tl` hold either such a range into the title or the text itself.
 *
 * Pure and dependency free: a small hand-written scanner, not a general XML parser.
 */

export interface SolitaireEntry {
  /** The row number as shown in the list (1-based). */
  readonly index: number;
  readonly text: string;
  /** The wxid of the member who wrote this row, when the message says so. */
  readonly userId?: string;
}

export interface WechatSolitaire {
  /** The header: what the solitaire is about. */
  title: string;
  entries: SolitaireEntry[];
}

/** WeChat's `<appmsg><type>` for a group solitaire. */
export const WECHAT_SOLITAIRE_APPMSG_TYPE = '53';

/**
 * Returns the header and the rows of a WeChat solitaire, or null unless `xml` is an app message of
 * type 53. Rows come from the structured `solitaire_info` when present (keeping each row's author),
 * else from the numbered lines of the title. Accepts the `wxid_…:\n` prefix group messages carry and
 * a whole message escaped once as entities.
 */
export function parseWechatSolitaire(xml: string): WechatSolitaire | null {
  const appmsg = findAppmsg(xml);
  if (appmsg === null) return null;
  const fields = childElements(appmsg.body);
  if (fields === null) return null;
  const type = firstNamed(fields, 'type');
  if (type === undefined || textOf(type.body).trim() !== WECHAT_SOLITAIRE_APPMSG_TYPE) return null;

  const text = textOf(firstNamed(fields, 'title')?.body ?? '');
  let listed = parseNumberedList(text);
  if (listed.entries.length === 0) {
    const des = parseNumberedList(textOf(firstNamed(fields, 'des')?.body ?? ''));
    if (des.entries.length > 0) listed = des;
  }

  const extinfo = firstNamed(fields, 'extinfo');
  const info = extinfo === undefined ? null : readSolitaire(extinfo.body, text);
  if (info === null || info.rows.length === 0) return { title: listed.header, entries: listed.entries };

  const listedText = new Map(listed.entries.map((e) => [e.index, e.text]));
  const entries: SolitaireEntry[] = [];
  let headerRow = '';
  info.rows.forEach((row, i) => {
    const index = i + 1;
    const rowText = (row.text ?? listedText.get(index) ?? '').trim();
    if (row.isHeader) {
      if (headerRow === '') headerRow = rowText;
      return;
    }
    entries.push(row.userId === '' ? { index, text: rowText } : { index, text: rowText, userId: row.userId });
  });
  const title = info.header || headerRow || listed.header;
  return { title, entries };
}

// ---------------------------------------------------------------------------------------------
// The structured part

interface SolitaireRow {
  readonly userId: string;
  readonly isHeader: boolean;
  /** Null when neither `c` nor a usable `r` gives the text. */
  readonly text: string | null;
}

interface SolitaireInfo {
  readonly header: string;
  readonly rows: SolitaireRow[];
}

function readSolitaire(extinfoBody: string, title: string): SolitaireInfo | null {
  const solitaire = findSolitaire(extinfoBody, 0);
  if (solitaire === null) return null;
  const fields = childElements(solitaire.body);
  if (fields === null) return null;
  const header = resolveField(textOf(firstNamed(fields, 'tt')?.body ?? ''), title).trim();
  const content = firstNamed(fields, 'content');
  const items = content === undefined ? [] : (childElements(content.body) ?? []);
  const rows: SolitaireRow[] = [];
  for (const item of items) {
    if (item.name !== 'i') continue;
    const parts = childElements(item.body) ?? [];
    const literal = textOf(firstNamed(parts, 'c')?.body ?? '');
    const range = sliceRange(textOf(firstNamed(parts, 'r')?.body ?? ''), title);
    rows.push({
      userId: textOf(firstNamed(parts, 'u')?.body ?? '').trim(),
      isHeader: textOf(firstNamed(parts, 'h')?.body ?? '').trim() === '1',
      text: literal.trim() !== '' ? literal : range,
    });
  }
  return { header, rows };
}

/** Finds `<solitaire>`, which may sit in `solitaire_info` as elements, CDATA or escaped text. */
function findSolitaire(markup: string, depth: number): XmlElement | null {
  if (depth > 3) return null;
  const children = childElements(markup);
  if (children !== null) {
    const solitaire = firstNamed(children, 'solitaire');
    if (solitaire !== undefined) return solitaire;
    const wrapper = firstNamed(children, 'solitaire_info');
    if (wrapper !== undefined) return findSolitaire(wrapper.body, depth + 1);
  }
  const text = textOf(markup);
  return text !== markup && text.includes('<') ? findSolitaire(text, depth + 1) : null;
}

/** A `start-length` range into the title, as WeChat writes it; null if it is not one that fits. */
function sliceRange(value: string, title: string): string | null {
  const m = /^(\d+)-(\d+)$/u.exec(value.trim());
  if (m === null) return null;
  const start = Number(m[1]);
  const end = start + Number(m[2]);
  return end <= title.length ? title.slice(start, end) : null;
}

/** A header-like field: a range into the title, else the text itself. */
function resolveField(value: string, title: string): string {
  return sliceRange(value, title) ?? value;
}

// ---------------------------------------------------------------------------------------------
// The numbered lines of the text

/** `1.`, `2、`, `3)` … WeChat accepts many separators after a row number of up to three digits. */
const NUMBERED_LINE = /^\s*(\d{1,3})\s*[.．。,，、:：;；)）~\-_#@!！&*%—]\s*(.*)$/u;

interface NumberedList {
  readonly header: string;
  readonly entries: SolitaireEntry[];
}

/**
 * The list is the last run of lines numbered from 1 upwards; what precedes it is the header. Lines
 * without the next number continue the row above; a blank line ends the list (a tail follows).
 */
function parseNumberedList(text: string): NumberedList {
  const lines = text.split('\n');
  let start = -1;
  lines.forEach((line, i) => {
    if (NUMBERED_LINE.exec(line)?.[1] === '1') start = i;
  });
  if (start < 0) return { header: text.trim(), entries: [] };

  const rows: { index: number; lines: string[] }[] = [];
  for (const line of lines.slice(start)) {
    if (line.trim() === '') break;
    const m = NUMBERED_LINE.exec(line);
    const expected = rows.length + 1;
    const last = rows[rows.length - 1];
    if (m !== null && Number(m[1]) === expected) rows.push({ index: expected, lines: [m[2] ?? ''] });
    else last?.lines.push(line);
  }
  return {
    header: lines.slice(0, start).join('\n').trim(),
    entries: rows.map((r) => ({ index: r.index, text: r.lines.join('\n').trim() })),
  };
}

// ---------------------------------------------------------------------------------------------
// A minimal XML scanner: direct children of a fragment, and the text of an element body

interface XmlElement {
  readonly name: string;
  /** The raw markup between the start and end tags. */
  readonly body: string;
}

const OPEN_TAG = /<([A-Za-z_][\w.:-]*)(?:\s+[^\s=/>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'))?)*\s*(\/?)>/uy;
const CLOSE_TAG = /<\/([A-Za-z_][\w.:-]*)\s*>/uy;

/** Markup constructs skipped as a whole: start marker and end marker. */
const SKIPPED: readonly (readonly [string, string])[] = [
  ['<![CDATA[', ']]>'],
  ['<!--', '-->'],
  ['<?', '?>'],
  ['<!', '>'],
];

/**
 * The top-level elements of `markup`, in order; text between them is ignored. Null when the
 * markup is not well formed (an unclosed or mismatched tag, a stray `<`).
 */
function childElements(markup: string): XmlElement[] | null {
  const children: XmlElement[] = [];
  const open: string[] = [];
  let bodyStart = 0;
  let pos = 0;
  for (;;) {
    const lt = markup.indexOf('<', pos);
    if (lt < 0) break;
    const skipped = SKIPPED.find(([begin]) => markup.startsWith(begin, lt));
    if (skipped !== undefined) {
      const end = markup.indexOf(skipped[1], lt + skipped[0].length);
      if (end < 0) return null;
      pos = end + skipped[1].length;
      continue;
    }
    CLOSE_TAG.lastIndex = lt;
    const close = CLOSE_TAG.exec(markup);
    if (close !== null) {
      const name = close[1] ?? '';
      if (open.pop() !== name) return null;
      if (open.length === 0) children.push({ name, body: markup.slice(bodyStart, lt) });
      pos = CLOSE_TAG.lastIndex;
      continue;
    }
    OPEN_TAG.lastIndex = lt;
    const tag = OPEN_TAG.exec(markup);
    if (tag === null) return null;
    const name = tag[1] ?? '';
    pos = OPEN_TAG.lastIndex;
    if (tag[2] === '/') {
      if (open.length === 0) children.push({ name, body: '' });
      continue;
    }
    if (open.length === 0) bodyStart = pos;
    open.push(name);
  }
  return open.length === 0 ? children : null;
}

/** The text of an element body: entities decoded, CDATA kept verbatim, tags and comments dropped. */
function textOf(body: string): string {
  let out = '';
  let pos = 0;
  while (pos < body.length) {
    const lt = body.indexOf('<', pos);
    out += decodeEntities(lt < 0 ? body.slice(pos) : body.slice(pos, lt));
    if (lt < 0) break;
    if (body.startsWith('<![CDATA[', lt)) {
      const end = body.indexOf(']]>', lt + 9);
      out += end < 0 ? body.slice(lt + 9) : body.slice(lt + 9, end);
      pos = end < 0 ? body.length : end + 3;
    } else if (body.startsWith('<!--', lt)) {
      const end = body.indexOf('-->', lt + 4);
      pos = end < 0 ? body.length : end + 3;
    } else {
      const end = body.indexOf('>', lt);
      pos = end < 0 ? body.length : end + 1;
    }
  }
  // XML parsers normalise line ends; WeChat's offsets count a line end as one character.
  return out.replace(/\r\n?/gu, '\n');
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the five XML entities and numeric references; anything else is left as written. */
function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|(lt|gt|amp|quot|apos));/gu, (whole, dec?: string, hex?: string, name?: string) => {
    if (name !== undefined) return NAMED_ENTITIES[name] ?? whole;
    const code = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex ?? '', 16);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

function firstNamed(elements: readonly XmlElement[], name: string): XmlElement | undefined {
  return elements.find((e) => e.name === name);
}

/** The `<appmsg>` of `<msg><appmsg>` (or a bare `<appmsg>`), trying once more if the whole is escaped. */
function findAppmsg(xml: string): XmlElement | null {
  const direct = appmsgIn(xml);
  if (direct !== null || xml.includes('<') || !xml.includes('&lt;')) return direct;
  return appmsgIn(decodeEntities(xml));
}

function appmsgIn(markup: string): XmlElement | null {
  const top = childElements(markup);
  if (top === null) return null;
  const msg = firstNamed(top, 'msg');
  if (msg === undefined) return firstNamed(top, 'appmsg') ?? null;
  const inner = childElements(msg.body);
  return inner === null ? null : (firstNamed(inner, 'appmsg') ?? null);
}
