export { OneBotAdapter, type OneBotAdapterEnv } from './adapter.js';
export { ONEBOT_CAPABILITIES } from './capabilities.js';
export { oneBotAccountKeys, oneBotOptionsSchema, parseListen, type OneBotOptions } from './options.js';
