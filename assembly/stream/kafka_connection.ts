// The stream layer: a connection context that speaks Kafka.
//
// Each data callback copies the new bytes out of the host, frames them, lets the plugin see each
// request or response, and replaces the host buffer with what is ready to go: whole frames, and
// the bytes so far of frames being streamed. It always returns Continue: Envoy cannot resume a
// paused upstream, and a paused downstream stalls on frames larger than its buffer limit.
//
// Memory: a frame the plugin reads is held until it is whole; a frame it does not read
// (wantsRequestBody / wantsResponseBody answer false) is passed on as it arrives, once its header
// is known. Every held byte is charged to the VM's budget (assembly/runtime/budget.ts); a
// connection whose next frame does not fit gets the `on_over_budget` policy, and the VM and the
// other connections carry on.
import {
  ConnectionContext, RootContext, FilterStatus, BufferType,
  getBufferBytes, setBufferBytesRaw, nowNanos,
} from "../proxywasm/index";
import { Reader } from "../kafka/wire/reader";
import { readRequestHeader, responseHeaderLength, loadI32BE, SIZE_PREFIX, REQUEST_FIXED_HEADER } from "../kafka/header";
import { readProduceAcks, PRODUCE } from "../kafka/produce_acks";
import { clampApiVersions } from "../kafka/api_versions_clamp";
import { RecordsSkimmer, Skim, SkimKind } from "../kafka/records_skimmer";
import { isKnownApi } from "../kafka/generated/api_table";
import { Frame, FrameAssembler, FrameError, FrameScope, FrameSink } from "./frame_assembler";
import { InflightQueue, InflightRequest, InflightKind } from "./inflight";
import { KafkaRequest, KafkaResponse, buildResponseFrame } from "./messages";
import { OutputPlan } from "./output_plan";
import { BodyFilter, SHOW_MORE } from "./body_filter";
import { StreamConfig, MalformedPolicy } from "./config";
import { streamMetrics, streamWarnings } from "./stream_metrics";
import { setBudgetLimit, reserveTransient } from "../runtime/budget";
import { KafkaRoot } from "./kafka_root";

const FETCH: i16 = 1;
const SHARE_FETCH: i16 = 78;
const SASL_HANDSHAKE: i16 = 17;
const API_VERSIONS: i16 = 18;
/** A request header (client id and tagged fields included) longer than this is refused as malformed. */
const MAX_HEADER_BYTES: i32 = 65536;

export enum Direction {
  /** Client to broker. */
  Request = 0,
  /** Broker to client. */
  Response = 1,
}

enum Mode {
  Framing = 0,
  /** Parsing gave up; bytes flow untouched. */
  Passthrough = 1,
  /** The connection is being closed; nothing more is forwarded. */
  Closed = 2,
}

/** Feeds one direction's frames from the assembler to the connection. */
class DirectionSink extends FrameSink {
  /** The frame being streamed was replaced or dropped by the plugin: swallow the rest of it. */
  discard: bool = false;
  constructor(readonly conn: KafkaConnection, readonly direction: Direction) { super(); }

  scope(head: Frame, length: i32): FrameScope {
    return this.direction == Direction.Request ? this.conn.requestScope(head) : this.conn.responseScope(head);
  }
  frame(f: Frame): bool {
    this.discard = false;
    return this.conn.handleFrame(this.direction, f, f.length, true);
  }
  streamStart(head: Frame, length: i32): bool {
    this.discard = false;
    streamMetrics().streamed.increment();
    return this.conn.handleFrame(this.direction, head, length, false);
  }
  streamBytes(buffer: ArrayBuffer, offset: i32, length: i32): bool {
    if (!this.discard) this.conn.streamed(this.direction, buffer, offset, length);
    this.conn.skimBytes(this.direction, buffer, offset, length);
    return this.conn.framing;
  }
  streamEnd(): void {
    this.conn.streamedEnd(this.direction);
    this.conn.skimEnd(this.direction);
  }
}

