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

/** Codes that mean "not now" (rate limits, the service's own trouble); anything else refuses the message. */
const LATER = /^(LimitExceeded|RequestLimitExceeded|InternalError|FailedOperation\.InsufficientBalanceInSmsPackage)/u;
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

/** The SDK's error as ours: refused, unavailable (certainly not sent), or unknown (rethrown: maybe sent). */
function classify(error: unknown): Error {
  const e = error as { code?: string; httpCode?: number; message?: string };
  const code = e.code ?? '';
  if (code !== '') return LATER.test(code) ? new SmsUnavailableError(code, e.message ?? code) : new SmsRefusedError(code, e.message ?? code);
  if (e.httpCode !== undefined && e.httpCode >= 500) return new SmsUnavailableError(`HTTP${e.httpCode}`, e.message ?? '');
  if (NOT_CONNECTED.test(e.message ?? '')) return new SmsUnavailableError('NotConnected', e.message ?? '');
  return error instanceof Error ? error : new Error(String(error));
}
