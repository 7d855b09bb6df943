/**
 * Every real platform adapter of Cascade, registered (each registration is light: an adapter's own
 * libraries load only when an account uses it). Imported by the composition roots (the CLI, the
 * service, the test setup) before a config is read; config and platform code never import adapters.
 */
import './onebot/register.js';
import './oicq/register.js';
import './wechaty/register.js';
