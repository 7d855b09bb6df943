/**
 * Tencent Cloud SMS (`tencentcloud-sdk-nodejs-sms`, API 2021-01-11): SendSms one number at a time, with
 * Cascade's key as SessionContext; receipts and replies by PullSmsSendStatus / PullSmsReplyStatus. The SDK
 * retries nothing by itself, so one call is at most one message.
 */
import * as tencent from 'tencentcloud-sdk-nodejs-sms';
import { SmsRefusedError, SmsUnavailableError, type SmsProvider, type SmsReceipt, type SmsRequest, type SmsSent, type SmsUpstream } from './port.js';

export interface TencentSmsOptions {
  readonly secretId: string;
  readonly secretKey: string;
  readonly sdkAppId: string;
  readonly region: string;
  /** `sms.tencentcloudapi.com`; tests point it at a local server. */
  readonly endpoint: string;
  readonly protocol: 'https' | 'http';
  readonly timeoutSec: number;
}

/** Codes that mean "not now, and certainly not sent": rate limits, an empty package. */
const LATER = /^(LimitExceeded|RequestLimitExceeded|FailedOperation\.InsufficientBalanceInSmsPackage)/u;
/** The service's own trouble (InternalError.Timeout, InternalError.SendAndRecvFail …): it may have been sent. */
const MAYBE = /^(InternalError|ServiceUnavailable)/u;
/** Transport errors after which nothing can have been sent. */
const NOT_CONNECTED = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|getaddrinfo/u;

type Client = InstanceType<typeof tencent.sms.v20210111.Client>;

export class TencentSmsProvider implements SmsProvider {
  readonly name = 'tencent';
  private readonly client: Client;

  constructor(private readonly options: TencentSmsOptions) {
    this.client = new tencent.sms.v20210111.Client({
      credential: { secretId: options.secretId, secretKey: options.secretKey },
      region: options.region,
      profile: { httpProfile: { endpoint: options.endpoint, protocol: `${options.protocol}://`, reqTimeout: options.timeoutSec } },
    });
  }

  async send(r: SmsRequest): Promise<SmsSent> {
    let status;
    try {
      const res = await this.client.SendSms({
        PhoneNumberSet: [`+86${r.phone}`],
        SmsSdkAppId: this.options.sdkAppId,
        SignName: r.signName,
        TemplateId: r.templateId,
        TemplateParamSet: r.params.map(([, v]) => v),
        SessionContext: r.outId,
      });
      status = res.SendStatusSet?.[0];
    } catch (error) {
      throw classify(error);
    }
    if (!status) throw new SmsUnavailableError('EmptyResponse', 'no send status in the answer');
    if (status.Code === 'Ok' && status.SerialNo) return { providerId: status.SerialNo };
    const code = status.Code ?? 'Unknown';
    if (LATER.test(code)) throw new SmsUnavailableError(code, status.Message ?? code);
    if (MAYBE.test(code)) throw new MaybeSentError(code);
    throw new SmsRefusedError(code, status.Message ?? code);
  }

  async pull(): Promise<{ receipts: SmsReceipt[]; replies: SmsUpstream[] }> {
    const [sent, replied] = await Promise.all([
      this.client.PullSmsSendStatus({ Limit: 100, SmsSdkAppId: this.options.sdkAppId }),
      this.client.PullSmsReplyStatus({ Limit: 100, SmsSdkAppId: this.options.sdkAppId }),
    ]);
    const receipts = (sent.PullSmsSendStatusSet ?? []).flatMap((s) =>
      s.SerialNo
        ? [{ providerId: s.SerialNo, phone: s.SubscriberNumber ?? '', delivered: s.ReportStatus === 'SUCCESS', at: (s.UserReceiveTime ?? 0) * 1000, ...(s.ReportStatus === 'SUCCESS' ? {} : { error: s.Description ?? 'FAIL' }) }]
        : [],
    );
    const replies = (replied.PullSmsReplyStatusSet ?? []).flatMap((s) =>
      s.SubscriberNumber && s.ReplyContent ? [{ phone: s.SubscriberNumber, text: s.ReplyContent, at: (s.ReplyTime ?? 0) * 1000 }] : [],
    );
    return { receipts, replies };
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
 * maybe sent (a timeout, a 5xx, the service's own trouble). SDK messages carry the request: not kept.
 */
function classify(error: unknown): Error {
  const e = error as { code?: string; httpCode?: number; message?: string };
  const code = e.code ?? '';
  if (code !== '') return LATER.test(code) ? new SmsUnavailableError(code, code) : MAYBE.test(code) ? new MaybeSentError(code) : new SmsRefusedError(code, code);
  if (e.httpCode !== undefined) return new MaybeSentError(`HTTP${e.httpCode}`);
  if (NOT_CONNECTED.test(e.message ?? '')) return new SmsUnavailableError('NotConnected', 'nothing listening');
  return new MaybeSentError('NoAnswer');
}
