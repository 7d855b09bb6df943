/**
 * The built-in SMS provider of the demo, the sandbox, drills and tests: nothing leaves the process. It
 * keeps what was sent (with the text the template would give), and people "text back" with `reply`.
 */
import type { SmsProvider, SmsReceipt, SmsRequest, SmsSent, SmsUpstream } from './port.js';

/** The texts of the simulated templates (a real provider holds them, approved). */
export const SIMULATED_TEMPLATES: Readonly<Record<string, string>> = {
  SIM_DIRECTIVE: '{school}第{no}号通知：{text}（请回复“收到”）',
  SIM_REMINDER: '{student}家长您好：{school}第{no}号通知您还未回复{deadline}，请回复“收到”。',
  SIM_CODE: '您的验证码是{code}，10分钟内有效。',
};

export interface SimulatedSms {
  readonly phone: string;
  readonly text: string;
  readonly templateId: string;
  readonly outId: string;
  readonly providerId: string;
  readonly at: number;
}

export class SimulatedSmsProvider implements SmsProvider {
  readonly name = 'simulated';
  readonly sent: SimulatedSms[] = [];
  private readonly pendingReplies: SmsUpstream[] = [];
  private readonly pendingReceipts: SmsReceipt[] = [];
  private seq = 0;
  /** Numbers that fail (a refusal), for tests. */
  readonly refuse = new Set<string>();

  constructor(
    private readonly now: () => number,
    /** Called for each SMS (the sandbox prints it). */
    private readonly onSend?: (m: SimulatedSms) => void,
  ) {}

  async send(r: SmsRequest): Promise<SmsSent> {
    if (this.refuse.has(r.phone)) {
      const { SmsRefusedError } = await import('./port.js');
      throw new SmsRefusedError('isv.MOBILE_NUMBER_ILLEGAL', 'simulated refusal');
    }
    const providerId = `sim-${++this.seq}`;
    const body = (SIMULATED_TEMPLATES[r.templateId] ?? r.params.map(([k]) => `{${k}}`).join(' ')).replace(/\{(\w+)\}/gu, (_m, k: string) => r.params.find(([p]) => p === k)?.[1] ?? '');
    const m: SimulatedSms = { phone: r.phone, text: `【${r.signName}】${body}`, templateId: r.templateId, outId: r.outId, providerId, at: this.now() };
    this.sent.push(m);
    this.pendingReceipts.push({ providerId, phone: r.phone, delivered: true, at: m.at });
    this.onSend?.(m);
    return { providerId };
  }

  /** Someone texts back from `phone`. */
  reply(phone: string, text: string): void {
    this.pendingReplies.push({ phone, text, at: this.now() });
  }

  async pull(): Promise<{ receipts: SmsReceipt[]; replies: SmsUpstream[] }> {
    return { receipts: this.pendingReceipts.splice(0), replies: this.pendingReplies.splice(0) };
  }
}
