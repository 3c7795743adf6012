// The stream layer: a connection context that speaks Kafka.
//
// Each data callback copies the new bytes out of the host, frames them, lets the
// plugin see each request or response, and replaces the host buffer with whole
// frames only, keeping any partial tail inside the plugin. It always returns
// Continue: Envoy cannot resume a paused upstream, and a paused downstream stalls
// on frames larger than its buffer limit.
import {
  ConnectionContext, RootContext, FilterStatus, BufferType,
  getBufferBytes, setBufferBytesRaw, logWarn, nowNanos,
} from "../proxywasm/index";
import { Reader } from "../kafka/wire/reader";
import { readRequestHeader, responseHeaderLength, loadI16BE, loadI32BE, SIZE_PREFIX, REQUEST_FIXED_HEADER } from "../kafka/header";
import { readProduceAcks, PRODUCE } from "../kafka/produce_acks";
import { clampApiVersions } from "../kafka/api_versions_clamp";
import { Frame, FrameAssembler, FrameError } from "./frame_assembler";
import { InflightQueue, InflightRequest, InflightKind } from "./inflight";
import { KafkaRequest, KafkaResponse, buildResponseFrame } from "./messages";
import { OutputPlan } from "./output_plan";
import { StreamConfig, MalformedPolicy } from "./config";
import { streamMetrics } from "./stream_metrics";

const SASL_HANDSHAKE: i16 = 17;
const API_VERSIONS: i16 = 18;

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

export class KafkaConnection extends ConnectionContext {
  private readonly requests: FrameAssembler;
  private readonly responses: FrameAssembler;
  private readonly inflight: InflightQueue;
  private readonly frames: Array<Frame> = [];
  private readonly plan: OutputPlan = new OutputPlan();
  private mode: Mode = Mode.Framing;
  private requestCount: u64 = 0;
  /** SASL mechanism named by a SaslHandshake v0 request still awaiting its response. */
  private saslV0Mechanism: string | null = null;
  /** Raw SASL tokens still expected from the client after a v0 handshake. */
  private saslRawRounds: i32 = 0;
  private loggedMalformed: bool = false;

  constructor(id: u32, root: RootContext, readonly config: StreamConfig) {
    super(id, root);
    this.requests = new FrameAssembler(config.maxFrameSize);
    this.responses = new FrameAssembler(config.maxFrameSize);
    this.inflight = new InflightQueue(config.maxInflight);
  }

  // ---- What plugins override ----

  /** A whole request from the client. Call req.replaceBody or req.respond to change it. */
  onRequest(req: KafkaRequest): void {}

  /** A whole response from the broker, matched to its request. */
  onResponse(resp: KafkaResponse): void {}

