/**
 * `cascade backup [--out dir] [--config f]`: a consistent copy of the store (safe while the service runs),
 * with its manifest and the config file. `cascade restore <file> [--config f]`: into the configured data
 * directory, which must hold no store.
 */
import { join, resolve } from 'node:path';
import { loadConfig } from '../config/load.js';
import { backupStore, RestoreError, restoreStore } from '../store/backup.js';
import { closeDb, openDb } from '../store/db.js';
import { option } from './args.js';

export async function backupCommand(args: string[]): Promise<number> {
  const configFile = option(args, '--config');
  const config = loadConfig(undefined, {}, configFile);
  const out = resolve(option(args, '--out') ?? config.backup.dir ?? join(config.dataDir, 'backups'));
  const db = openDb(join(config.dataDir, 'cascade.db'));
  try {
    const m = await backupStore(db, out, new Date(), configFile ?? process.env['CASCADE_CONFIG'] ?? 'config/cascade.yaml');
    process.stdout.write(`${join(out, m.file)}\n`);
    process.stderr.write(
      `已备份：人员 ${m.counts.people}，通知 ${m.counts.directives}，发送记录 ${m.counts.deliveries}，回复 ${m.counts.acknowledgements}（数据结构 ${m.schema.applied}${m.encrypted ? '，已加密' : ''}）。\n`,
    );
    return 0;
  } finally {
    closeDb(db);
  }
}

export async function restoreCommand(args: string[]): Promise<number> {
  const file = args.find((a) => !a.startsWith('--') && a !== option(args, '--config'));
  if (!file) {
    process.stderr.write('用法：cascade restore <备份文件.db> [--config 文件]（恢复到配置的数据目录，该目录中不能已有数据库）\n');
    return 2;
  }
  const config = loadConfig(undefined, {}, option(args, '--config'));
  try {
    const m = restoreStore(resolve(file), config.dataDir);
    process.stderr.write(
      `已恢复到 ${resolve(config.dataDir)}：人员 ${m.counts.people}，通知 ${m.counts.directives}，回复 ${m.counts.acknowledgements}。备份之后发出的消息会在启动时向平台核对，不会重复发送。\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof RestoreError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
