/**
 * Manual tasks: what no bot can post, a person posts by hand (`/待转发`, `/已转发`); operators' alerts.
 * Never put phone numbers, ID numbers or anything a person typed here unless noted.
 */
/** Manual tasks: what no bot can post, a person posts by hand (`/待转发`, `/已转发`). */
export const zhManual = {
  task: (p: { id: number; group: string; reason: string; text: string }) =>
    `【需人工转发 第${p.id}号】机器人目前无法在“${p.group}”发言（${p.reason}）。请把下面分隔线之间的内容原样发到该群，发完后回复：/已转发 ${p.id}\n————————\n${p.text}\n————————`,
  /** A post a bot may have made that the platform cannot confirm: the person looks. */
  check: (p: { id: number; directive: number | null; group: string; text: string }) =>
    `【请查看 第${p.id}号】${p.directive === null ? '一条消息' : `第${p.directive}号通知`}可能没有发到“${p.group}”（发送时连接中断，平台无法确认）。请到该群查看：已在群里 → 回复 /已转发 ${p.id}；没有 → 回复 /重发 ${p.id}，机器人会重新发送。内容如下：\n————————\n${p.text}\n————————`,
  resent: (ids: readonly number[]) => `好的：第${ids.join('、')}号将由机器人重新发送。`,
  notResendable: (ids: readonly number[]) => `第${ids.join('、')}号不是待您查看的消息（或已处理）。发送 /待转发 查看。`,
  resendUsage: '用法：/重发 编号（编号见机器人私信中的【请查看 第N号】）。',
  posted: (ids: readonly number[]) => `已记录：第${ids.join('、')}号转发任务已由您人工发出，谢谢。`,
  notYours: (ids: readonly number[]) => `第${ids.join('、')}号不是待您转发的任务（或已完成）。发送 /待转发 查看。`,
  none: '目前没有需要您人工转发的消息。',
  list(mine: readonly { id: number; group: string; since: string }[], others: readonly { id: number; group: string; since: string; who: string }[]): string {
    const out: string[] = [];
    if (mine.length > 0) out.push('待您人工转发的消息：', ...mine.map((t) => `【${t.id}】${t.group}（${t.since}起）`), '逐条内容见下；转发后回复 /已转发 编号。');
    if (others.length > 0) {
      out.push('您负责的群中由其他老师转发的消息（请勿重复发送）：', ...others.map((t) => `【${t.id}】${t.group}（${t.since}起，由${t.who}转发）`));
    }
    return out.join('\n');
  },
  usage: '用法：/已转发 编号（编号见机器人私信中的【需人工转发 第N号】）。',
  reasons: { paused: '该账号因平台风控暂停发送', offline: '机器人账号离线', removed: '机器人不在群里', muted: '机器人被禁言' } as const,
  /** To operators when an account's breaker trips. */
  accountPaused: (p: { account: string; reason: string; until: string }) =>
    `【机器人账号暂停】账号 ${p.account} 出现风险信号（${p.reason}），已暂停发送至 ${p.until}。它负责的群会改由其他账号发送；无法发送的，会请负责老师人工转发。请检查该账号状态（cascade accounts）。`,
};
