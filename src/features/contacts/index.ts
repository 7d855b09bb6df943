/**
 * The address book (通讯录): counselors, head teachers, deputy secretaries and the student-work team read
 * their scope's contacts privately (`/通讯录`) and record how they verified a number (`/核实`); the
 * export for print is `cascade addressbook`.
 */
import { defineCommand, serviceKey, type Feature, type Guard } from '../../app/feature.js';
import {
  parseCalledArgs,
  type CalledArgs,
  parseAddressQuery,
  parseCorrectArgs,
  parseRecordArgs,
  parseVerifyArgs,
  type AddressQuery,
  type CorrectArgs,
  type RecordArgs,
  type VerifyArgs,
} from '../../domain/contact-commands.js';
import { RELAY } from '../directives/index.js';
import { scopeText } from '../queries/index.js';
import { SMS } from '../sms/index.js';
import { CallDesk, zhCalls } from './calls.js';
import { AddressBookDesk, bookScope } from './desk.js';
import { ContactLogDesk, zhLog } from './log.js';
import { zhContacts } from './texts.js';

export const ADDRESS_BOOK = serviceKey<AddressBookDesk>('addressBook');
export const CONTACT_LOG = serviceKey<ContactLogDesk>('contactLog');
export const CALLS = serviceKey<CallDesk>('calls');

/** Overview lines one answer holds; more classes are named by count. */
const OVERVIEW_LINES = 30;

/** Counselors and head teachers (their classes), deputy secretaries (their college), the student-work team. */
export const bookReaders: Guard = {
  name: 'book-readers',
  allows: (v) => bookScope(v.org, v.person).kind !== 'none',
  refusal: zhContacts.notAllowed,
};

const addressBook = defineCommand<AddressQuery>({
  name: 'addressbook',
  words: ['通讯录', '联系方式'],
  where: ['private'],
  wrongPlace: zhContacts.privateOnly,
  guard: bookReaders,
  usage: () => '/通讯录 [班级|学号|姓名] —— 查看您负责范围内学生和家长的联系方式及核实情况（仅私聊）',
  explain: () => zhContacts.queryUsage,
  parse: (rest) => parseAddressQuery(rest),
  handle(ctx, args) {
    const desk = ctx.app.get(ADDRESS_BOOK);
    const scope = bookScope(ctx.org, ctx.person);
    const tz = ctx.app.timeZone;
    const viewed = (what: string): void => {
      if (ctx.person) ctx.app.repos.access.add({ at: ctx.now, byPersonId: ctx.person.id, by: `${ctx.person.extId} ${ctx.person.name}`, what: 'address_book', scope: what });
    };
    if (args.term === '') {
      viewed(`概况：${scopeText(ctx.org, scope)}`);
      const classes = desk.classesIn(scope);
      const lines = [zhContacts.overviewHead(classes.length)];
      for (const c of desk.counts(classes.slice(0, OVERVIEW_LINES))) lines.push(zhContacts.overviewLine(c.name, c.counts));
      if (classes.length > OVERVIEW_LINES) lines.push(zhContacts.overviewMore(classes.length - OVERVIEW_LINES));
      lines.push(zhContacts.overviewHint);
      return ctx.replyPrivately(lines.join('\n'));
    }
    const found = desk.lookup(scope, args.term);
    switch (found.kind) {
      case 'none':
        return ctx.replyPrivately(zhContacts.notFound);
      case 'many':
        return ctx.replyPrivately(zhContacts.tooMany(found.count));
      case 'students':
        viewed(found.entries.map((e) => e.entry.studentNo).join('、'));
        return ctx.replyPrivately(found.entries.map((e) => zhContacts.student(e.entry, e.className, tz)).join('\n\n'));
      case 'class': {
        const b = found.book;
        viewed(b.className);
        const lines = [zhContacts.classHead(b.className, b.college, b.counselors, b.students.length)];
        for (const s of b.students) lines.push(zhContacts.student(s, '', tz));
        return ctx.replyPrivately(lines.join('\n'));
      }
    }
  },
});

