/**
 * Alibaba Cloud SMS (`@alicloud/dysmsapi20170525`): SendSms one number at a time, Cascade's key as OutId;
 * receipts by QuerySendDetails for the messages still awaiting one. Replies (上行短信) reach Alibaba's
 * customers only by its message queue or an HTTP callback, which Cascade does not have yet: none are read.
 * The SDK retries nothing by default, so one call is at most one message.
 */
import dysmsapi, { QuerySendDetailsRequest, SendSmsRequest } from '@alicloud/dysmsapi20170525';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import * as $dara from '@darabonba/typescript';
import { SmsRefusedError, SmsUnavailableError, type SmsAwaiting, type SmsProvider, type SmsReceipt, type SmsRequest, type SmsSent, type SmsUpstream } from './port.js';

export interface AliyunSmsOptions {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** `dysmsapi.aliyuncs.com`; tests point it at a local server. */
  readonly endpoint: string;
  readonly protocol: 'https' | 'http';
  readonly timeoutMs: number;
  readonly timeZone: string;
}

/** Codes that mean "not now, and certainly not sent": flow control, an empty account. */
const LATER = /^(isv\.BUSINESS_LIMIT_CONTROL|isv\.DAY_LIMIT_CONTROL|isv\.OUT_OF_SERVICE|isv\.AMOUNT_NOT_ENOUGH|Throttling)/u;
/** The service's own trouble: it may have been sent. */
const MAYBE = /^(ServiceUnavailable|InternalError|isp\.SYSTEM_ERROR)/u;
const NOT_CONNECTED = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|getaddrinfo/u;

/**
 * The SDK's client class: a CommonJS module whose class is `exports.default`. Node's ESM loader gives the
 * exports object as the default import, a bundler (vitest) the class itself.
 */
type DysmsClient = InstanceType<typeof dysmsapi.default>;
const loaded: unknown = dysmsapi;
const DysmsClient = (typeof loaded === 'function' ? loaded : (loaded as { default: unknown }).default) as typeof dysmsapi.default;

export class AliyunSmsProvider implements SmsProvider {
  readonly name = 'aliyun';
  private readonly client: DysmsClient;
  private readonly runtime: $dara.RuntimeOptions;

  constructor(private readonly options: AliyunSmsOptions) {
    this.client = new DysmsClient(new $OpenApiUtil.Config({ accessKeyId: options.accessKeyId, accessKeySecret: options.accessKeySecret, endpoint: options.endpoint, protocol: options.protocol }));
    this.runtime = new $dara.RuntimeOptions({ autoretry: false, connectTimeout: Math.min(5_000, options.timeoutMs), readTimeout: options.timeoutMs });
  }

  async send(r: SmsRequest): Promise<SmsSent> {
    let body;
    try {
      const res = await this.client.sendSmsWithOptions(
        new SendSmsRequest({ phoneNumbers: r.phone, signName: r.signName, templateCode: r.templateId, templateParam: JSON.stringify(Object.fromEntries(r.params)), outId: r.outId }),
        this.runtime,
      );
      body = res.body;
    } catch (error) {
      throw classify(error);
    }
    const code = body?.code ?? 'Unknown';
    if (code === 'OK' && body?.bizId) return { providerId: body.bizId };
    if (LATER.test(code)) throw new SmsUnavailableError(code, code);
    if (MAYBE.test(code)) throw new MaybeSentError(code);
    throw new SmsRefusedError(code, code);
  }

  async pull(awaiting: readonly SmsAwaiting[]): Promise<{ receipts: SmsReceipt[]; replies: SmsUpstream[] }> {
    const receipts: SmsReceipt[] = [];
    for (const m of awaiting) {
      const day = new Intl.DateTimeFormat('sv-SE', { timeZone: this.options.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(m.sentAt).replaceAll('-', '');
      const res = await this.client.querySendDetailsWithOptions(new QuerySendDetailsRequest({ phoneNumber: m.phone, sendDate: day, pageSize: 10, currentPage: 1, bizId: m.providerId }), this.runtime);
      const detail = res.body?.smsSendDetailDTOs?.smsSendDetailDTO?.[0];
      // 1 waiting for the carrier, 2 failed, 3 delivered.
      if (!detail || detail.sendStatus === 1 || detail.sendStatus === undefined) continue;
      const at = detail.receiveDate ? Date.parse(`${detail.receiveDate.replace(' ', 'T')}+08:00`) : Date.now();
      receipts.push({ providerId: m.providerId, phone: m.phone, delivered: detail.sendStatus === 3, at, ...(detail.sendStatus === 3 ? {} : { error: detail.errCode ?? 'FAILED' }) });
    }
    return { receipts, replies: [] };
  }
}

/** An answer after which the message may have gone out: the desk marks it uncertain, never sends it again. */
class MaybeSentError extends Error {
  override readonly name = 'MaybeSentError';
  constructor(readonly code: string) {
    super(code);
  }
}

/**
 * The SDK's error as ours: refused, unavailable (certainly not sent: a rate limit, nothing listening), or
 * maybe sent (a timeout, a 5xx, the service's own trouble). SDK messages carry the request URL with the
 * number and the text in it: they are not kept.
 */
function classify(error: unknown): Error {
  const e = error as { code?: string; statusCode?: number; message?: string; data?: { Code?: string } };
  const code = e.data?.Code ?? e.code ?? '';
  if (e.statusCode !== undefined && e.statusCode >= 500) return new MaybeSentError(code || `HTTP${e.statusCode}`);
  if (code !== '' && e.statusCode !== undefined) return LATER.test(code) ? new SmsUnavailableError(code, code) : MAYBE.test(code) ? new MaybeSentError(code) : new SmsRefusedError(code, code);
  if (NOT_CONNECTED.test(e.message ?? '') || NOT_CONNECTED.test(code)) return new SmsUnavailableError('NotConnected', 'nothing listening');
  return new MaybeSentError('NoAnswer');
}