export class KafkaConnection extends ConnectionContext {
  private readonly requests: FrameAssembler;
  private readonly responses: FrameAssembler;
  private requestSink!: DirectionSink;
  private responseSink!: DirectionSink;
  private readonly inflight: InflightQueue;
  private readonly plan: OutputPlan = new OutputPlan();
  private mode: Mode = Mode.Framing;
  private requestCount: u64 = 0;
  /** SASL mechanism named by a SaslHandshake v0 request still awaiting its response. */
  private saslV0Mechanism: string | null = null;
  /** Raw SASL tokens still expected from the client after a v0 handshake. */
  private saslRawRounds: i32 = 0;
  /** The Produce request and the Fetch response being skimmed as they stream, and what the plugin will be given with their skims. */
  private requestSkimmer: RecordsSkimmer | null = null;
  private requestSkimmed: KafkaRequest | null = null;
  private responseSkimmer: RecordsSkimmer | null = null;
  private responseSkimmed: KafkaResponse | null = null;
  /** The filter the request being streamed goes through (requestBodyFilter), or null. */
  private requestFilter: BodyFilter | null = null;
  /** A body filter that went over budget gave back the frame's bytes it had when parsing stopped. */
  private gaveBack: bool = false;
  /** The filter the response being streamed goes through (responseBodyFilter), or null. */
  private responseFilter: BodyFilter | null = null;

  /** The stream settings, read and checked from the plugin's configuration by `root` (a KafkaRoot). */
  readonly config: StreamConfig;

  constructor(id: u32, root: KafkaRoot) {
    super(id, root);
    const config = root.stream;
    this.config = config;
    setBudgetLimit(config.memoryBudget);
    this.requests = new FrameAssembler(config.maxFrameSize);
    this.responses = new FrameAssembler(config.maxFrameSize);
    this.inflight = new InflightQueue(config.maxInflight);
    this.requestSink = new DirectionSink(this, Direction.Request);
    this.responseSink = new DirectionSink(this, Direction.Response);
  }

  // ---- What plugins override ----

  /**
   * Whether onRequest reads the body of requests with this API key and version. Answer false for
   * what you only count: such frames are passed on as they arrive, never held whole, and their
   * KafkaRequest has no body (hasBody false) however they were chunked.
   */
  wantsRequestBody(apiKey: i16, apiVersion: i16): bool { return true; }

  /** Whether onResponse reads the body of the response to `request` (as wantsRequestBody). */
  wantsResponseBody(request: InflightRequest): bool { return true; }

  /**
   * Whether to skim the response to this Fetch: per partition its error code, records bytes and
   * the complete batches and records it carries, read as the response passes (RecordsSkimmer),
   * so the response need not be held even when it is 50 MB. The skim arrives in onFetchSkimmed.
   * Asked for ShareFetch responses too (share groups): `request.apiKey` tells them apart.
   */
  wantsFetchSkim(request: InflightRequest): bool { return false; }

  /** The skim of a Fetch response, once all of it has passed (after onResponse). */
  onFetchSkimmed(resp: KafkaResponse, skim: Skim): void {}

  /**
   * Whether to skim Produce requests of this version (as wantsFetchSkim: per partition its
   * records bytes, batches, records and first batch's producer id, epoch and base sequence).
   */
  wantsProduceSkim(apiVersion: i16): bool { return false; }

  /** The skim of a Produce request, once all of it has passed (after onRequest). */
  onProduceSkimmed(req: KafkaRequest, skim: Skim): void {}

  /**
   * For a request whose body onRequest would read (wantsRequestBody) that did not arrive in one
   * chunk: a BodyFilter to stream its body through instead of holding the frame whole, or null to
   * hold it (the default). `head` is the frame so far (size prefix included) and its body starts
   * at `bodyAt`; answer SHOW_MORE to decide once more of it has arrived (up to 64 KiB, after
   * which the frame is held). onRequest then sees the request without a body (hasBody false).
   */
  requestBodyFilter(apiKey: i16, apiVersion: i16, clientId: string | null, head: Frame, bodyAt: i32): BodyFilter | null { return null; }

