import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The demo school's roster: config/demo with 学生.csv, 家长.csv, 教职工.csv, 群.csv (see scripts/make-demo-school.ts). */
export function demoSchoolDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../config/demo');
}
