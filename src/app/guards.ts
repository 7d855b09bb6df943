/**
 * Who may use a command, as reusable filters (grammY's `filter`). A guard looks only at who is asking
 * (their roles and scope), never at what they wrote, and runs before the arguments are read.
 */
import { canIssueDirective } from '../domain/directive.js';
import { OPEN_GUARD_NAME } from './commands.js';
import type { Guard } from './feature.js';
import { zhCore } from './texts.js';

/** Everyone, strangers included (`/帮助`, `/绑定`). */
export const anyone: Guard = { name: OPEN_GUARD_NAME, allows: () => true, refusal: zhCore.notAllowed };

/**
 * People responsible for part of the network: the student-work team, deputy secretaries, college
 * leaders and counselors (whoever has a scope of their own).
 */
export const responsible: Guard = { name: 'responsible', allows: (v) => v.scope.kind !== 'none', refusal: zhCore.notAllowed };

/**
 * Who may issue a directive in some scope (issue #15): the team (school-wide), deputy secretaries (their
 * college), counselors and 班主任 (their classes). The command decides what each may reach.
 */
export const scopeIssuers: Guard = {
  name: 'issuers-own-scope',
  allows: (v) =>
    v.person !== undefined &&
    (canIssueDirective(v.org, v.person) || v.person.roles.some((r) => r.role === 'deputy_secretary') || v.person.counselorOf.length > 0),
  refusal: zhCore.notAllowed,
};

/** Who may issue a directive: the student-work team. */
export const directiveIssuers: Guard = {
  name: 'issuers',
  allows: (v) => v.person !== undefined && canIssueDirective(v.org, v.person),
  refusal: zhCore.notAllowed,
};
