/**
 * Test support: local HTTP servers that answer as the SMS providers' APIs do (Tencent Cloud SMS
 * 2021-01-11, JSON with `X-TC-Action`; Alibaba Cloud dysmsapi 2017-05-25, RPC with the parameters in the
 * query), so the real SDKs can be pointed at them. Signatures are not checked; every request is kept.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the next SendSms gets instead of a success. */
export type SendPlay =
  | { readonly kind: 'ok' }
  /** A per-message code (Tencent: in SendStatusSet; Alibaba: the body's Code). */
  | { readonly kind: 'code'; readonly code: string }
  /** The whole request refused (Tencent: Response.Error). */
  | { readonly kind: 'error'; readonly code: string }
  | { readonly kind: 'http'; readonly status: number }
  /** No answer at all (the client times out). */
  | { readonly kind: 'hang' };

export interface FakeSmsServer {
  readonly endpoint: string;
  readonly requests: { action: string; params: Record<string, unknown> }[];
  /** Plays for the next SendSms calls, in order; then successes. */
  readonly plays: SendPlay[];
  /** Receipts and replies the next pull returns (Tencent), or details (Alibaba, by BizId). */
  readonly receipts: { serial: string; phone: string; ok: boolean; at: number }[];
  readonly replies: { phone: string; text: string; at: number }[];
  sends(): number;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function serve(handler: (req: IncomingMessage, text: string, res: ServerResponse) => void): Promise<{ server: Server; endpoint: string; hanging: ServerResponse[] }> {
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    body(req).then((text) => handler(req, text, res), () => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, endpoint: `127.0.0.1:${port}`, hanging };
}

function closer(server: Server, hanging: ServerResponse[]): () => Promise<void> {
  return () => {
    for (const h of hanging) h.destroy();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

export async function fakeTencent(): Promise<FakeSmsServer> {
  const requests: FakeSmsServer['requests'] = [];
  const plays: SendPlay[] = [];
  const receipts: FakeSmsServer['receipts'] = [];
  const replies: FakeSmsServer['replies'] = [];
  let serial = 0;
  const { server, endpoint, hanging } = await serve((req, text, res) => {
    const action = String(req.headers['x-tc-action'] ?? '');
    const params = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    requests.push({ action, params });
    const requestId = `req-${requests.length}`;
    if (action === 'SendSms') {
      const play = plays.shift() ?? { kind: 'ok' };
      const phone = (params['PhoneNumberSet'] as string[] | undefined)?.[0] ?? '';
      if (play.kind === 'hang') return void hanging.push(res);
      if (play.kind === 'http') return json(res, play.status, { message: 'bad gateway' });
      if (play.kind === 'error') return json(res, 200, { Response: { Error: { Code: play.code, Message: play.code }, RequestId: requestId } });
      const ok = play.kind === 'ok';
      return json(res, 200, {
        Response: {
          SendStatusSet: [{ SerialNo: ok ? `serial-${++serial}` : '', PhoneNumber: phone, Fee: ok ? 1 : 0, SessionContext: params['SessionContext'], Code: ok ? 'Ok' : play.code, Message: ok ? 'send success' : play.code, IsoCode: 'CN' }],
          RequestId: requestId,
        },
      });
    }
    if (action === 'PullSmsSendStatus') {
      const set = receipts.splice(0).map((r) => ({ UserReceiveTime: Math.floor(r.at / 1000), CountryCode: '86', SubscriberNumber: r.phone, PhoneNumber: `+86${r.phone}`, SerialNo: r.serial, ReportStatus: r.ok ? 'SUCCESS' : 'FAIL', Description: r.ok ? 'DELIVRD' : 'UNDELIV', SessionContext: '' }));
      return json(res, 200, { Response: { PullSmsSendStatusSet: set, RequestId: requestId } });
    }
    if (action === 'PullSmsReplyStatus') {
      const set = replies.splice(0).map((r) => ({ ExtendCode: '', CountryCode: '86', SubscriberNumber: r.phone, PhoneNumber: `+86${r.phone}`, SignName: '示范大学', ReplyContent: r.text, ReplyTime: Math.floor(r.at / 1000) }));
      return json(res, 200, { Response: { PullSmsReplyStatusSet: set, RequestId: requestId } });
    }
    return json(res, 200, { Response: { Error: { Code: 'InvalidAction', Message: action }, RequestId: requestId } });
  });
  return { endpoint, requests, plays, receipts, replies, sends: () => requests.filter((r) => r.action === 'SendSms').length, close: closer(server, hanging) };
}

export async function fakeAliyun(): Promise<FakeSmsServer> {
  const requests: FakeSmsServer['requests'] = [];
  const plays: SendPlay[] = [];
  const receipts: FakeSmsServer['receipts'] = [];
  let biz = 0;
  const { server, endpoint, hanging } = await serve((req, text, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
    for (const [k, v] of new URLSearchParams(text)) params[k] = v;
    // The SDK names the action in a header (v3 signature); older clients in the query.
    const action = String(req.headers['x-acs-action'] ?? params['Action'] ?? '');
    requests.push({ action, params });
    const requestId = `req-${requests.length}`;
    if (action === 'SendSms') {
      const play = plays.shift() ?? { kind: 'ok' };
      if (play.kind === 'hang') return void hanging.push(res);
      if (play.kind === 'http') return json(res, play.status, { RequestId: requestId, Code: 'ServiceUnavailable', Message: 'down' });
      if (play.kind === 'code' || play.kind === 'error') return json(res, 200, { RequestId: requestId, Code: play.code, Message: play.code });
      return json(res, 200, { RequestId: requestId, Code: 'OK', Message: 'OK', BizId: `biz-${++biz}` });
    }
    if (action === 'QuerySendDetails') {
      const r = receipts.find((x) => x.serial === params['BizId']);
      const dto = r ? [{ SendStatus: r.ok ? 3 : 2, ErrCode: r.ok ? 'DELIVERED' : 'MK:0001', PhoneNum: r.phone, ReceiveDate: '2026-03-02 08:00:05', SendDate: '2026-03-02 08:00:00', OutId: '', Content: '', TemplateCode: '' }] : [];
      return json(res, 200, { RequestId: requestId, Code: 'OK', Message: 'OK', TotalCount: dto.length, SmsSendDetailDTOs: { SmsSendDetailDTO: dto } });
    }
    return json(res, 404, { RequestId: requestId, Code: 'InvalidAction.NotFound', Message: action });
  });
  return { endpoint, requests, plays, receipts, replies: [], sends: () => requests.filter((r) => r.action === 'SendSms').length, close: closer(server, hanging) };
}
