/**
 * One database command for many concurrent callers: while a batch is in flight, the requests that
 * arrive wait and go together in the next one. A request alone goes at once (no timer, no added
 * latency); under a burst the database gets a few batched commands instead of one command each.
 * On FerretDB/SQLite, whose single writer serialises every command and which answers a read by
 * `_id` with a scan of the collection, that is what keeps the outbox from queueing behind itself
 * (bench/reminder-burst.ts, BENCHMARKS.md).
 */
interface Waiting<In, Out> {
  input: In;
  resolve(out: Out): void;
  reject(err: unknown): void;
}

/** What one batch gives each of its requests, in order: a value, or that request's own error. */
export type Settled<Out> = { ok: true; value: Out } | { ok: false; error: unknown };

export interface GatherOptions {
  maxBatch?: number;
  /**
   * For commands whose cost hardly depends on the batch (a scan): after a batch, the next one waits
   * until it is full or as long as the last batch took, whichever comes first — so a request waits at
   * most about one command's time more, and a burst needs fewer commands.
   */
  linger?: boolean;
}

export class Gather<In, Out> {
  private readonly waiting: Waiting<In, Out>[] = [];
  private busy = false;
  private lastMs = 0;
  private lingering?: ReturnType<typeof setTimeout>;
  private readonly maxBatch: number;

  /** `run` answers a batch of requests in order; if it throws, every request of the batch fails with it. */
  constructor(
    private readonly run: (inputs: In[]) => Promise<Settled<Out>[]>,
    private readonly opts: GatherOptions = {},
  ) {
    this.maxBatch = opts.maxBatch ?? 100;
  }

  request(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      if (this.lingering && this.waiting.length >= this.maxBatch) this.go();
      else this.next(false);
    });
  }

  private next(afterBatch: boolean): void {
    if (this.busy || this.lingering || this.waiting.length === 0) return;
    // Only in a burst (requests came while a batch was in flight), and a 1-ms command is not worth waiting for.
    if (this.opts.linger && afterBatch && this.lastMs >= 5 && this.waiting.length < this.maxBatch) {
      this.lingering = setTimeout(() => this.go(), this.lastMs);
      return;
    }
    this.go();
  }

  private go(): void {
    clearTimeout(this.lingering);
    this.lingering = undefined;
    if (this.busy || this.waiting.length === 0) return;
    this.busy = true;
    const batch = this.waiting.splice(0, this.maxBatch);
    const started = Date.now();
    void this.answer(batch).finally(() => {
      this.lastMs = Date.now() - started;
      this.busy = false;
      this.next(true);
    });
  }

  private async answer(batch: Waiting<In, Out>[]): Promise<void> {
    try {
      const results = await this.run(batch.map((w) => w.input));
      batch.forEach((w, i) => {
        const r = results[i];
        if (r.ok) w.resolve(r.value);
        else w.reject(r.error);
      });
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }
}

/** One Gather per key object (a model), made on first use. */
export function gatherPer<K extends object, In, Out>(make: (key: K) => Gather<In, Out>): (key: K) => Gather<In, Out> {
  const made = new WeakMap<K, Gather<In, Out>>();
  return (key) => {
    let g = made.get(key);
    if (!g) made.set(key, (g = make(key)));
    return g;
  };
}
