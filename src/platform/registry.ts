/**
 * Platform adapters register themselves here (`adapters/<name>/register.ts`): the `platform` value an
 * account entry names them by, the chat network they serve, the schema of their own keys, and how to
 * build one. The config validates accounts, and the runtime builds them, from this registry: neither
 * imports an adapter. An adapter's libraries are loaded only when an account uses it.
 */
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Platform } from '../domain/org.js';
import type { ChatAdapter } from './port.js';

export interface AdapterEnv {
  readonly logger: Logger;
  /** Each adapter keeps its login state (device files, tokens, memory cards) under it. */
  readonly dataDir: string;
}

export interface AdapterRegistration<O> {
  /** The `platform` value of an account entry that uses it: `onebot`, `oicq`, `wechaty` … */
  readonly kind: string;
  /** The chat network its accounts' groups are on. */
  readonly network: Platform;
  /** The adapter's own keys of an account entry, as an object the config extends with id, platform and pacing. */
  readonly keys: z.ZodObject;
  /** The same keys with the checks that span them; what `create` is given. */
  readonly options: z.ZodType<O>;
  /** Whether the platform can send @全体成员 (`atAll.enabled` is refused otherwise). */
  readonly atAll: boolean;
  create(accountId: string, options: O, env: AdapterEnv): Promise<ChatAdapter>;
}

/** A registration with its options' type hidden. */
interface Registered {
  readonly kind: string;
  readonly network: Platform;
  readonly keys: z.ZodObject;
  readonly options: z.ZodType;
  readonly atAll: boolean;
  create(accountId: string, options: unknown, env: AdapterEnv): Promise<ChatAdapter>;
}

const registry = new Map<string, Registered>();

/** The account keys the app reads itself; everything else is the adapter's. */
export const COMMON_ACCOUNT_KEYS: readonly string[] = ['id', 'platform', 'adapter', 'minGapMs', 'jitterMs', 'perMinute', 'perDay', 'perGroupPerMinute', 'atAll'];

/** The names the simulator's accounts use: they are never a registered adapter's. */
export const SIMULATED_PLATFORMS: readonly Platform[] = ['qq', 'wechat'];

export function registerAdapter<O>(r: AdapterRegistration<O>): void {
  if ((SIMULATED_PLATFORMS as readonly string[]).includes(r.kind)) throw new Error(`adapter kind ${r.kind} is the simulator's name`);
  const before = registry.get(r.kind);
  // The same module registering again (imported twice under two paths) is harmless; two adapters with one name are not.
  if (before && before.keys !== r.keys) throw new Error(`two adapters register the kind ${r.kind}`);
  registry.set(r.kind, {
    ...r,
    create: (accountId, options, env) => r.create(accountId, options as O, env),
  });
}

export function adapterKind(kind: string): Registered | undefined {
  return registry.get(kind);
}

export function adapterKinds(): Registered[] {
  return [...registry.values()];
}

/** An account entry's keys that are its adapter's own. */
export function adapterKeys(account: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(account).filter(([k]) => !COMMON_ACCOUNT_KEYS.includes(k)));
}

/** Builds the adapter of a configured account. Throws for a platform no adapter registered. */
export async function createAdapter(account: Readonly<Record<string, unknown>> & { readonly id: string; readonly platform: string }, env: AdapterEnv): Promise<ChatAdapter> {
  const r = registry.get(account.platform);
  if (!r) throw new Error(`no adapter registered for platform ${account.platform}`);
  return r.create(account.id, r.options.parse(adapterKeys(account)), env);
}
