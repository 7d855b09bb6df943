/** `/帮助`: generated from the command registry for the asker — exactly the commands they may use, and where. */
import { COMMANDS } from '../../app/commands.js';
import { ANYWHERE, defineCommand, type Feature } from '../../app/feature.js';
import { anyone } from '../../app/guards.js';

const help = defineCommand<null>({
  name: 'help',
  words: ['帮助', 'help', '菜单', '?'],
  where: ANYWHERE,
  guard: anyone,
  usage: () => '/帮助 —— 显示本说明',
  parse: () => null,
  handle(ctx) {
    ctx.reply(ctx.app.get(COMMANDS).help(ctx.viewer));
  },
});

export const helpFeature: Feature = {
  name: 'help',
  needs: [COMMANDS],
  commands: [help],
};
