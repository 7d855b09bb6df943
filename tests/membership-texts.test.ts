/**
 * The audit details quote what members typed (their group cards) only clipped and with phone and ID
 * numbers masked: the details go to staff, but a card is anyone's text.
 */
import { describe, expect, it } from 'vitest';
import { zhAudit, type AuditText } from '../src/features/membership/texts.js';

const audit = (card: string): AuditText => ({
  group: '计算机2301班级群',
  expected: 30,
  present: 31,
  missing: [],
  strangers: [{ ref: null, name: null, account: 'qq:10001', card }],
  unmatched: [],
  badCard: [],
  duplicates: [],
  left: [],
});

describe('audit details', () => {
  it('mask a phone number in a stranger’s card and keep the account', () => {
    const text = zhAudit.details(audit('代办加微13800138000'));
    expect(text).not.toContain('13800138000');
    expect(text).toContain('代办加微');
    expect(text).toContain('qq:10001');
  });

  it('clip a long card', () => {
    const text = zhAudit.details(audit('广告'.repeat(500)));
    expect(text.length).toBeLessThan(300);
    expect(text).toContain('…');
  });
});
