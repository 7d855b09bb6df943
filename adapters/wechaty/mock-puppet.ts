/**
 * Test support: wechaty-puppet-mock made to behave like wechat4u where the adapter depends on it, and a
 * small WeChat world around it (people, rooms, what the bot posted, logins with new ids).
 *
 * What the stock mock lacks and this adds: room aliases (群昵称), remarks that stick when set, a `ready`
 * after each login (wechat4u sends it once its contact list is stable), a login or a QR code at start
 * (a restored session / a fresh one), and messages shaped as wechat4u delivers them: `@名字` in the text,
 * quote-replies with their preview text and raw `<refermsg>` XML, recalls of type Recalled, files with their
 * name in the payload and their size in the raw payload (the stock Mocker names neither, and types a PDF as
 * Unknown). The bot can send a file from disk: the stock mock keeps only FileBoxes it can serialise.
 */
import { FileBox, type FileBoxInterface } from 'file-box';
import { PuppetMock, mock } from 'wechaty-puppet-mock';
import type { payloads } from 'wechaty';
import { WIRE_MESSAGE_TYPE } from './wire.js';

type ContactMock = ReturnType<mock.Mocker['createContact']>;
type RoomMock = ReturnType<mock.Mocker['createRoom']>;
/** ContactMock's typed `on` does not survive the mock's typings under NodeNext; this is its shape. */
interface MessageEvents {
  on(event: 'message', listener: (message: { readonly payload: payloads.Message }) => void): unknown;
}

/** What the puppet does right after start: log in (a saved session) or show a QR code. */
export type MockStart = { readonly login: string } | { readonly scan: string } | undefined;

/** wechaty's separator between mentions and text (U+2005), as wechat4u shows it to others too. */
const MENTION_SEPARATOR = '\u2005';
/** The rule wechat4u draws between a quote's preview and the reply. */
const QUOTE_RULE = '- - - - - - - - - - - - - - -';

export class CascadePuppetMock extends PuppetMock {
  /** `${roomId}/${contactId}` → 群昵称. */
  readonly roomAliases = new Map<string, string>();
  private readonly startWith: MockStart;

  constructor(options: { readonly mocker: mock.Mocker; readonly startWith?: MockStart }) {
    super({ mocker: options.mocker });
    this.startWith = options.startWith;
  }

  override async onStart(): Promise<void> {
    await super.onStart();
    const first = this.startWith;
    if (first === undefined) return;
    // After start() returns, like wechat4u, whose QR code and session restore come from the network.
    setImmediate(() => ('login' in first ? this.login(first.login) : this.emit('scan', { qrcode: first.scan, status: 2 })));
  }

  /** Hold `ready` back after a login (wechat4u sends it 20 s or more later); `ready()` then sends it. */
  holdReady = false;

  override login(userId: string): void {
    super.login(userId);
    if (!this.holdReady) setImmediate(() => this.ready());
  }

  ready(): void {
    this.emit('ready', { data: 'mock ready' });
  }

  /** wechat4u reads the file's bytes at send; the stock mock would fail to serialise a FileBox of a local file. */
  override async messageSendFile(conversationId: string, file: FileBoxInterface): Promise<void> {
    await super.messageSendFile(conversationId, FileBox.fromBase64(await file.toBase64(), file.name));
  }

  override async roomMemberRawPayload(roomId: string, contactId: string): Promise<payloads.RoomMember> {
    const base = await super.roomMemberRawPayload(roomId, contactId);
    const roomAlias = this.roomAliases.get(`${roomId}/${contactId}`);
    return roomAlias === undefined ? base : { ...base, roomAlias };
  }

  override contactAlias(contactId: string): Promise<string>;
  override contactAlias(contactId: string, alias: string | null): Promise<void>;
  /** The stock mock forgets a remark once set; wechat4u keeps it (RemarkName). */
  override async contactAlias(contactId: string, alias?: string | null): Promise<string | void> {
    const payload = this.mocker.contactPayload(contactId);
    if (alias === undefined) return payload.alias ?? '';
    const { alias: _old, ...rest } = payload;
    this.mocker.contactPayload(contactId, alias === null ? rest : { ...rest, alias });
  }
}

export interface MockPerson {
  readonly id: string;
  readonly name: string;
  /** The bot account's remark (备注) for them. */
  readonly remark?: string;
  /** Friend of the bot account (default true). */
  readonly friend?: boolean;
}

export interface MockRoom {
  readonly id: string;
  readonly topic: string;
  readonly memberIds: readonly string[];
  readonly ownerId?: string;
  readonly adminIds?: readonly string[];
  /** contact id → 群昵称. */
  readonly cards?: Readonly<Record<string, string>>;
}

export interface PostedMessage {
  readonly text: string;
  readonly mentionIds: readonly string[];
  readonly roomId?: string;
  readonly listenerId?: string;
}

export interface MockFile {
  readonly kind: 'image' | 'file';
  readonly name: string;
  readonly data: Uint8Array;
}

