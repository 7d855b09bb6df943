import { describe, expect, it } from 'vitest';
import { libraryConfig } from './client.js';
import { loginMethod, oicqOptionsSchema } from './options.js';

describe('oicq options', () => {
  it('defaults: oicq, posing as an iPad', () => {
    expect(oicqOptionsSchema.parse({ uin: 10001 })).toEqual({ uin: 10001, package: 'oicq', device: 'ipad' });
  });

  it.each([
    [{ uin: 10001, token: 'x' }, 'token'],
    [{ uin: '10001' }, 'uin'],
    [{ uin: 10001, qrcode: false }, 'qrcode'],
    [{ uin: 10001, signApi: 'http://127.0.0.1:8080' }, 'signApi'],
    [{ uin: 10001, package: 'icqq', signApi: 'not a url' }, 'signApi'],
    [{ uin: 10001, device: 'tim' }, 'device'],
  ])('refuses %j (%s)', (input, field) => {
    const result = oicqOptionsSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain(field);
  });

  it('icqq takes a sign server', () => {
    const o = oicqOptionsSchema.parse({ uin: 10001, package: 'icqq', signApi: 'http://127.0.0.1:8080/?key=k' });
    expect(libraryConfig(o, '/tmp/x')).toMatchObject({ sign_api_addr: 'http://127.0.0.1:8080/?key=k', platform: 5 });
  });

  it.each([
    [{ password: 'p' }, 'password'],
    [{ password: 'p', qrcode: true }, 'qrcode'],
    [{}, 'qrcode'],
    [{ password: 'p', qrcode: false }, 'password'],
  ])('loginMethod(%j) = %s', (o, method) => {
    expect(loginMethod(o)).toBe(method);
  });

  it('library config: no library logs, no library reconnects, no fragment re-send', () => {
    expect(libraryConfig({ device: 'android' }, '/d')).toEqual({
      data_dir: '/d', platform: 1, log_level: 'off', reconn_interval: 0, ignore_self: true, resend: false,
    });
  });
});
