import { runAdapterConformance } from '../conformance/suite.js';
import { oicqHarness } from './harness.js';

// Real offline clients of both packages: the library's own encoder, parser and error path run.
runAdapterConformance('oicq 2.3.1', () => oicqHarness('oicq'));
runAdapterConformance('icqq 0.6.10', () => oicqHarness('icqq'));
