export { WechatyAdapter, type WechatyAdapterOptions, type WechatyEnv } from './adapter.js';
export { WECHATY_CAPABILITIES } from './capabilities.js';
export { decodeMemberChange, decodeMessage } from './codec.js';
export { DEFAULT_WECHATY_PUPPET, wechatyOptionsSchema, type WechatyOptions, type WechatyOptionsInput } from './options.js';
