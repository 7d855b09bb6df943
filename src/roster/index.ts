export { demoSchoolDir } from './demo.js';
export { demoSchoolCsv } from './demo-school.js';
export { MAX_LISTED_ISSUES, RosterError, type RosterIssue, type RosterIssueCode } from './errors.js';
export { decodeText, ROSTER_LIMITS, type RosterLimits, type TextEncodingName } from './sources.js';
export {
  formatReadReport,
  HEADER_SEARCH_ROWS,
  PROGRESS_EVERY_ROWS,
  readRoster,
  readRosterWithReport,
  type ReadRosterOptions,
  type RosterReadReport,
  type SheetReadReport,
} from './read.js';
export { SYNTHETIC_DEFAULTS, syntheticCampus, type SyntheticCampusOptions } from './synthetic.js';
export type {
  RosterContacts,
  RosterData,
  RosterGroup,
  RosterGuardian,
  RosterReadProgress,
  RosterRoleGrant,
  RosterRowRefs,
  RosterStaff,
  RosterStudent,
  SheetName,
} from './types.js';
export {
  assertValidRoster,
  guardianExtId,
  guardianIdentities,
  rosterGroupKey,
  validateRoster,
  type GuardianIdentity,
} from './validate.js';
export { rosterToCsv, writeRosterCsv } from './write.js';
