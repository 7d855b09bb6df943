/**
 * The bot accounts for operators: state for `cascade accounts`, `cascade login` steps, breaker pauses
 * kept across restarts, and the team leader told when an account is paused.
 */
import { serviceKey, type Feature } from '../../app/feature.js';
import { MANUAL } from '../manual/index.js';
import { AccountDesk } from './desk.js';

export const ACCOUNTS = serviceKey<AccountDesk>('accounts');

export const accounts: Feature = {
  name: 'accounts',
  needs: [MANUAL],
  provides: [ACCOUNTS],
  setup(app) {
    const desk = new AccountDesk(app, app.get(MANUAL));
    app.provide(ACCOUNTS, desk);
    app.outbox.use({ onTrip: (trip) => desk.tripped(trip) });
  },
  async onStart(app) {
    app.get(ACCOUNTS).restorePauses();
  },
  async onReady(app) {
    app.get(ACCOUNTS).start();
  },
  async onConnected(app) {
    // `cascade accounts` shows the accounts as soon as they are up, not a minute later.
    app.get(ACCOUNTS).save();
  },
  async onClose(app) {
    await app.get(ACCOUNTS).stop();
  },
};