  /**
   * As requestBodyFilter, for a response whose body onResponse would read (wantsResponseBody) that
   * did not arrive in one chunk. The filter is fed everything after the correlation id (a flexible
   * version's header tagged fields included). onResponse then sees the response without a body.
   */
  responseBodyFilter(request: InflightRequest, head: Frame): BodyFilter | null { return null; }

  /** A request from the client. Call req.replaceBody, req.respond or req.drop to change it. */
  onRequest(req: KafkaRequest): void {}

  /** A response from the broker, matched to its request. */
  onResponse(resp: KafkaResponse): void {}

  /** Called once per connection when the malformed-frame or over-budget policy kicks in. */
  onMalformed(direction: Direction, reason: string): void {}

  // ---- Proxy-Wasm callbacks ----

  onDownstreamData(size: u32, endOfStream: bool): FilterStatus {
    this.handle(Direction.Request, size, endOfStream);
    return FilterStatus.Continue;
  }

  onUpstreamData(size: u32, endOfStream: bool): FilterStatus {
    this.handle(Direction.Response, size, endOfStream);
    return FilterStatus.Continue;
  }

  /** Gives back the memory budget this connection holds (the host deletes the context). */
  releaseResources(): void {
    this.requests.release();
    this.responses.release();
    const filter = this.requestFilter;
    if (filter != null) filter.release();
    this.requestFilter = null;
    const answer = this.responseFilter;
    if (answer != null) answer.release();
    this.responseFilter = null;
  }

  /** Whether the connection is still read as Kafka (not passed through, not closed). */
  get framing(): bool { return this.mode == Mode.Framing; }

  /** Requests sent and not yet answered. */
  get pendingResponses(): i32 { return this.inflight.length; }

  private handle(direction: Direction, size: u32, endOfStream: bool): void {
    const type = direction == Direction.Request ? BufferType.DownstreamData : BufferType.UpstreamData;
    const assembler = direction == Direction.Request ? this.requests : this.responses;
    if (this.mode == Mode.Passthrough) {
      // Bytes this direction held back before parsing stopped go out ahead of the new ones.
      if (assembler.pendingBytes() > 0) {
        const held = assembler.takePending();
        const chunk = size == 0 ? new ArrayBuffer(0) : getBufferBytes(type, 0, size);
        this.plan.reset(chunk);
        this.plan.add(held.buffer, held.offset, held.length);
        this.plan.add(chunk, 0, chunk.byteLength);
        this.emit(type, size, this.plan);
      }
      return;
    }
    if (this.mode == Mode.Closed) {
      if (size > 0) setBufferBytesRaw(type, 0, size, 0, 0);
      return;
    }
    if (size == 0 && !endOfStream) return;
    const chunk = size == 0 ? new ArrayBuffer(0) : getBufferBytes(type, 0, size);
    const plan = this.plan;
    plan.reset(chunk);
    const reassembledBefore = assembler.reassembled;
    const sink = direction == Direction.Request ? this.requestSink : this.responseSink;
    const ok = assembler.push(chunk, 0, chunk.byteLength, sink);
    if (assembler.reassembled > reassembledBefore) streamMetrics().reassembled.increment(assembler.reassembled - reassembledBefore);
    if (!ok && this.mode == Mode.Framing) {
      const error = assembler.error;
      if (error == FrameError.OverBudget) {
        streamMetrics().overBudget.increment();
        this.giveUp(direction, "the VM's memory budget of " + this.config.memoryBudget.toString() + " bytes has no room for a frame of " + (assembler.errorSize + 4).toString() + " bytes", this.config.onOverBudget);
      } else if (error != FrameError.None) {
        const reason = error == FrameError.Oversize
          ? "frame of " + assembler.errorSize.toString() + " bytes is over the " + assembler.maxFrameSize.toString() + "-byte limit"
          : "negative frame size " + assembler.errorSize.toString();
        if (error == FrameError.Oversize) streamMetrics().oversize.increment();
        this.malformed(direction, reason);
      }
    }
    if (this.mode == Mode.Passthrough) {
      // From where parsing stopped, everything goes out as it came.
      const held = assembler.takePending();
      plan.add(held.buffer, held.offset, held.length);
      plan.add(chunk, assembler.stopOffset, chunk.byteLength - assembler.stopOffset);
    } else if (this.mode == Mode.Framing && endOfStream && assembler.pendingBytes() > 0) {
      // The peer closed mid-frame. The other side could never act on a frame cut short, so it is
      // not sent: a broker reads the size prefix and sets the announced size aside before it
      // reads on, and clients that announce 100 MiB and hang up would otherwise make it do that.
      streamMetrics().truncated.increment();
      assembler.release();
    }
    this.emit(type, size, plan);
  }

