/**
 * The repositories of one store, built once and shared by every feature. A feature with a table of its
 * own builds its repository from `db`; services never run SQL themselves.
 */
import { AccessLogRepo } from './access-log-repo.js';
import { AttachmentRepo } from './attachment-repo.js';
import { WebRepo } from './web-repo.js';
import { AccountStatusRepo } from './account-status-repo.js';
import { AuditRepo } from './audit-repo.js';
import { BindingRepo } from './binding-repo.js';
import { CallTaskRepo } from './call-task-repo.js';
import { ChaseRepo } from './chase-repo.js';
import { ContactLogRepo } from './contact-log-repo.js';
import { ContactRepo } from './contact-repo.js';
import type { Db } from './db.js';
import { DirectiveRepo } from './directive-repo.js';
import { FailureRepo } from './failure-repo.js';
import { InboundRepo } from './inbound-repo.js';
import { LedgerRepo } from './ledger-repo.js';
import { MemberRepo } from './member-repo.js';
import { PrivacyRepo } from './privacy-repo.js';
import { ReviewRepo } from './review-repo.js';
import { SessionIdRepo } from './session-id-repo.js';
import { SmsRepo } from './sms-repo.js';

export interface Repos {
  readonly db: Db;
  readonly directives: DirectiveRepo;
  /** The sent-ledger. */
  readonly ledger: LedgerRepo;
  readonly inbound: InboundRepo;
  readonly reviews: ReviewRepo;
  readonly chase: ChaseRepo;
  readonly bindings: BindingRepo;
  /** Member lists kept between reads. */
  readonly members: MemberRepo;
  readonly audits: AuditRepo;
  readonly accountStatus: AccountStatusRepo;
  readonly sessionIds: SessionIdRepo;
  /** Failed jobs and messages, and the queues' counts, for `cascade status`. */
  readonly failures: FailureRepo;
  /** The address book's phones and how they were checked. */
  readonly contacts: ContactRepo;
  /** The home–school contact log. */
  readonly contactLog: ContactLogRepo;
  /** Whom counselors were asked to phone (`/已联系`). */
  readonly callTasks: CallTaskRepo;
  /** The SMS part of the sent-ledger. */
  readonly sms: SmsRepo;
  /** Retention: what people wrote kept only as long as needed. */
  readonly privacy: PrivacyRepo;
  /** Who viewed or exported personal data. */
  readonly access: AccessLogRepo;
  /** Files directives carry and files Cascade sends (issue #15). */
  readonly attachments: AttachmentRepo;
  /** Web console login links and sessions (issue #16). */
  readonly web: WebRepo;
}

export function openRepos(db: Db): Repos {
  return {
    db,
    directives: new DirectiveRepo(db),
    ledger: new LedgerRepo(db),
    inbound: new InboundRepo(db),
    reviews: new ReviewRepo(db),
    chase: new ChaseRepo(db),
    bindings: new BindingRepo(db),
    members: new MemberRepo(db),
    audits: new AuditRepo(db),
    accountStatus: new AccountStatusRepo(db),
    sessionIds: new SessionIdRepo(db),
    failures: new FailureRepo(db),
    contacts: new ContactRepo(db),
    contactLog: new ContactLogRepo(db),
    callTasks: new CallTaskRepo(db),
    sms: new SmsRepo(db),
    privacy: new PrivacyRepo(db),
    access: new AccessLogRepo(db),
    attachments: new AttachmentRepo(db),
    web: new WebRepo(db),
  };
}