const verify = defineCommand<VerifyArgs>({
  name: 'verify',
  words: ['核实', '核实电话'],
  where: ['private'],
  wrongPlace: zhContacts.verifyPrivateOnly,
  guard: bookReaders,
  usage: () => '/核实 学号 本人|家长|关系 [电话已核实|号码错误 新号码|联系不上|短信验证] —— 记录核实结果，或发验证码短信核实号码',
  explain: () => zhContacts.verifyUsage,
  parse: (rest) => parseVerifyArgs(rest),
  handle(ctx, args) {
    if (!ctx.person) return;
    ctx.replyPrivately(ctx.app.get(ADDRESS_BOOK).verify(ctx.person, bookScope(ctx.org, ctx.person), args));
  },
});

const record = defineCommand<RecordArgs>({
  name: 'record',
  words: ['记录', '联系记录', '家校联系'],
  where: ['private'],
  wrongPlace: zhLog.privateOnly,
  guard: bookReaders,
  usage: () => '/记录 学号或姓名 [本人|关系] 渠道 内容 [结果：…] —— 写一条家校联系记录；/记录 —— 查看自己最近的记录（仅私聊）',
  explain: () => zhLog.usage,
  parse: (rest) => parseRecordArgs(rest),
  handle(ctx, args) {
    if (!ctx.person) return;
    const desk = ctx.app.get(CONTACT_LOG);
    if (args.kind === 'list') {
      ctx.app.repos.access.add({ at: ctx.now, byPersonId: ctx.person.id, by: `${ctx.person.extId} ${ctx.person.name}`, what: 'contact_log', scope: '本人的记录' });
      return ctx.replyPrivately(desk.mine(ctx.person));
    }
    ctx.replyPrivately(desk.record(ctx.person, bookScope(ctx.org, ctx.person), args));
  },
});

const correct = defineCommand<CorrectArgs>({
  name: 'correct-record',
  words: ['更正记录', '修改记录'],
  where: ['private'],
  wrongPlace: zhLog.privateOnly,
  guard: bookReaders,
  usage: () => '/更正记录 编号 新内容 —— 更正自己 24 小时内的一条记录（原记录保留）',
  explain: () => zhLog.correctUsage,
  parse: (rest) => parseCorrectArgs(rest),
  handle(ctx, args) {
    if (!ctx.person) return;
    ctx.replyPrivately(ctx.app.get(CONTACT_LOG).correct(ctx.person, args));
  },
});

const called = defineCommand<CalledArgs>({
  name: 'called',
  words: ['已联系', '已电话联系'],
  where: ['private'],
  wrongPlace: zhLog.privateOnly,
  guard: bookReaders,
  usage: () => '/已联系 编号 结果 —— 打完催办名单上的电话后记录结果（如对方已收到，计为已回复）',
  explain: () => zhCalls.usage,
  parse: (rest) => parseCalledArgs(rest),
  handle(ctx, args) {
    if (!ctx.person) return;
    ctx.replyPrivately(ctx.app.get(CALLS).called(ctx.person, bookScope(ctx.org, ctx.person), ctx.inboundId, args));
  },
});

export const contacts: Feature = {
  name: 'contacts',
  provides: [ADDRESS_BOOK, CONTACT_LOG, CALLS],
  needs: [RELAY, SMS],
  setup(app) {
    const relay = app.get(RELAY);
    app.provide(
      CALLS,
      new CallDesk({
        org: () => app.org(),
        calls: app.repos.callTasks,
        log: app.repos.contactLog,
        directives: app.repos.directives,
        clock: app.clock,
        countAtOrAbove: app.config.replies.countAtOrAbove,
        accepts: (d) => relay.accepts(d),
      }),
    );
    const sms = app.get(SMS);
    app.provide(
      ADDRESS_BOOK,
      new AddressBookDesk({
        org: () => app.org(),
        contacts: app.repos.contacts,
        members: app.repos.members,
        log: app.repos.contactLog,
        clock: app.clock,
        sendCode: (personId, studentId, phone) => (!sms.enabled ? 'disabled' : sms.planCode(personId, studentId, phone) ? 'sent' : 'capped'),
      }),
    );
    app.provide(CONTACT_LOG, new ContactLogDesk({ org: () => app.org(), log: app.repos.contactLog, clock: app.clock, timeZone: app.timeZone }));
  },
  commands: [addressBook, verify, record, correct, called],
};
