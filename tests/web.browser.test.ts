/**
 * The web console in a real browser (issue #16): Debian's chromium driven by playwright-core, on a
 * phone-sized and a desktop viewport. Log in by link, issue a directive in the composer, watch its
 * progress update live as the simulated school replies, and download the export.
 * `UPDATE_SCREENSHOTS=1` also writes the screenshots docs/web.md shows.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loginLink } from '../src/features/console/index.js';
import { startWebServer } from '../src/web/server.js';
import { startTestSchool, type TestSchool } from './setup/runtime.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = process.env['UPDATE_SCREENSHOTS'] === '1' ? 'docs/img' : null;

let browser: Browser | undefined;
let school: TestSchool | undefined;
let web: { url: string; close: () => Promise<void> } | undefined;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (.ci/run does)`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  await web?.close();
  web = undefined;
  await school?.close();
  school = undefined;
});

const VIEWPORTS = [
  { name: 'phone', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
  { name: 'desktop', viewport: { width: 1280, height: 800 }, isMobile: false, hasTouch: false },
] as const;

/** Waits until `probe` (run in the page) is true. */
async function until(page: Page, probe: string, timeout = 10_000): Promise<void> {
  await page.waitForFunction(probe, undefined, { timeout });
}

async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

describe('the console in chromium', () => {
  for (const vp of VIEWPORTS) {
    it(`${vp.name}: log in by link, issue in the composer, see progress live, export the workbook, confirm a review item, see an alert arrive`, async () => {
      school = await startTestSchool({ config: { web: { listen: '127.0.0.1:0' } } });
      const s = school;
      web = await startWebServer(() => s.runtime.app);
      const leader = s.runtime.app.org().personByRef('T001');
      const link = loginLink(s.runtime.app, leader?.id ?? -1, 'cli', s.runtime.app.clock.now()) ?? '';
      const context = await (browser as Browser).newContext({ viewport: vp.viewport, isMobile: vp.isMobile, hasTouch: vp.hasTouch, acceptDownloads: true, locale: 'zh-CN' });
      const page = await context.newPage();
      try {
        await page.goto(link.replace(/^http:\/\/[^/]+/u, web.url));
        await until(page, `document.querySelector('h1')?.textContent?.includes('总览')`);
        // Nothing wider than the screen on a phone.
        expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1')).toBe(true);

        await page.click('nav >> text=发布通知');
        await page.fill('#text', '请各班今晚统计返校人数');
        await page.selectOption('#depth', '3');
        await page.fill('#colleges', '计算机学院');
        await page.setInputFiles('#files', { name: '返校统计表.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 返校统计表') });
        await shot(page, `composer-${vp.name}`);
        await Promise.all([page.waitForURL(/\/directives\/\d+$/u), page.click('button:has-text("发布")')]);
        const id = Number(/(\d+)$/u.exec(page.url())?.[1]);
        expect(s.runtime.app.directives.get(id)?.text).toBe('请各班今晚统计返校人数');
        // The file follows the text into each of its groups.
        await s.settle();
        const withFile = s.botMessages().filter((m) => m.chatType === 'group' && (m.files ?? []).some((f) => f.name === '返校统计表.pdf'));
        expect(withFile.length).toBe(s.runtime.app.ledger.counts(id).sent);
        const cell = `document.querySelector('#levels tr[data-level="3"] .ack')?.textContent`;
        await until(page, `(${cell} || '').startsWith('0/')`);
        await until(page, `document.getElementById('live')?.textContent === '（实时）'`);

        // Students answer in their class group: the page follows without a reload.
        await s.settle();
        for (const ref of ['2023010101', '2023010102', '2023010103']) s.say(ref, 'L3:计算机2301', '收到');
        await s.settle();
        await until(page, `(${cell} || '').startsWith('3/')`);
        expect(await page.evaluate("performance.getEntriesByType('navigation').length")).toBe(1);
        await shot(page, `directive-${vp.name}`);

        const [download] = await Promise.all([page.waitForEvent('download'), page.click('button:has-text("导出 Excel")')]);
        const path = await download.path();
        expect(readFileSync(path).subarray(0, 2).toString()).toBe('PK'); // an xlsx is a zip
        expect(download.suggestedFilename()).toMatch(/\.xlsx$/u);

        // A reply the bots would not count on their own waits on the review desk: confirmed there, it counts.
        s.say('2023010104', 'L3:计算机2301', '好的');
        await s.settle();
        await page.click('nav >> text=待确认');
        await until(page, `document.body.textContent.includes('“好的”')`);
        await shot(page, `review-${vp.name}`);
        await page.check('input[name="ids"]');
        await Promise.all([page.waitForURL(/\/review\?said=/u), page.click('button:has-text("计入所选")')]);
        expect(await page.textContent('section.alert')).toContain('已确认');
        await s.settle();
        expect(s.runtime.app.repos.reviews.open()).toHaveLength(0);
        await page.goto(`${web.url}/directives/${id}`);
        await until(page, `(${cell} || '').startsWith('4/')`);

        await page.click('nav >> text=总览');
        await until(page, `document.body.textContent.includes('第${id}号')`);
        // A question arrives: the overview's alerts follow without a reload.
        s.say('2023010105', 'L3:计算机2301', '老师，表格在哪里下载？');
        await s.settle();
        await until(page, `document.getElementById('alerts').textContent.includes('提问等待答复')`);
        await shot(page, `overview-${vp.name}`);
        expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1')).toBe(true);
      } finally {
        await context.close();
      }
    });
  }

  it('the sandbox: type as someone into a group and see the bot answer live', async () => {
    school = await startTestSchool({ config: { web: { listen: '127.0.0.1:0' } } });
    const s = school;
    web = await startWebServer(() => s.runtime.app, { sim: s.runtime.school });
    const leader = s.runtime.app.org().personByRef('T001');
    const link = loginLink(s.runtime.app, leader?.id ?? -1, 'cli', s.runtime.app.clock.now()) ?? '';
    const context = await (browser as Browser).newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    const page = await context.newPage();
    try {
      await page.goto(link.replace(/^http:\/\/[^/]+/u, web.url));
      await page.click('nav >> text=沙盒');
      await page.fill('#text', '/通知 截止=18:00 请各学院于今晚前完成宿舍安全检查');
      await Promise.all([page.waitForURL(/\/sandbox\?/u), page.click('button:has-text("发送")')]);
      await until(page, `document.getElementById('log').textContent.includes('已发布第1号通知')`);
      await shot(page, 'sandbox-phone');
      expect(s.runtime.app.directives.latest()?.id).toBe(1);
    } finally {
      await context.close();
    }
  });
});