  /** More bytes of the frame being streamed: forwarded, or fed to its filter. */
  streamed(direction: Direction, buffer: ArrayBuffer, offset: i32, length: i32): void {
    const filter = direction == Direction.Request ? this.requestFilter : this.responseFilter;
    if (filter == null) { this.plan.add(buffer, offset, length); return; }
    filter.feed(buffer, offset, length, this.plan);
    this.afterFilter(direction, filter);
  }

  /** A filter that gave up: the over-budget policy, or a close. */
  private afterFilter(direction: Direction, filter: BodyFilter): void {
    if (filter.closeReason.length == 0) return;
    if (filter.overBudget) {
      streamMetrics().overBudget.increment();
      const policy = this.config.onOverBudget;
      if (policy == MalformedPolicy.Passthrough && this.mode == Mode.Framing) {
        // The rest of the frame goes on as it came, from what the filter held.
        filter.giveBack(this.plan);
        this.gaveBack = true;
      }
      this.giveUp(direction, filter.closeReason, policy);
    } else {
      this.giveUp(direction, filter.closeReason, MalformedPolicy.Close);
    }
  }

  /** The frame being streamed has passed whole: its filter hands on what it still holds. */
  streamedEnd(direction: Direction): void {
    const filter = direction == Direction.Request ? this.requestFilter : this.responseFilter;
    if (direction == Direction.Request) this.requestFilter = null;
    else this.responseFilter = null;
    if (filter == null || this.mode != Mode.Framing) return;
    filter.end(this.plan);
    this.afterFilter(direction, filter);
  }

  /** Replaces the host buffer with the plan, unless the plan is the chunk itself. */
  private emit(type: BufferType, size: u32, plan: OutputPlan): void {
    if (!plan.isWholeChunk()) {
      if (plan.pieceCount() <= 1) {
        setBufferBytesRaw(type, 0, size, plan.singlePiecePtr(), plan.size);
      } else {
        const out = plan.concat();
        setBufferBytesRaw(type, 0, size, changetype<usize>(out), out.byteLength);
      }
    }
    // The host has its copy: the plan lets go of the chunk and its pieces, which an idle
    // connection would otherwise keep alive until its next callback (a 1 MiB chunk each).
    plan.clear();
  }

  private malformed(direction: Direction, reason: string): void {
    streamMetrics().malformed.increment();
    this.giveUp(direction, "malformed " + (direction == Direction.Request ? "request" : "response") + " (" + reason + ")", this.config.onMalformed);
  }

  /**
   * Stops handling this connection as Kafka: `Close` closes it and forwards nothing more
   * (the frame being handled included); `Passthrough` forwards everything from here on
   * untouched. Logged (at most ten lines a minute per VM). For plugins that meet something they
   * must not forward (a batch they cannot scan, say).
   */
  protected giveUp(direction: Direction, reason: string, policy: MalformedPolicy): void {
    if (this.mode != Mode.Framing) return;
    const what = policy == MalformedPolicy.Close ? "closing the connection" : "passing the rest of the connection through unparsed";
    streamWarnings().log("kafka stream: " + reason + "; " + what);
    this.onMalformed(direction, reason);
    if (policy == MalformedPolicy.Passthrough) {
      this.mode = Mode.Passthrough;
      streamMetrics().passthrough.increment();
    } else {
      this.mode = Mode.Closed;
      streamMetrics().closed.increment();
      this.releaseResources();
      this.closeDownstream();
    }
  }

