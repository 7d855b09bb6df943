/**
 * Which approved template each kind of SMS uses and how its parameters are filled (config `sms.templates`):
 * a parameter is a pattern over the message's fields, `{student}家长`; each value is cut to the provider's
 * limit (`sms.maxParamChars`), since a too-long parameter makes the provider refuse the whole message.
 */

export const SMS_KINDS = ['directive', 'reminder', 'code'] as const;
export type SmsKind = (typeof SMS_KINDS)[number];

/** Fields a parameter pattern may use. */
export const SMS_FIELDS = ['school', 'id', 'text', 'deadline', 'student', 'code', 'group'] as const;
export type SmsField = (typeof SMS_FIELDS)[number];

export interface SmsTemplate {
  readonly id: string;
  /** Parameter name → pattern (`{text}`), in the template's order. */
  readonly params: Readonly<Record<string, string>>;
}

export const DEFAULT_SMS_TEMPLATES: Readonly<Record<SmsKind, SmsTemplate>> = {
  directive: { id: 'SIM_DIRECTIVE', params: { school: '{school}', no: '{id}', text: '{text}' } },
  reminder: { id: 'SIM_REMINDER', params: { student: '{student}', school: '{school}', no: '{id}', deadline: '{deadline}' } },
  code: { id: 'SIM_CODE', params: { code: '{code}' } },
};

/** Unknown fields named by the patterns, as `templates.reminder.params.x: {foo}` lines. */
export function templateProblems(templates: Readonly<Record<string, SmsTemplate>>): string[] {
  const out: string[] = [];
  for (const [kind, t] of Object.entries(templates)) {
    for (const [name, pattern] of Object.entries(t.params)) {
      for (const m of pattern.matchAll(/\{(\w+)\}/gu)) {
        if (!(SMS_FIELDS as readonly string[]).includes(m[1] ?? '')) out.push(`sms.templates.${kind}.params.${name}: unknown field {${m[1] ?? ''}} (known: ${SMS_FIELDS.join(', ')})`);
      }
    }
  }
  return out;
}

/** The template's parameters filled from the fields, each cut to `maxChars` (…). */
export function fillParams(t: SmsTemplate, fields: Partial<Record<SmsField, string>>, maxChars: number): [string, string][] {
  return Object.entries(t.params).map(([name, pattern]) => {
    const value = pattern.replace(/\{(\w+)\}/gu, (_m, k: string) => fields[k as SmsField] ?? '').replace(/\s+/gu, ' ').trim();
    return [name, [...value].length > maxChars ? `${[...value].slice(0, maxChars - 1).join('')}…` : value];
  });
}
