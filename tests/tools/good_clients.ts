// Well-behaved clients that run through the proxy while an attack goes on: a kafkajs
// idempotent producer sending numbered records (some with PII, which pii-filter masks) and
// a kafkajs consumer reading them back. At the end: was every acknowledged record consumed
// exactly once, with the value pii-filter should have made of it?
import { Kafka, logLevel, Producer, Consumer } from "kafkajs";

export interface GoodResult {
  acked: number;
  /** Distinct records consumed. */
  consumed: number;
  /** Acknowledged records never consumed. */
  missing: number;
  /** Records the broker stored more than once (seen at two or more offsets): what idempotence forbids. */
  duplicates: number;
  /** Records delivered again at the same offset (a consumer re-fetching after a reconnect: allowed). */
  redelivered: number;
  /** Consumed values that are not what was sent (masked as pii-filter masks). */
  wrong: number;
  /** Errors the producer or consumer reported (a send that failed after its retries, a crash). */
  errors: string[];
  ok: boolean;
}

/** Record i as sent, and as it must come back through pii-filter. */
export function goodRecord(tag: string, i: number): { sent: string; expected: string } {
  if (i % 2 === 0) return { sent: `${tag} ${i} plain words only`, expected: `${tag} ${i} plain words only` };
  return { sent: `${tag} ${i} password=hunter2hunter2 user=bob`, expected: `${tag} ${i} password=************** user=bob` };
}

export class GoodClients {
  private kafka: Kafka;
  private producer: Producer;
  private consumer: Consumer;
  private acked = new Set<number>();
  /** Record number → the offsets it was consumed at, and how many deliveries. */
  private seen = new Map<number, { offsets: Set<string>; deliveries: number }>();
  private wrong = 0;
  private errors: string[] = [];
  private running = false;
  /** Set once stopping: kafkajs then restarts nothing (a consumer restarting forever would keep the test process alive). */
  private stopped = false;
  private loop: Promise<void> | null = null;
  private next = 0;

  constructor(bootstrap: string, readonly topic: string, readonly tag: string, private readonly batchSize = 5, private readonly intervalMs = 50) {
    const kafka = this.kafka = new Kafka({
      brokers: [bootstrap], clientId: `good-${tag}`, logLevel: logLevel.NOTHING,
      connectionTimeout: 3000, requestTimeout: 10000, retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2000 },
    });
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    // Short fetch waits: disconnecting waits for the fetch in flight.
    this.consumer = kafka.consumer({
      groupId: `good-${tag}`, maxWaitTimeInMs: 250, sessionTimeout: 10000, heartbeatInterval: 1000,
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2000, restartOnFailure: async () => !this.stopped },
    });
  }

  /** Connects both, subscribes, and starts producing. */
  async start(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: this.topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    await this.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    // A crash kafkajs restarts from (a retriable error: the coordinator loading, a dropped connection) loses nothing.
    this.consumer.on(this.consumer.events.CRASH, (e) => { if (!e.payload.restart) this.errors.push(`consumer crashed: ${String(e.payload.error)}`); });
    await this.consumer.run({
      eachMessage: async ({ message, partition }) => {
        const v = message.value?.toString() ?? "";
        const m = new RegExp(`^${this.tag} (\\d+) `).exec(v);
        const i = m ? Number(m[1]) : -1;
        if (i < 0 || goodRecord(this.tag, i).expected !== v) { this.wrong++; return; }
        const s = this.seen.get(i) ?? { offsets: new Set<string>(), deliveries: 0 };
        s.offsets.add(`${partition}:${message.offset}`);
        s.deliveries++;
        this.seen.set(i, s);
      },
    });
    this.running = true;
    this.loop = this.produceLoop();
  }

  private async produceLoop(): Promise<void> {
    while (this.running) {
      const ids = Array.from({ length: this.batchSize }, () => this.next++);
      try {
        await this.producer.send({ topic: this.topic, acks: -1, messages: ids.map((i) => ({ value: goodRecord(this.tag, i).sent })) });
        for (const i of ids) this.acked.add(i);
      } catch (e) {
        this.errors.push(`send of records ${ids[0]}..${ids[ids.length - 1]} failed: ${e instanceof Error ? e.message : String(e)}`);
        if (this.errors.length > 3) break; // the proxy is gone; stop asking
      }
      await new Promise((r) => setTimeout(r, this.intervalMs));
    }
  }

  /** Disconnects both; used also when start() failed half way. */
  async close(): Promise<void> {
    this.running = false;
    this.stopped = true;
    const done = Promise.allSettled([this.producer.disconnect(), this.consumer.disconnect()]).then(() => true);
    if (!(await Promise.race([done, new Promise<boolean>((r) => setTimeout(() => r(false), 10000).unref())]))) {
      this.errors.push("kafkajs did not finish disconnecting within 10 s");
    }
  }

  /** Stops producing, waits (up to `drainMs`) for the consumer to catch up, disconnects, and judges. */
  async stop(drainMs: number): Promise<GoodResult> {
    this.running = false;
    await Promise.race([this.loop, new Promise((r) => setTimeout(r, drainMs))]);
    const deadline = Date.now() + drainMs;
    while (Date.now() < deadline && [...this.acked].some((i) => !this.seen.has(i))) await new Promise((r) => setTimeout(r, 100));
    await this.close();
    const missing = [...this.acked].filter((i) => !this.seen.has(i)).length;
    const duplicates = [...this.seen.values()].filter((s) => s.offsets.size > 1).length;
    const redelivered = [...this.seen.values()].reduce((a, s) => a + s.deliveries - s.offsets.size, 0);
    const consumed = this.seen.size;
    const result = { acked: this.acked.size, consumed, missing, duplicates, redelivered, wrong: this.wrong, errors: this.errors };
    return { ...result, ok: result.acked > 0 && missing === 0 && duplicates === 0 && this.wrong === 0 && this.errors.length === 0 };
  }
}