  /** Called once per connection when the configured malformed-frame policy kicks in. */
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
        this.plan.add(held, 0, held.byteLength);
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
    const frames = this.frames;
    frames.length = 0;
    const plan = this.plan;
    plan.reset(chunk);
    const reassembledBefore = assembler.reassembled;
    const ok = assembler.push(chunk, 0, chunk.byteLength, frames);
    if (assembler.reassembled > reassembledBefore) streamMetrics().reassembled.increment(assembler.reassembled - reassembledBefore);
    // request() and response() add their frame to the plan unless it made the connection leave Framing.
    let i = 0;
    for (; i < frames.length; i++) {
      const f = unchecked(frames[i]);
      if (direction == Direction.Request) this.request(f, plan);
      else this.response(f, plan);
      if (this.mode != Mode.Framing) break;
    }
    if (!ok && this.mode == Mode.Framing) {
      const reason = assembler.error == FrameError.Oversize
        ? "frame of " + assembler.errorSize.toString() + " bytes is over the " + assembler.maxFrameSize.toString() + "-byte limit"
        : "negative frame size " + assembler.errorSize.toString();
      if (assembler.error == FrameError.Oversize) streamMetrics().oversize.increment();
      this.malformed(direction, reason);
    }
    if (this.mode == Mode.Passthrough) {
      // From the frame that broke parsing on, everything goes out as it came.
      for (; i < frames.length; i++) plan.add(unchecked(frames[i]).buffer, unchecked(frames[i]).offset, unchecked(frames[i]).length);
      const held = assembler.takePending();
      plan.add(held, 0, held.byteLength);
      if (!ok) plan.add(chunk, assembler.errorOffset, chunk.byteLength - assembler.errorOffset);
    } else if (endOfStream && assembler.pendingBytes() > 0) {
      // The peer closed mid-frame: forward what it sent, as a proxy would.
      streamMetrics().truncated.increment();
      const held = assembler.takePending();
      plan.add(held, 0, held.byteLength);
    }
    this.emit(type, size, plan);
  }

  /** Replaces the host buffer with the plan, unless the plan is the chunk itself. */
  private emit(type: BufferType, size: u32, plan: OutputPlan): void {
    if (plan.isWholeChunk()) return;
    if (plan.pieceCount() <= 1) {
      setBufferBytesRaw(type, 0, size, plan.singlePiecePtr(), plan.size);
    } else {
      const out = plan.concat();
      setBufferBytesRaw(type, 0, size, changetype<usize>(out), out.byteLength);
    }
  }

  private malformed(direction: Direction, reason: string): void {
    streamMetrics().malformed.increment();
    this.giveUp(direction, "malformed " + (direction == Direction.Request ? "request" : "response") + " (" + reason + ")", this.config.onMalformed);
  }

  /**
   * Stops handling this connection as Kafka: `Close` closes it and forwards nothing more
   * (the frame being handled included); `Passthrough` forwards everything from here on
   * untouched. Logged once per connection. For plugins that meet something they must not
   * forward (a batch they cannot scan, say).
   */
  protected giveUp(direction: Direction, reason: string, policy: MalformedPolicy): void {
    if (this.mode != Mode.Framing) return;
    if (!this.loggedMalformed) {
      this.loggedMalformed = true;
      const what = policy == MalformedPolicy.Close ? "closing the connection" : "passing the rest of the connection through unparsed";
      logWarn("kafka stream: " + reason + "; " + what);
    }
    this.onMalformed(direction, reason);
    if (policy == MalformedPolicy.Passthrough) {
      this.mode = Mode.Passthrough;
      streamMetrics().passthrough.increment();
    } else {
      this.mode = Mode.Closed;
      streamMetrics().closed.increment();
      this.closeDownstream();
    }
  }

  private request(f: Frame, plan: OutputPlan): void {
    this.requestCount++;
    if (this.saslRawRounds > 0) {
      // A raw SASL token after SaslHandshake v0: no Kafka header, one raw response.
      this.saslRawRounds--;
      const raw = new InflightRequest();
      raw.kind = InflightKind.RawSasl;
      raw.requestBytes = f.length;
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
      e.requestBytes = f.length;
      if (this.config.recordLatency) e.sentAtNanos = nowNanos();
      if (!this.inflight.push(e)) { this.malformed(Direction.Request, "too many requests in flight"); return; }
      entry = e;
    }
    if (header.apiKey == SASL_HANDSHAKE && header.apiVersion == 0) {
      this.saslV0Mechanism = r.bad ? null : r.string();
    }
    const req = new KafkaRequest(f, header, entry);
    this.onRequest(req);
    if (this.mode != Mode.Framing) return;
    if (req.patched && f.buffer == plan.chunk) plan.patched = true;
    const replacement = req.replacement;
    if (replacement != null) {
      if (entry != null && entry.kind == InflightKind.Substituted) streamMetrics().substituted.increment();
      plan.add(replacement, 0, replacement.byteLength);
    } else {
      plan.add(f.buffer, f.offset, f.length);
    }
  }

  private response(f: Frame, plan: OutputPlan): void {
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
      const frame = buildResponseFrame(req.apiKey, req.apiVersion, req.correlationId, body == null ? new ArrayBuffer(0) : body);
      plan.add(frame, 0, frame.byteLength);
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
    const resp = new KafkaResponse(f, req, headerLen);
    if (req.apiKey == API_VERSIONS && this.config.clampApiVersions) {
      const lowered = clampApiVersions(resp.body(), req.apiVersion);
      if (lowered > 0) {
        streamMetrics().clamped.increment();
        if (f.buffer == plan.chunk) plan.patched = true;
      }
    }
    this.onResponse(resp);
    if (this.mode != Mode.Framing) return;
    if (resp.patched && f.buffer == plan.chunk) plan.patched = true;
    const replacement = resp.replacement;
    if (replacement != null) plan.add(replacement, 0, replacement.byteLength);
    else plan.add(f.buffer, f.offset, f.length);
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
