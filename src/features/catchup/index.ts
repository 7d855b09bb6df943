/**
 * Catch up after a gap (see catch-up.ts): a login of a bot account, or a start of the service, reads the
 * groups with open directives back from the platform's history; `/进度` names the gaps it could not.
 */
import { serviceKey, type Feature } from '../../app/feature.js';
import { RELAY } from '../directives/index.js';
import { GAP_LINE } from '../queries/sections.js';
import { CatchUp } from './catch-up.js';

export const CATCH_UP = serviceKey<CatchUp>('catch-up');

export const catchUp: Feature = {
  name: 'catchup',
  needs: [RELAY],
  provides: [CATCH_UP, GAP_LINE],
  setup(app) {
    const c = new CatchUp(app, app.get(RELAY));
    app.provide(CATCH_UP, c);
    app.provide(GAP_LINE, (d) => c.line(d));
  },
  async onStart(app) {
    app.get(CATCH_UP).noteLastRun();
  },
  async onLogin(app, login) {
    app.get(CATCH_UP).loggedIn(login.accountId, login.offlineSince);
  },
  async onClose(app) {
    await app.get(CATCH_UP).settle();
  },
};