export interface PostedFile extends MockFile {
  readonly roomId?: string;
  readonly listenerId?: string;
}

/** A WeChat world on puppet-mock, seen from outside the bot. */
export class MockWechat {
  readonly mocker = new mock.Mocker();
  readonly puppet: CascadePuppetMock;
  /** Every text the bot account posted, in order. */
  readonly posted: PostedMessage[] = [];
  /** Every picture and file the bot account posted, once its bytes are read back. */
  readonly postedFiles: PostedFile[] = [];
  private botId: string;
  private nextMessage = 0;

  constructor(bot: MockPerson, start: 'login' | 'scan' = 'login') {
    this.puppet = new CascadePuppetMock({
      mocker: this.mocker,
      startWith: start === 'login' ? { login: bot.id } : { scan: 'https://login.weixin.qq.com/l/mock-uuid' },
    });
    this.botId = bot.id;
    this.recordPostsOf(this.person(bot));
  }

  get selfId(): string {
    return this.botId;
  }

  person(p: MockPerson): ContactMock {
    return this.mocker.createContact({ id: p.id, name: p.name, friend: p.friend ?? true, ...(p.remark === undefined ? {} : { alias: p.remark }) });
  }

  room(r: MockRoom): RoomMock {
    const room = this.mocker.createRoom({
      id: r.id,
      topic: r.topic,
      memberIdList: [...r.memberIds],
      adminIdList: [...(r.adminIds ?? [])],
      ...(r.ownerId === undefined ? {} : { ownerId: r.ownerId }),
    });
    for (const [contactId, card] of Object.entries(r.cards ?? {})) this.puppet.roomAliases.set(`${r.id}/${contactId}`, card);
    return room;
  }

  /** The name a room shows for a member: what `@名字` renders. */
  displayName(roomId: string, contactId: string): string {
    return this.puppet.roomAliases.get(`${roomId}/${contactId}`) ?? this.mocker.contactPayload(contactId).name;
  }

  /** A person posts in a room as wechat4u delivers it; returns the message id. */
  say(from: string, roomId: string, text: string, options: { mentions?: readonly string[]; quoteId?: string } = {}): string {
    const mentions = options.mentions ?? [];
    const shown = mentions.length === 0 ? text : `${mentions.map((id) => `@${this.displayName(roomId, id)}`).join(MENTION_SEPARATOR)}${MENTION_SEPARATOR}${text}`;
    const quote = options.quoteId === undefined ? undefined : this.quote(roomId, from, options.quoteId, shown);
    return this.deliver({ talkerId: from, roomId, text: quote?.text ?? shown, mentionIdList: [...mentions] }, quote ? { Content: quote.content } : {});
  }

  sayPrivate(from: string, text: string): string {
    return this.deliver({ talkerId: from, listenerId: this.botId, text });
  }

  /**
   * A person posts a picture or a file in a room, or privately (`roomId` undefined), as wechat4u delivers it:
   * type Image (no name) or Attachment (the name as `filename`, `FileSize` in the raw payload). The bytes
   * sit in the Mocker's FileBox cache, where the mock's `messageFile` finds them.
   */
  sendFile(from: string, roomId: string | undefined, file: MockFile): string {
    const image = file.kind === 'image';
    const where = roomId === undefined ? { listenerId: this.botId } : { roomId };
    return this.deliver(
      { ...where, talkerId: from, text: '', type: image ? WIRE_MESSAGE_TYPE.Image : WIRE_MESSAGE_TYPE.Attachment, ...(image ? {} : { filename: file.name }) },
      image ? {} : { FileSize: String(file.data.byteLength) },
      (messageId) => this.mocker.cacheFileBoxPayload.set(messageId, FileBox.fromBase64(Buffer.from(file.data).toString('base64'), file.name).toJSON()),
    );
  }

  /** A message of type Recalled whose text is the original id, as the mock (and wechaty) expect. */
  recall(messageId: string): void {
    const original = this.mocker.messagePayload(messageId);
    const where = 'roomId' in original && original.roomId ? { roomId: original.roomId } : { listenerId: this.botId };
    this.deliver({ ...where, talkerId: original.talkerId, text: messageId, type: WIRE_MESSAGE_TYPE.Recalled });
  }

  /** The puppet emits a message event again. */
  redeliver(messageId: string): void {
    this.puppet.emit('message', { messageId });
  }

  join(roomId: string, contactId: string): void {
    const room = this.mocker.RoomMock.load(roomId);
    room.add(this.mocker.ContactMock.load(contactId)).by(this.mocker.ContactMock.load(this.botId));
  }

  leave(roomId: string, contactId: string): void {
    const room = this.mocker.RoomMock.load(roomId);
    room.remove(this.mocker.ContactMock.load(contactId)).by(this.mocker.ContactMock.load(this.botId));
  }

  async logout(): Promise<void> {
    await this.puppet.logout('mock: connection dropped');
  }

  login(): void {
    this.puppet.login(this.botId);
  }

