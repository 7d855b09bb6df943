/** The web console's chat answers. */
export const zhConsole = {
  privateOnly: '登录链接只能私聊发送：请私聊机器人发送 /登录。',
  tooMany: '登录链接申请太频繁了，请一分钟后再试。',
  link: (url: string) => `网页控制台登录链接（10 分钟内有效，只能使用一次，请勿转发）：\n${url}`,
};
