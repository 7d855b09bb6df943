/**
 * Catching up after a gap: what `/进度` says of the times a bot was away and nothing could read its
 * groups back. Never put phone numbers, ID numbers or anything a person typed here.
 */
export const zhCatchUp = {
  gaps: (gaps: readonly { length: string; from: string; to: string }[]) =>
    gaps.length === 1
      ? `注意：机器人离线 ${gaps[0]?.length}（${gaps[0]?.from}–${gaps[0]?.to}），期间的回复可能未计入。`
      : `注意：机器人离线 ${gaps.length} 次（${gaps.map((g) => `${g.from}–${g.to}，${g.length}`).join('；')}），期间的回复可能未计入。`,
};
