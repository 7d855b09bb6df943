export { OicqAdapter, DEFAULT_TIMING, type OicqEnv, type OicqTiming } from './adapter.js';
export { OICQ_CAPABILITIES } from './capabilities.js';
export { oicqOptionsSchema, DEVICE_PLATFORMS, loginMethod, type OicqDevice, type OicqOptions } from './options.js';
export type { QqClient } from './wire.js';
