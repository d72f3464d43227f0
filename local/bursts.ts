/**
 * Reports a run of failures in two short lines: one when it starts, one when it ends, however
 * many failures come between (a store down under load fails every request, and a line per
 * request would bury everything else).
 */
export class FailureBursts {
  private failures = 0;
  private since = 0;

  constructor(
    /** What fails, for the lines: "requests", "drain". */
    private readonly subject: string,
    private readonly print: (line: string) => void = (line) => console.error(line),
  ) {}

  failed(describe: () => string): void {
    if (this.failures++ > 0) return;
    this.since = Date.now();
    this.print(`${this.subject}: ${describe()} (repeats not shown until one succeeds)`);
  }

  succeeded(): void {
    if (this.failures === 0) return;
    const seconds = Math.round((Date.now() - this.since) / 1000);
    this.print(`${this.subject}: recovered after ${this.failures} failure(s) in ${seconds} s`);
    this.failures = 0;
  }
}
