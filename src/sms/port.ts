/**
 * The SMS channel's port: a provider sends one templated message to one number and, where it can, says
 * what became of it (delivery receipts) and what people texted back (上行短信). Chinese SMS rules: a
 * signature and approved templates with parameters; the text itself is the provider's template.
 * Phone numbers are sensitive: never logged whole (`maskPhone`).
 */

export interface SmsRequest {
  /** 11-digit mainland mobile number. */
  readonly phone: string;
  readonly signName: string;
  readonly templateId: string;
  /** The template's parameters, in the template's order. */
  readonly params: readonly (readonly [string, string])[];
  /** Cascade's key of this SMS (the ledger's), echoed by providers that take one. */
  readonly outId: string;
}

export interface SmsSent {
  /** The provider's id of the message (Aliyun BizId, Tencent SerialNo). */
  readonly providerId: string;
}

export interface SmsReceipt {
  readonly providerId: string;
  readonly phone: string;
  readonly delivered: boolean;
  readonly at: number;
  readonly error?: string;
}

export interface SmsUpstream {
  readonly phone: string;
  readonly text: string;
  readonly at: number;
}

/** A message sent and still awaiting its receipt (providers that are asked per message). */
export interface SmsAwaiting {
  readonly providerId: string;
  readonly phone: string;
  readonly sentAt: number;
}

export interface SmsProvider {
  readonly name: string;
  send(r: SmsRequest): Promise<SmsSent>;
  /** Receipts and replies since the last pull, where the provider offers them by pull. */
  pull?(awaiting: readonly SmsAwaiting[]): Promise<{ readonly receipts: readonly SmsReceipt[]; readonly replies: readonly SmsUpstream[] }>;
}

/** The provider refused the message (template, signature, number): sending it again will not help. */
export class SmsRefusedError extends Error {
  override readonly name = 'SmsRefusedError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The provider cannot take it now (outage, rate limit): try again later; certainly not sent. */
export class SmsUnavailableError extends Error {
  override readonly name = 'SmsUnavailableError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** `138****0000`: a number as logs and operators' lists may show it. */
export function maskPhone(phone: string): string {
  return phone.length === 11 ? `${phone.slice(0, 3)}****${phone.slice(7)}` : '****';
}
