// Requests sent on a connection and still waiting for their response.
// Kafka answers in request order on one connection, so matching is FIFO; requests
// that get no response (Produce with acks=0) are never queued.

export enum InflightKind {
  /** An ordinary Kafka request. */
  Kafka = 0,
  /** A raw SASL token after SaslHandshake v0: its response has no Kafka header. */
  RawSasl = 1,
  /** A harmless request substituted for one the plugin answers itself. */
  Substituted = 2,
}

export class InflightRequest {
  kind: InflightKind = InflightKind.Kafka;
  apiKey: i16 = 0;
  apiVersion: i16 = 0;
  correlationId: i32 = 0;
  clientId: string | null = null;
  /** Request size in bytes (size prefix included). */
  requestBytes: i32 = 0;
  /** When the request was seen (ns), for latency. */
  sentAtNanos: u64 = 0;
  /** For Substituted: the complete response frame body (after correlation id header) to send instead. */
  substituteResponse: ArrayBuffer | null = null;
  /** Whatever the plugin wants to carry from request to response (e.g. the produce's per-partition sizes). */
  userData: Object | null = null;
}

/** A FIFO ring that grows up to `limit` entries. */
export class InflightQueue {
  private items: StaticArray<InflightRequest | null>;
  private head: i32 = 0;
  private count: i32 = 0;

  constructor(readonly limit: i32 = 4096) {
    this.items = new StaticArray<InflightRequest | null>(16);
  }

  get length(): i32 { return this.count; }

  /** False when the queue is full (a client pipelining beyond any sane bound). */
  push(req: InflightRequest): bool {
    const cap = this.items.length;
    if (this.count == cap) {
      if (cap >= this.limit) return false;
      const next = new StaticArray<InflightRequest | null>(cap * 2);
      for (let i = 0; i < this.count; i++) unchecked(next[i] = this.items[(this.head + i) % cap]);
      this.items = next;
      this.head = 0;
    }
    const cap2 = this.items.length;
    unchecked(this.items[(this.head + this.count) % cap2] = req);
    this.count++;
    return true;
  }

  peek(): InflightRequest | null {
    return this.count == 0 ? null : unchecked(this.items[this.head]);
  }

  shift(): InflightRequest | null {
    if (this.count == 0) return null;
    const cap = this.items.length;
    const r = unchecked(this.items[this.head]);
    unchecked(this.items[this.head] = null);
    this.head = (this.head + 1) % cap;
    this.count--;
    return r;
  }

  /** The request a response with `correlationId` answers, left in the queue; null when none does. */
  find(correlationId: i32): InflightRequest | null {
    const cap = this.items.length;
    for (let i = 0; i < this.count; i++) {
      const r = unchecked(this.items[(this.head + i) % cap]);
      if (r != null && r.kind != InflightKind.RawSasl && r.correlationId == correlationId) return r;
    }
    return null;
  }

  /**
   * Takes the request a response with `correlationId` answers. Normally the head;
   * entries ahead of a later match are requests the broker never answered, dropped here.
   * Null when nothing matches (the response is unexpected).
   */
  take(correlationId: i32): InflightRequest | null {
    const cap = this.items.length;
    for (let i = 0; i < this.count; i++) {
      const r = unchecked(this.items[(this.head + i) % cap]);
      if (r != null && r.kind != InflightKind.RawSasl && r.correlationId == correlationId) {
        for (let j = 0; j < i; j++) this.shift();
        return this.shift();
      }
    }
    return null;
  }
}
