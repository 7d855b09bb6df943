/**
 * Bounded waits for library calls that may never settle (a dead socket), with every timer owned
 * here so `stop()` can end them all: nothing keeps the process alive after the adapter stops.
 */
import { PlatformUnavailableError } from '../../src/platform/port.js';

interface Pending {
  readonly timer: NodeJS.Timeout;
  readonly reject: (error: Error) => void;
}

export class Deadlines {
  private readonly pending = new Set<Pending>();

  /** `work`, or a PlatformUnavailableError (outcome unknown) once `ms` have passed. */
  race<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = {
        timer: setTimeout(() => {
          this.pending.delete(entry);
          reject(new PlatformUnavailableError(`${what} timed out after ${ms} ms`, false));
        }, ms),
        reject,
      };
      this.pending.add(entry);
      const settle = (): void => {
        clearTimeout(entry.timer);
        this.pending.delete(entry);
      };
      work.then(
        (value) => {
          settle();
          resolve(value);
        },
        (error: unknown) => {
          settle();
          reject(error);
        },
      );
    });
  }

  /** Ends every wait: the callers learn the outcome is unknown. */
  abortAll(reason: string): void {
    for (const entry of this.pending) {
      clearTimeout(entry.timer);
      entry.reject(new PlatformUnavailableError(reason, false));
    }
    this.pending.clear();
  }
}