  // ---- Frames, from the sinks ----

  /** What the plugin needs of a request that has not arrived whole. */
  requestScope(head: Frame): FrameScope {
    if (this.saslRawRounds > 0) return FrameScope.Whole;
    if (head.length < SIZE_PREFIX + REQUEST_FIXED_HEADER) return FrameScope.Undecided;
    // A raw GSSAPI token opening the connection: request() refuses it.
    if (this.requestCount == 0 && load<u8>(changetype<usize>(head.buffer) + <usize>head.offset + 4) == 0x60) return FrameScope.Stream;
    const r = new Reader(head.buffer, head.offset + SIZE_PREFIX, head.length - SIZE_PREFIX);
    const header = readRequestHeader(r);
    if (!r.bad && header.apiKey == PRODUCE) readProduceAcks(r, header.apiVersion);
    if (r.bad) {
      if (head.length < MAX_HEADER_BYTES) return FrameScope.Undecided;
      this.malformed(Direction.Request, "no request header in the first " + MAX_HEADER_BYTES.toString() + " bytes");
      return FrameScope.Stop;
    }
    if (header.apiKey < 0) return FrameScope.Stream;
    if (header.apiKey == SASL_HANDSHAKE && header.apiVersion == 0) return FrameScope.Whole;
    if (!this.wantsRequestBody(header.apiKey, header.apiVersion)) return FrameScope.Stream;
    const filter = this.requestBodyFilter(header.apiKey, header.apiVersion, header.clientId, head, head.offset + SIZE_PREFIX + header.length);
    if (filter === SHOW_MORE) return head.length < MAX_HEADER_BYTES ? FrameScope.Undecided : FrameScope.Whole;
    if (filter == null) return FrameScope.Whole;
    this.requestFilter = filter;
    return FrameScope.Stream;
  }

  /** What the plugin needs of a response that has not arrived whole. */
  responseScope(head: Frame): FrameScope {
    const first = this.inflight.peek();
    if (first != null && first.kind == InflightKind.RawSasl) return FrameScope.Whole;
    if (head.length < SIZE_PREFIX + 4) return FrameScope.Undecided;
    const req = this.inflight.find(loadI32BE(head.buffer, head.offset + SIZE_PREFIX));
    // Unmatched: response() refuses it from its head.
    if (req == null) return FrameScope.Stream;
    if (req.kind == InflightKind.Substituted) return FrameScope.Whole;
    if (req.apiKey == API_VERSIONS && this.config.clampApiVersions) return FrameScope.Whole;
    if (req.apiKey == SASL_HANDSHAKE && req.apiVersion == 0) return FrameScope.Whole;
    if (!this.wantsResponseBody(req)) return FrameScope.Stream;
    const filter = this.responseBodyFilter(req, head);
    if (filter === SHOW_MORE) return head.length < MAX_HEADER_BYTES ? FrameScope.Undecided : FrameScope.Whole;
    if (filter == null) return FrameScope.Whole;
    this.responseFilter = filter;
    return FrameScope.Stream;
  }

  /**
   * A whole frame (`whole`), or the head of a frame of `size` bytes being streamed. Adds what is
   * to be forwarded to the plan; false when the connection left Framing (the assembler stops).
   */
  handleFrame(direction: Direction, f: Frame, size: i32, whole: bool): bool {
    if (direction == Direction.Request) this.request(f, size, whole);
    else this.response(f, size, whole);
    if (this.mode == Mode.Passthrough && !this.gaveBack) {
      // The frame that broke parsing goes out as it came, and so does everything after it
      // (unless a body filter gave back what it had of it: the header and body went out then).
      this.plan.add(f.buffer, f.offset, f.length);
    }
    return this.mode == Mode.Framing;
  }

