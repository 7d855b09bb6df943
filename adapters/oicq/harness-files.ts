/**
 * Test support: QQ's file side for the offline client, on loopback. It answers the commands that move
 * files (picture and group-file upload requests, offline files, download addresses), runs the upload
 * channel the libraries then use ("highway": framed TCP, and its HTTP form for offline files) and
 * serves downloads over HTTP. Uploaded bytes are kept by md5, as QQ keys them, so a second upload of
 * the same bytes is answered "already there", as QQ does.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** A decoded protobuf message: numbered fields, nested messages decoded on access. */
export interface Proto {
  readonly [field: number]: Proto | undefined;
  toHex?(): string;
  toBuffer?(): Buffer;
}

export interface ProtoCodec {
  encode(obj: object): Uint8Array;
  decode(buf: Uint8Array): Proto;
}

/** A file or picture as QQ keeps it in a chat. */
export interface KeptFile {
  readonly kind: 'image' | 'file';
  readonly name: string;
  readonly data: Uint8Array;
}

/** What the bot posted, and where. */
export interface PostedFile extends KeptFile {
  readonly chat: 'group' | 'private';
  /** Group number or user number. */
  readonly id: number;
}

interface GroupFile {
  readonly gid: number;
  readonly name: string;
  readonly size: number;
  readonly md5: string;
  readonly sha1: Buffer;
  readonly uploader: number;
}

interface OfflineFile {
  readonly name: string;
  readonly size: number;
  readonly md5: string;
}

const LOOPBACK = '127.0.0.1';
/** 127.0.0.1 as the libraries read an int32 address (first octet in the low byte). */
const LOOPBACK_INT32 = 0x0100007f;
/** The business id QQ gives ordinary group files. */
const GROUP_FILE_BUSID = 102;
const FRAME_START = 0x28;
const FRAME_END = 0x29;
const FRAME_HEAD_BYTES = 9;

const md5Hex = (data: Uint8Array): string => createHash('md5').update(data).digest('hex');
const sha1 = (data: Uint8Array): Buffer => createHash('sha1').update(data).digest();
const hexOf = (p: Proto | undefined): string => p?.toHex?.() ?? '';
const num = (p: Proto | undefined): number => p as unknown as number;
const str = (p: Proto | undefined): string => String(p ?? '');
const list = (p: Proto | undefined): Proto[] => (p === undefined ? [] : Array.isArray(p) ? (p as Proto[]) : [p]);
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** One highway frame: `0x28, u32 head length, u32 body length, head, body, 0x29`. */
function frame(head: Uint8Array, body: Uint8Array = Buffer.alloc(0)): Buffer {
  const start = Buffer.alloc(FRAME_HEAD_BYTES);
  start.writeUInt8(FRAME_START);
  start.writeUInt32BE(head.length, 1);
  start.writeUInt32BE(body.length, 5);
  return Buffer.concat([start, head, body, Buffer.from([FRAME_END])]);
}

export class FakeQqFiles {
  /** Every picture and file the bot posted, in order. */
  readonly posted: PostedFile[] = [];
  /** Uploads whose every byte arrived over the highway. */
  uploadsCompleted = 0;
  /** The next picture or file upload request is answered with this server refusal. */
  refuseNextUpload: { readonly code: number; readonly message: string } | undefined;
  /** Whole uploads, by md5 hex. */
  private readonly blobs = new Map<string, Buffer>();
  private readonly partial = new Map<string, { readonly data: Buffer; received: number }>();
  /** Download paths (no query) → bytes. */
  private readonly served = new Map<string, Uint8Array>();
  private readonly groupFiles = new Map<string, GroupFile>();
  private readonly pendingGroupFiles = new Map<string, GroupFile>();
  private readonly offlineFiles = new Map<string, OfflineFile>();
  private readonly http = createHttpServer((req, res) => void this.serveHttp(req, res));
  private readonly highway: Server = createNetServer((socket) => this.acceptHighway(socket));
  private readonly sockets = new Set<Socket>();

  constructor(private readonly pb: ProtoCodec) {}

