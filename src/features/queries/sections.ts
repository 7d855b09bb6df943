/**
 * The lines other features add to `/进度`, each a service a feature may provide (none: no line). Kept
 * apart from the queries feature so the features that provide them need not import it.
 */
import { serviceKey } from '../../app/feature.js';
import type { Directive, Scope } from '../../domain/directive.js';

/** The posts of the directive not known to be in their groups, within the scope (directives). */
export const POSTS_LINE = serviceKey<(d: Directive, scope: Scope) => string | null>('posts-line');
/** Times a bot was away and the replies sent meanwhile may be missing (catch-up). */
export const GAP_LINE = serviceKey<(d: Directive) => string | null>('gap-line');
