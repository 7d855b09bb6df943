/**
 * What the app core says (commands in general, help, errors). Each feature keeps its own texts in
 * `src/features/<name>/texts.ts`. Never put phone numbers, ID numbers or anything a person typed here.
 */
import { maskPhone } from '../domain/message-text.js';
import type { Place } from './feature.js';

export const LEVEL_NAMES: Record<number, string> = { 1: '一级群', 2: '学院群', 3: '班级群', 4: '家长群' };
export const LEVEL_WHO: Record<number, string> = { 1: '副书记', 2: '辅导员', 3: '学生', 4: '家长' };

/** Most characters of a staff member's own input quoted back in an error. */
const CLIP_CHARS = 20;

/**
 * A value a person typed, as an error may quote it back to them (only ever to someone the command's
 * guard allowed): short, with phone and ID numbers masked.
 */
export function clip(text: string, max = CLIP_CHARS): string {
  const chars = [...maskPhone(text.replace(/\s+/gu, ' ').trim())];
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : chars.join('');
}

const PLACE_NAMES: Record<Place, string> = {
  L1: '一级群',
  L2: '学院群',
  L3: '班级群',
  L4: '家长群',
  extra: '学院的其他群',
  private: '私聊',
  unlisted: '其他群',
};

export const zhCore = {
  detailsSentPrivately: '详细名单已私信发给您。',
  privateOnlyHint: '您好，我是联络机器人。发送 /帮助 查看可用命令。',
  unknownSenderPrivate: '您好，系统中还没有您的身份信息，请联系辅导员核对。',
  /** Never quotes the word: a made-up command is text someone chose for the bot to post. */
  unknownCommand: '没有这个命令。发送 /帮助 查看可用命令。',
  notAllowed: '您没有使用这个命令的权限。发送 /帮助 查看您可用的命令。',
  tooLong: (max: number) => `命令太长（超过 ${max} 字），没有处理。请缩短后重发。`,
  badArguments: '命令格式有误。发送 /帮助 查看用法。',
  tooManyIds: (max: number) => `一次最多处理 ${max} 个编号，请分几次发送。`,
  /** Only where several places are allowed but not this one. */
  wrongPlace: (places: readonly Place[]) => `这个命令请在${places.map((p) => PLACE_NAMES[p]).join('或')}中发送。`,
  apology: (errorNo: string) => `抱歉，处理您的消息时出错了（错误编号 ${errorNo}），请稍后再试；如果一直出错，请把错误编号告诉管理员。`,
  helpTitle: '可用命令：',
  helpForEveryone: '收到通知后，直接在群里回复“收到”即可。',
  /** The places of a command in the help, when it is not usable everywhere. */
  helpWhere: (places: readonly Place[]) => `（在${places.map((p) => PLACE_NAMES[p]).join('、')}发送）`,
};