  /**
   * A new login session as wechat4u gives it: every contact and room id changes, names, remarks, cards and
   * topics stay. `rename` gives each old id its new one; ids it does not name stay as they were.
   */
  async relogin(rename: ReadonlyMap<string, string>): Promise<void> {
    if (this.puppet.isLoggedIn) await this.logout();
    const newId = (id: string): string => rename.get(id) ?? id;
    const contacts = [...this.mocker.cacheContactPayload.values()];
    const rooms = [...this.mocker.cacheRoomPayload.values()];
    this.mocker.cacheContactPayload.clear();
    this.mocker.cacheRoomPayload.clear();
    for (const c of contacts) {
      if (newId(c.id) === c.id) {
        this.mocker.contactPayload(c.id, c);
        continue;
      }
      const remark = c.alias;
      const contact = this.person({ id: newId(c.id), name: c.name, friend: c.friend ?? false, ...(remark ? { remark } : {}) });
      if (c.id === this.botId) this.recordPostsOf(contact);
    }
    for (const r of rooms) {
      if (newId(r.id) === r.id) this.mocker.roomPayload(r.id, { ...r, memberIdList: r.memberIdList.map(newId) });
      else this.relocateRoom(r, newId);
    }
    this.botId = newId(this.botId);
    this.login();
  }

  private relocateRoom(r: payloads.Room, newId: (id: string) => string): void {
    const cards: Record<string, string> = {};
    for (const memberId of r.memberIdList) {
      const card = this.puppet.roomAliases.get(`${r.id}/${memberId}`);
      if (card !== undefined) cards[newId(memberId)] = card;
    }
    this.room({
      id: newId(r.id),
      topic: r.topic,
      memberIds: r.memberIdList.map(newId),
      adminIds: r.adminIdList.map(newId),
      ...(r.ownerId === undefined ? {} : { ownerId: newId(r.ownerId) }),
      cards,
    });
  }

  private quote(roomId: string, from: string, quoteId: string, reply: string): { text: string; content: string } {
    const quoted = this.mocker.messagePayload(quoteId);
    const name = this.displayName(roomId, quoted.talkerId);
    const text = `「${name}：${quoted.text ?? ''}」\n${QUOTE_RULE}\n${reply}`;
    const content =
      `${from}:\n<msg><appmsg appid="" sdkver="0"><title>${reply}</title><type>57</type>` +
      `<refermsg><type>1</type><svrid>${quoteId}</svrid><fromusr>${roomId}</fromusr><chatusr>${quoted.talkerId}</chatusr>` +
      `<displayname>${name}</displayname><content>${quoted.text ?? ''}</content></refermsg></appmsg></msg>`;
    return { text, content };
  }

  /**
   * Stores a message as the puppet would and announces it; `raw` plays wechat4u's raw fields (`Content`,
   * `FileSize`); `before` stores what must be there before the message is (a file's bytes).
   */
  private deliver(
    fields: { talkerId: string; text: string; roomId?: string; listenerId?: string; mentionIdList?: string[]; type?: number; filename?: string },
    raw: Readonly<Record<string, string>> = {},
    before?: (id: string) => void,
  ): string {
    const id = String(7_100_000_000_000_000 + ++this.nextMessage);
    const base = {
      id,
      talkerId: fields.talkerId,
      text: fields.text,
      timestamp: Date.now(),
      type: fields.type ?? WIRE_MESSAGE_TYPE.Text,
      ...(fields.filename === undefined ? {} : { filename: fields.filename }),
    };
    const payload: payloads.Message =
      fields.roomId === undefined
        ? { ...base, listenerId: fields.listenerId ?? this.botId }
        : { ...base, roomId: fields.roomId, mentionIdList: fields.mentionIdList ?? [] };
    before?.(id);
    // The mock hands its stored payload back as the raw payload; extra fields ride along.
    this.mocker.MessageMock.create(Object.assign(payload, raw));
    this.puppet.emit('message', { messageId: id });
    return id;
  }

  private recordPostsOf(bot: ContactMock): void {
    (bot as unknown as MessageEvents).on('message', (message) => {
      const p = message.payload;
      if (p.talkerId !== bot.id) return;
      const roomId = 'roomId' in p ? p.roomId : undefined;
      const where = { ...(roomId ? { roomId } : {}), ...('listenerId' in p && p.listenerId ? { listenerId: p.listenerId } : {}) };
      // The Mocker keeps a sent FileBox under the message id before it stores the message.
      const box = this.mocker.cacheFileBoxPayload.get(p.id);
      if (box !== undefined) {
        // As WeChat shows it: a picture where the Mocker typed it Image (.png/.jpg), else a file.
        const kind = p.type === WIRE_MESSAGE_TYPE.Image ? 'image' : 'file';
        void FileBox.fromJSON(box)
          .toBuffer()
          .then((data) => this.postedFiles.push({ kind, name: box.name, data, ...where }));
        return;
      }
      const mentionIds = 'mentionIdList' in p ? (p.mentionIdList ?? []) : [];
      this.posted.push({ text: p.text ?? '', mentionIds, ...where });
    });
  }
}
