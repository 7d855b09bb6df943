/**
 * Every feature of Cascade, in the order their commands appear in `/帮助`. Adding a capability is
 * adding its folder and one line here.
 */
import type { Feature } from '../app/feature.js';
import { accounts } from './accounts/index.js';
import { backup } from './backup/index.js';
import { binding } from './binding/index.js';
import { catchUp } from './catchup/index.js';
import { chasing } from './chasing/index.js';
import { consoleFeature } from './console/index.js';
import { contacts } from './contacts/index.js';
import { directives } from './directives/index.js';
import { helpFeature } from './help/index.js';
import { manual } from './manual/index.js';
import { membership } from './membership/index.js';
import { privacy } from './privacy/index.js';
import { queries } from './queries/index.js';
import { replies } from './replies/index.js';
import { review } from './review/index.js';
import { sms } from './sms/index.js';
import { status } from './status/index.js';

export const FEATURES: readonly Feature[] = [directives, replies, queries, review, sms, chasing, membership, manual, binding, contacts, accounts, consoleFeature, catchUp, privacy, backup, status, helpFeature];