  /** Forwards a replacement the plugin made, if the budget has room for it. */
  private forwardReplacement(direction: Direction, replacement: ArrayBuffer): void {
    if (!reserveTransient(<i64>replacement.byteLength)) {
      streamMetrics().overBudget.increment();
      this.giveUp(direction, "the VM's memory budget has no room for a rewritten frame of " + replacement.byteLength.toString() + " bytes", MalformedPolicy.Close);
      return;
    }
    this.plan.add(replacement, 0, replacement.byteLength);
  }

  private request(f: Frame, size: i32, whole: bool): void {
    const plan = this.plan;
    this.requestCount++;
    if (this.saslRawRounds > 0) {
      // A raw SASL token after SaslHandshake v0: no Kafka header, one raw response.
      this.saslRawRounds--;
      const raw = new InflightRequest();
      raw.kind = InflightKind.RawSasl;
      raw.requestBytes = size;
      if (!this.inflight.push(raw)) { this.malformed(Direction.Request, "too many requests in flight"); return; }
      plan.add(f.buffer, f.offset, f.length);
      return;
    }
    if (f.length < SIZE_PREFIX + REQUEST_FIXED_HEADER) {
      this.malformed(Direction.Request, "frame of " + f.length.toString() + " bytes is too short for a request header");
      return;
    }
    // A very old client may open with a raw GSSAPI token (ASN.1 application tag 0x60) instead of a request.
    if (this.requestCount == 1 && load<u8>(changetype<usize>(f.buffer) + <usize>f.offset + 4) == 0x60) {
      this.malformed(Direction.Request, "raw GSSAPI token without a SASL handshake");
      return;
    }
    const r = new Reader(f.buffer, f.offset + SIZE_PREFIX, f.length - SIZE_PREFIX);
    const header = readRequestHeader(r);
    if (r.bad || header.apiKey < 0) {
      this.malformed(Direction.Request, "unreadable request header");
      return;
    }
    let expectsResponse = true;
    if (header.apiKey == PRODUCE) {
      const acks = readProduceAcks(r, header.apiVersion);
      if (acks == 0) expectsResponse = false;
    }
    let entry: InflightRequest | null = null;
    if (expectsResponse) {
      const e = new InflightRequest();
      e.apiKey = header.apiKey;
      e.apiVersion = header.apiVersion;
      e.correlationId = header.correlationId;
      e.clientId = header.clientId;
      e.requestBytes = size;
      if (this.config.recordLatency) e.sentAtNanos = nowNanos();
      if (!this.inflight.push(e)) {
        this.malformed(Direction.Request, "more than " + this.config.maxInflight.toString() + " requests in flight (max_inflight)");
        return;
      }
      entry = e;
    }
    if (header.apiKey == SASL_HANDSHAKE && header.apiVersion == 0) {
      this.saslV0Mechanism = r.bad ? null : r.string();
    }
    const hasBody = whole && this.wantsRequestBody(header.apiKey, header.apiVersion);
    const req = new KafkaRequest(f, header, entry, size, hasBody);
    const skims = header.apiKey == PRODUCE && isKnownApi(PRODUCE, header.apiVersion) && this.wantsProduceSkim(header.apiVersion);
    let skimmer: RecordsSkimmer | null = null;
    if (skims) {
      // Skimmed from the frame as it came, before the plugin changes anything.
      skimmer = new RecordsSkimmer(SkimKind.ProduceRequest, header.apiVersion, false);
      const bodyAt = f.offset + SIZE_PREFIX + header.length;
      skimmer.feed(f.buffer, bodyAt, f.offset + f.length - bodyAt);
    }
    this.onRequest(req);
    if (this.mode != Mode.Framing) return;
    if (skimmer != null) {
      if (whole) {
        this.onProduceSkimmed(req, skimmer.finish());
        if (this.mode != Mode.Framing) return;
      } else {
        this.requestSkimmer = skimmer;
        // Kept until the frame has passed: with its header only, not the chunk it came in.
        const headerEnd = SIZE_PREFIX + header.length;
        this.requestSkimmed = new KafkaRequest(new Frame(f.buffer.slice(f.offset, f.offset + headerEnd), 0, headerEnd), header, entry, size, false);
      }
    }
    if (req.patched && f.buffer == plan.chunk) plan.patched = true;
    const replacement = req.replacement;
    const filter: BodyFilter | null = whole ? null : this.requestFilter;
    if (replacement != null) {
      if (entry != null && entry.kind == InflightKind.Substituted) streamMetrics().substituted.increment();
      // A streamed request's remaining bytes are swallowed.
      if (!whole) this.requestSink.discard = true;
      if (filter != null) { filter.release(); this.requestFilter = null; }
      this.forwardReplacement(Direction.Request, replacement);
    } else if (filter != null) {
      // The header goes on; the body so far goes through the filter, as will the rest.
      const bodyAt = f.offset + SIZE_PREFIX + header.length;
      plan.add(f.buffer, f.offset, bodyAt - f.offset);
      this.streamed(Direction.Request, f.buffer, bodyAt, f.offset + f.length - bodyAt);
    } else {
      plan.add(f.buffer, f.offset, f.length);
    }
  }

