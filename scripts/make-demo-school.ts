/**
 * Writes the demo school's roster to config/demo (学生.csv, 家长.csv, 教职工.csv, 群.csv).
 * Deterministic: the same files on every run. Run: npx tsx scripts/make-demo-school.ts
 * The content is defined in src/roster/demo-school.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoSchoolDir } from '../src/roster/demo.js';
import { demoSchoolCsv } from '../src/roster/demo-school.js';

const dir = demoSchoolDir();
mkdirSync(dir, { recursive: true });
for (const [sheet, text] of Object.entries(demoSchoolCsv())) {
  writeFileSync(join(dir, `${sheet}.csv`), text);
  console.log(`${join(dir, `${sheet}.csv`)}: ${text.split('\n').length - 2} rows`);
}
