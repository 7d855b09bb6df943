/**
 * `/进度`'s line of a directive's posts not known to be in their groups (within the asker's scope):
 * waiting for a person to post or to look, uncertain, failed, or still unsent long after their release.
 */
import type { Directive, Scope } from '../../domain/directive.js';
import { scopeCovers } from '../../domain/directive.js';
import type { OrgIndex } from '../../domain/org-index.js';
import type { PostState } from '../../store/ledger-repo.js';
import { zhDirective } from './texts.js';

/** A post planned longer ago than this and still unsent is worth a line. */
const LATE_MS = 5 * 60_000;
/** Groups named at most; more are counted. */
const MAX_NAMED = 8;

export function postsLine(org: OrgIndex, d: Directive, scope: Scope, posts: readonly PostState[], now: number): string | null {
  // A group with two platform groups, or a post in parts: the worst state of its deliveries counts; one sent part is not the post.
  const byGroup = new Map<number, string>();
  const rank = (p: PostState): { rank: number; what: string } | null => {
    if (p.status === 'manual') return p.manualKind === 'check' ? { rank: 4, what: zhDirective.postStates.check } : { rank: 5, what: zhDirective.postStates.byHand };
    if (p.status === 'uncertain') return { rank: 3, what: zhDirective.postStates.uncertain };
    if (p.status === 'failed') return { rank: 6, what: zhDirective.postStates.failed };
    if ((p.status === 'planned' || p.status === 'sending') && now - p.plannedAt > LATE_MS) return { rank: 2, what: zhDirective.postStates.late };
    return null;
  };
  const worst = new Map<number, { rank: number; what: string }>();
  for (const p of posts) {
    const r = rank(p);
    if (!r) continue;
    const group = org.group(p.groupId);
    if (!group || !scopeCovers(scope, { collegeId: group.collegeId, classId: group.classId })) continue;
    const before = worst.get(p.groupId);
    if (!before || r.rank > before.rank) worst.set(p.groupId, r);
  }
  for (const [groupId, r] of worst) byGroup.set(groupId, `${org.group(groupId)?.name ?? ''}（${r.what}）`);
  if (byGroup.size === 0) return null;
  const named = [...byGroup.values()];
  return zhDirective.postsNotThere(d.id, named.slice(0, MAX_NAMED), Math.max(0, named.length - MAX_NAMED));
}
