/**
 * Binding an account (`/绑定`, `/解绑`). Never repeat a roster name the sender did not type.
 * Never put phone numbers, ID numbers or anything a person typed here unless noted.
 */
/** Binding oneself (`/绑定`). Never repeat a roster name the sender did not type. */
export const zhBind = {
  usage: '用法：学生发送“/绑定 学号 姓名”，家长发送“/绑定 学生学号 学生姓名 关系”（如“/绑定 2023010101 张三 妈妈”）。请私聊机器人发送。',
  privateOnly: '为保护个人信息，请私聊机器人发送 /绑定。',
  // One answer for a wrong 学号 and a wrong name: it must not tell which (issue #14: names and numbers are guessed).
  unknownNumber: '学号和姓名与名单不符，请核对后再试，或联系辅导员。',
  nameMismatch: '学号和姓名与名单不符，请核对后再试，或联系辅导员。',
  tooManyTries: '今天的尝试次数已用完，请明天再试，或联系辅导员。',
  noGuardian: '名单中没有该学生这位家长的信息，请联系辅导员补充。',
  /** 张三的母亲: the relation as the roster has it, never as typed. */
  guardianOf: (student: string, relation: string | undefined) => `${student}的${relation && relation !== '家长' ? relation : '家长'}`,
  tooMany: (max: number) => `该学生已有 ${max} 位家长绑定了账号，不能再绑定。如需更换，请联系辅导员。`,
  already: '您的账号已经绑定，无需重复操作。',
  bound: (who: string) => `绑定成功：您的账号已绑定为${who}。`,
  held: '该绑定与已有记录冲突，已提交辅导员确认，确认后生效。',
  /** Never says which number: only that it is the one the school holds. */
  codeSent: (who: string) => `为确认您是${who}，验证码已通过短信发送到学校登记的该人手机号。请在 10 分钟内在此私聊回复 6 位验证码，验证后绑定生效。`,
  heldForCounselor: '已收到绑定申请。为保护学生信息，绑定需核实后生效：已提交辅导员确认，确认后生效。',
  heldCodesUsed: '今天发送到该手机号的验证码已达上限，已提交辅导员确认，确认后生效。',
  codeWrong: '验证码不正确，请核对短信后重新回复。',
  codeFailed: '验证码多次不正确，本次绑定已取消。如需绑定请重新发送 /绑定，或联系辅导员。',
  codeExpired: '验证码已过期，请重新发送 /绑定。',
  notYours: '该学生不在您负责的范围内。',
  whichGuardian: '该学生有多位家长符合，请写明关系（如 妈妈、爸爸）。',
  boundFor: (account: string, who: string) => `已将账号 ${account} 绑定为${who}。`,
  notBound: '该账号没有绑定任何人。',
  fromRoster: '该账号来自名单中的联系方式，请修改名单后重新导入。',
  unbound: (account: string) => `已解除账号 ${account} 的绑定。`,
  unbindUsage: '用法：/解绑 qq:账号 或 /解绑 wechat:账号（账号见 /核对 的明细）。',
};