  async start(): Promise<void> {
    await Promise.all([this.http, this.highway].map((s) => new Promise<void>((resolve) => s.listen(0, LOOPBACK, resolve))));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.http.closeAllConnections();
    await Promise.all([this.http, this.highway].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  private get httpPort(): number {
    return (this.http.address() as AddressInfo).port;
  }

  /** The upload channel a login gives (`sig.bigdata`): group files and offline files go there. */
  get bigdata(): { ip: string; port: number; sig_session: Buffer; session_key: Buffer } {
    return { ip: LOOPBACK, port: (this.highway.address() as AddressInfo).port, sig_session: Buffer.from('fake-sig-session'), session_key: randomBytes(16) };
  }

  // ------------------------------------------------------------ what people post

  /** A picture someone posted: its element, with the address QQ serves it at. */
  picture(file: KeptFile): { type: 'image'; file: string; url: string; asface: boolean } {
    const md5 = md5Hex(file.data);
    const path = `/gchatpic_new/0/0-0-${md5.toUpperCase()}/0`;
    this.served.set(path, file.data);
    const ext = file.name.split('.').pop() ?? 'jpg';
    return { type: 'image', file: `${md5}${file.data.byteLength}-0-0.${ext}`, url: `http://${LOOPBACK}:${this.httpPort}${path}`, asface: false };
  }

  /** A file someone uploaded into a group: its element (the id as the parser gives it, without the leading `/`). */
  groupFile(gid: number, uploader: number, file: KeptFile): { type: 'file'; name: string; fid: string; md5: string; size: number; duration: number } {
    const fid = randomBytes(16).toString('hex');
    const md5 = this.keep(file.data);
    this.groupFiles.set(fid, { gid, name: file.name, size: file.data.byteLength, md5, sha1: sha1(file.data), uploader });
    return { type: 'file', name: file.name, fid, md5, size: file.data.byteLength, duration: 0 };
  }

  /** An offline file someone sent the bot privately. */
  offlineFile(file: KeptFile): { type: 'file'; name: string; fid: string; md5: string; size: number; duration: number } {
    const fid = `/${randomBytes(16).toString('hex')}`;
    const md5 = this.keep(file.data);
    this.offlineFiles.set(fid, { name: file.name, size: file.data.byteLength, md5 });
    return { type: 'file', name: file.name, fid, md5, size: file.data.byteLength, duration: 0 };
  }

  private keep(data: Uint8Array): string {
    const md5 = md5Hex(data);
    this.blobs.set(md5, Buffer.from(data));
    return md5;
  }

  /** The bytes of an uploaded picture or file, by md5 hex. */
  bytes(md5: string): Uint8Array | undefined {
    return this.blobs.get(md5.toLowerCase());
  }

  // ------------------------------------------------------------ commands

  /** The answer to a file command, or undefined when `cmd` is not one. */
  answer(cmd: string, body: Uint8Array): Uint8Array | undefined {
    const oidb = /^OidbSvc(?:TrpcTcp)?\.0x(6d6_0|6d9_4|6d8_0|6d6_2)$/u.exec(cmd)?.[1];
    if (oidb !== undefined) return this.pb.encode({ 3: 0, 4: this.groupFs(oidb, this.pb.decode(body)[4]) });
    const req = this.pb.decode(body);
    switch (cmd) {
      case 'ImgStore.GroupPicUp':
        return this.pb.encode({ 3: list(req[3]).map((img) => this.picUp(img[4], false)) });
      case 'LongConn.OffPicUp':
        return this.pb.encode({ 1: 0, 2: list(req[2]).map((img) => this.picUp(img[4], true)) });
      case 'OfflineFilleHandleSvr.pb_ftn_CMD_REQ_APPLY_UPLOAD_V3-1700':
        return this.pb.encode({ 19: this.offlineUp(req[19]) });
      case 'OfflineFilleHandleSvr.pb_ftn_CMD_REQ_UPLOAD_SUCC-800':
        return this.pb.encode({ 1: 800, 10: { 10: 0 } });
      case 'OfflineFilleHandleSvr.pb_ftn_CMD_REQ_APPLY_DOWNLOAD-1200':
        return this.pb.encode({ 14: this.offlineDown(str(req[14]?.[20])) });
      default:
        return undefined;
    }
  }

  private takeRefusal(): { readonly code: number; readonly message: string } | undefined {
    const refusal = this.refuseNextUpload;
    this.refuseNextUpload = undefined;
    return refusal;
  }

  /** A picture upload request (group: fields 2…9; private: one field later), pointing at the highway. */
  private picUp(md5Field: Proto | undefined, dm: boolean): object {
    const j = dm ? 1 : 0;
    const refusal = this.takeRefusal();
    if (refusal) return { [2 + j]: refusal.code, [3 + j]: refusal.message };
    const port = this.bigdata.port;
    return {
      [2 + j]: 0,
      [4 + j]: this.blobs.has(hexOf(md5Field)) ? 1 : 0,
      [6 + j]: LOOPBACK_INT32,
      [7 + j]: port,
      [8 + j]: Buffer.from('fake-ticket'),
      [9 + j]: dm ? `/fake-offpic-${hexOf(md5Field)}` : 1_000_000 + this.blobs.size,
    };
  }

  private groupFs(op: string, req: Proto | undefined): object {
    switch (op) {
      case '6d6_0':
        return { 1: this.groupFileUp(req?.[1]) };
      case '6d9_4':
        return { 5: this.groupFileFeed(req?.[5]) };
      case '6d8_0':
        return { 1: this.groupFileStat(str(req?.[1]?.[4])) };
      default:
        return { 3: this.groupFileDown(str(req?.[3]?.[4])) };
    }
  }

  /** Upload request of a group file: a new file id; the bytes come over the highway. */
  private groupFileUp(req: Proto | undefined): object {
    const refusal = this.takeRefusal();
    if (refusal) return { 1: refusal.code, 2: refusal.message };
    const fid = randomBytes(16).toString('hex');
    const sha = req?.[9]?.toBuffer?.() ?? Buffer.alloc(0);
    this.pendingGroupFiles.set(fid, { gid: num(req?.[1]), name: str(req?.[6]), size: num(req?.[8]), md5: hexOf(req?.[11]), sha1: sha, uploader: 0 });
    return { 1: 0, 6: GROUP_FILE_BUSID, 7: `/${fid}`, 9: randomBytes(8), 10: 0, 12: randomBytes(8), 14: randomBytes(8) };
  }

  /** The upload is done: the file is in the group, and QQ shows it there. */
  private groupFileFeed(req: Proto | undefined): object {
    const fid = str(req?.[3]?.[2]).replace(/^\//u, '');
    const file = this.pendingGroupFiles.get(fid);
    const data = file && this.blobs.get(file.md5);
    if (!file || !data) return { 1: -1, 2: 'upload not complete' };
    this.pendingGroupFiles.delete(fid);
    this.groupFiles.set(fid, file);
    this.posted.push({ chat: 'group', id: file.gid, kind: 'file', name: file.name, data });
    return { 1: 0, 4: { 1: 0, 3: fid } };
  }

  private groupFileStat(fid: string): object {
    const file = this.groupFiles.get(fid.replace(/^\//u, ''));
    if (!file) return { 1: -302, 2: '文件不存在' };
    const stat = {
      1: `/${fid.replace(/^\//u, '')}`,
      2: file.name,
      4: GROUP_FILE_BUSID,
      5: file.size,
      6: nowSeconds(),
      7: 0,
      9: 0,
      10: file.sha1,
      12: Buffer.from(file.md5, 'hex'),
      15: file.uploader,
      16: '/',
    };
    return { 1: 0, 4: stat };
  }

  /** A download address for a group file: a one-off key under `/ftn_handler/`. */
  private groupFileDown(fid: string): object {
    const file = this.groupFiles.get(fid.replace(/^\//u, ''));
    const data = file && this.blobs.get(file.md5);
    if (!data) return { 1: -302, 2: '文件不存在' };
    const key = randomBytes(16);
    this.served.set(`/ftn_handler/${key.toString('hex')}/`, data);
    return { 1: 0, 4: `${LOOPBACK}:${this.httpPort}`, 6: key };
  }

  /** Upload request of an offline file (to a friend); the bytes come over the HTTP highway. */
  private offlineUp(req: Proto | undefined): object {
    const refusal = this.takeRefusal();
    if (refusal) return { 10: refusal.code, 20: refusal.message };
    const fid = `/${randomBytes(16).toString('hex')}`;
    this.offlineFiles.set(fid, { name: str(req?.[40]), size: num(req?.[30]), md5: hexOf(req?.[50]) });
    return { 10: 0, 20: '', 90: fid, 110: 0, 220: randomBytes(8) };
  }

  private offlineDown(fid: string): object {
    const file = this.offlineFiles.get(fid);
    const data = file && this.blobs.get(file.md5);
    if (!file || !data) return { 10: -1, 20: '文件不存在' };
    const path = `/offline/${randomBytes(16).toString('hex')}`;
    this.served.set(path, data);
    return { 10: 0, 30: { 30: LOOPBACK, 40: this.httpPort, 50: path }, 40: { 3: file.size, 4: 0, 6: fid, 7: file.name, 100: Buffer.from(file.md5, 'hex') } };
  }

  /** An offline file message the bot sent (`MessageSvc.PbSendMsg` with a file body). */
  sentOfflineFile(uid: number, file: Proto): void {
    const kept = this.offlineFiles.get(str(file[3]));
    const data = this.blobs.get(hexOf(file[4]));
    if (kept && data) this.posted.push({ chat: 'private', id: uid, kind: 'file', name: str(file[5]), data });
  }

  /** A picture in a message the bot sent: its bytes were uploaded before, found by md5. */
  sentPicture(chat: 'group' | 'private', id: number, elem: { file?: string }): void {
    const file = elem.file ?? '';
    const data = this.blobs.get(file.slice(0, 32).toLowerCase());
    if (data) this.posted.push({ chat, id, kind: 'image', name: file, data });
  }

  // ------------------------------------------------------------ the highway

  /** Framed uploads start with 0x28; anything else is HTTP (the offline-file highway), passed to the HTTP server. */
  private acceptHighway(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      if (first[0] === FRAME_START) {
        this.playHighway(socket, first);
        return;
      }
      // Held until the HTTP server is reached, so nothing the client sends meanwhile is lost.
      socket.pause();
      const upstream = connect(this.httpPort, LOOPBACK, () => {
        upstream.write(first);
        socket.pipe(upstream).pipe(socket);
      });
      this.sockets.add(upstream);
      upstream.on('close', () => this.sockets.delete(upstream));
      upstream.on('error', () => socket.destroy());
    });
  }

  private playHighway(socket: Socket, first: Buffer): void {
    let buffered = first;
    const drain = (): void => {
      for (;;) {
        if (buffered.length < FRAME_HEAD_BYTES) return;
        const headLength = buffered.readUInt32BE(1);
        const bodyLength = buffered.readUInt32BE(5);
        const total = FRAME_HEAD_BYTES + headLength + bodyLength + 1;
        if (buffered.length < total) return;
        const head = buffered.subarray(FRAME_HEAD_BYTES, FRAME_HEAD_BYTES + headLength);
        const body = buffered.subarray(FRAME_HEAD_BYTES + headLength, total - 1);
        buffered = buffered.subarray(total);
        socket.write(frame(this.takeChunk(head, body)));
      }
    };
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      drain();
    });
    drain();
  }

  /** One uploaded chunk: kept at its offset; the answer says how far the upload got. */
  private takeChunk(headBytes: Uint8Array, chunk: Uint8Array): Uint8Array {
    const seg = this.pb.decode(headBytes)[2];
    const size = num(seg?.[2]);
    const offset = num(seg?.[3]) || 0;
    const md5 = hexOf(seg?.[9]);
    const part = this.partial.get(md5) ?? { data: Buffer.alloc(size), received: 0 };
    Buffer.from(chunk).copy(part.data, offset);
    part.received += chunk.length;
    this.partial.set(md5, part);
    if (part.received >= size) {
      this.partial.delete(md5);
      this.blobs.set(md5, part.data);
      this.uploadsCompleted++;
    }
    return this.pb.encode({ 2: { 2: size, 3: offset, 4: chunk.length }, 3: 0, 7: Buffer.from('fake-upload-done') });
  }

  // ------------------------------------------------------------ HTTP

  private async serveHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', `http://${LOOPBACK}`).pathname;
    if (req.method === 'POST' && path === '/cgi-bin/httpconn') {
      const body = Buffer.concat(await req.toArray());
      const headLength = body.readUInt32BE(1);
      const bodyLength = body.readUInt32BE(5);
      const head = body.subarray(FRAME_HEAD_BYTES, FRAME_HEAD_BYTES + headLength);
      const chunk = body.subarray(FRAME_HEAD_BYTES + headLength, FRAME_HEAD_BYTES + headLength + bodyLength);
      res.end(frame(this.takeChunk(head, chunk)));
      return;
    }
    const data = req.method === 'GET' ? this.served.get(path) : undefined;
    if (!data) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader('content-length', data.byteLength);
    res.end(data);
  }
}