  private response(f: Frame, size: i32, whole: bool): void {
    const plan = this.plan;
    const head = this.inflight.peek();
    if (head != null && head.kind == InflightKind.RawSasl) {
      this.inflight.shift();
      plan.add(f.buffer, f.offset, f.length);
      return;
    }
    if (f.length < SIZE_PREFIX + 4) {
      this.malformed(Direction.Response, "frame of " + f.length.toString() + " bytes is too short for a response header");
      return;
    }
    const correlationId = loadI32BE(f.buffer, f.offset + SIZE_PREFIX);
    const req = this.inflight.take(correlationId);
    if (req == null) {
      streamMetrics().unmatched.increment();
      this.malformed(Direction.Response, "response " + correlationId.toString() + " matches no request in flight");
      return;
    }
    if (req.kind == InflightKind.Substituted) {
      const body = req.substituteResponse;
      const frame = buildResponseFrame(req.apiKey, req.apiVersion, correlationId, body == null ? new ArrayBuffer(0) : body);
      plan.add(frame, 0, frame.byteLength);
      return;
    }
    // Share consumers' ShareFetch responses carry records as Fetch responses do, and are skimmed alike.
    const fetches = req.apiKey == FETCH || req.apiKey == SHARE_FETCH;
    const skims = fetches && isKnownApi(req.apiKey, req.apiVersion) && this.wantsFetchSkim(req);
    const kind = req.apiKey == FETCH ? SkimKind.FetchResponse : SkimKind.ShareFetchResponse;
    if (!whole) {
      // Streamed: the plugin sees the header only; the frame goes on as it arrives.
      const head = new KafkaResponse(f, req, 4, size, false);
      if (skims) {
        const skimmer = new RecordsSkimmer(kind, req.apiVersion, true);
        skimmer.feed(f.buffer, f.offset + SIZE_PREFIX + 4, f.length - SIZE_PREFIX - 4);
        this.responseSkimmer = skimmer;
        // Kept until the frame has passed (48 MB, say): with its 8 bytes of header, not the
        // assembler's copy of the first chunk it came in.
        this.responseSkimmed = new KafkaResponse(new Frame(f.buffer.slice(f.offset, f.offset + SIZE_PREFIX + 4), 0, SIZE_PREFIX + 4), req, 4, size, false);
      }
      this.onResponse(head);
      if (this.mode != Mode.Framing) return;
      const filter = this.responseFilter;
      if (filter == null) { plan.add(f.buffer, f.offset, f.length); return; }
      // The size and correlation id go on; the rest so far goes through the filter, as will the rest.
      const bodyAt = f.offset + SIZE_PREFIX + 4;
      plan.add(f.buffer, f.offset, bodyAt - f.offset);
      this.streamed(Direction.Response, f.buffer, bodyAt, f.offset + f.length - bodyAt);
      return;
    }
    const r = new Reader(f.buffer, f.offset + SIZE_PREFIX, f.length - SIZE_PREFIX);
    const headerLen = responseHeaderLength(r, req.apiKey, req.apiVersion);
    if (r.bad) {
      this.malformed(Direction.Response, "unreadable response header");
      return;
    }
    if (req.apiKey == SASL_HANDSHAKE && req.apiVersion == 0) {
      this.afterSaslHandshakeV0(r);
      if (this.mode != Mode.Framing) return;
    }
    const resp = new KafkaResponse(f, req, headerLen, size, this.wantsResponseBody(req));
    if (req.apiKey == API_VERSIONS && this.config.clampApiVersions) {
      const lowered = clampApiVersions(new Reader(f.buffer, f.offset + SIZE_PREFIX + headerLen, f.length - SIZE_PREFIX - headerLen), req.apiVersion);
      if (lowered > 0) {
        streamMetrics().clamped.increment();
        if (f.buffer == plan.chunk) plan.patched = true;
      }
    }
    this.onResponse(resp);
    if (this.mode != Mode.Framing) return;
    if (skims) {
      // Skimmed from the frame as it came (an in-place mask changes no length or count).
      const skimmer = new RecordsSkimmer(kind, req.apiVersion, true);
      skimmer.feed(f.buffer, f.offset + SIZE_PREFIX + 4, f.length - SIZE_PREFIX - 4);
      this.onFetchSkimmed(resp, skimmer.finish());
      if (this.mode != Mode.Framing) return;
    }
    if (resp.patched && f.buffer == plan.chunk) plan.patched = true;
    const replacement = resp.replacement;
    if (replacement != null) this.forwardReplacement(Direction.Response, replacement);
    else plan.add(f.buffer, f.offset, f.length);
  }

