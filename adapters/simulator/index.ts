export { SimulatorAdapter, type SimulatorAdapterOptions } from './adapter.js';
export { AT_ALL, AT_ALL_TEXT, SENDS_QUOTES, SIM_CAPABILITIES } from './capabilities.js';
export { decodeEvent, decodeMessage } from './codec.js';
export {
  SimWorld,
  fileText,
  type DeliveryRecord,
  type MemberRole,
  type SimAccountInfo,
  type SimEvent,
  type SimFile,
  type SimGroupInfo,
  type SimGroupMessage,
  type SimMessage,
  type SimPost,
  type SimPrivateMessage,
  type SimTarget,
  type SimUser,
  type SimWorldOptions,
} from './world.js';