  /** Bytes of a streamed frame: to the skimmer reading it, if any. */
  skimBytes(direction: Direction, buffer: ArrayBuffer, offset: i32, length: i32): void {
    const skimmer = direction == Direction.Request ? this.requestSkimmer : this.responseSkimmer;
    if (skimmer != null) skimmer.feed(buffer, offset, length);
  }

  /** A streamed frame has passed whole: its skim goes to the plugin. */
  skimEnd(direction: Direction): void {
    if (direction == Direction.Request) {
      const skimmer = this.requestSkimmer;
      const req = this.requestSkimmed;
      this.requestSkimmer = null;
      this.requestSkimmed = null;
      if (skimmer != null && req != null && this.mode == Mode.Framing) this.onProduceSkimmed(req, skimmer.finish());
    } else {
      const skimmer = this.responseSkimmer;
      const resp = this.responseSkimmed;
      this.responseSkimmer = null;
      this.responseSkimmed = null;
      if (skimmer != null && resp != null && this.mode == Mode.Framing) this.onFetchSkimmed(resp, skimmer.finish());
    }
  }

  /** After a successful SaslHandshake v0, tokens travel raw: PLAIN takes one round trip, SCRAM two. */
  private afterSaslHandshakeV0(body: Reader): void {
    const mechanism = this.saslV0Mechanism;
    this.saslV0Mechanism = null;
    const errorCode = body.int16();
    if (body.bad || errorCode != 0 || mechanism == null) return;
    if (mechanism == "PLAIN") this.saslRawRounds = 1;
    else if (mechanism.startsWith("SCRAM-SHA-")) this.saslRawRounds = 2;
    else this.malformed(Direction.Response, "SASL mechanism " + mechanism + " over handshake v0 has an unknown number of raw rounds");
  }
}
