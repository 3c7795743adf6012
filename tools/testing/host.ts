// A Proxy-Wasm host in Node's V8 (the engine Envoy uses) that behaves like Envoy's
// network filter for what plugins touch: connection buffers with Envoy's replace
// semantics, metrics, logs, properties, shared data with CAS, shared queues, ticks
// and HTTP callouts. Plugin authors feed chunks in and read what would be forwarded.
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { Status, BufferType, MetricType, StreamType, LOG_LEVELS, envoyLinkProblems } from "./abi.js";

export interface LogLine { level: (typeof LOG_LEVELS)[number]; message: string }
export interface Metric { name: string; type: number; value: bigint }
export interface HttpCall { token: number; cluster: string; headers: [string, string][]; body: Buffer; timeoutMs: number }

export class WasmTrap extends Error {}

/** State shared by every VM of one emulated Envoy (shared data and queues cross workers). */
export class SharedState {
  readonly data = new Map<string, { value: Buffer; cas: number }>();
  readonly queues = new Map<number, { vmId: string; name: string; items: Buffer[]; owner: PluginHost }>();
  nextCas = 1;
  nextQueue = 1;
}

export interface HostOptions {
  /** The plugin configuration (a string, passed raw). */
  configuration?: string;
  vmConfiguration?: string;
  vmId?: string;
  /** Properties by dotted path ("source.address"). Strings, or Buffers for raw values. */
  properties?: Record<string, string | Buffer | bigint>;
  shared?: SharedState;
  /** The filter's name in Envoy's configuration (the `plugin_name` property); the module's file name by default. */
  pluginName?: string;
  /** Time the host reports, in ns; defaults to the real clock. */
  now?: () => bigint;
}

type Ctx = { id: number; kind: "root" | "connection" };

export class PluginHost {
  readonly logs: LogLine[] = [];
  readonly metrics = new Map<number, Metric>();
  readonly httpCalls: HttpCall[] = [];
  readonly shared: SharedState;
  tickPeriodMs = 0;
  /** Set when the module trapped: like Envoy, the VM is then unusable. */
  trapped: Error | null = null;
  readonly rootId = 1;
  configured = false;

  private instance!: WebAssembly.Instance;
  private exportsMap!: Record<string, any>;
  private nextContextId = 2;
  private nextHttpToken = 1;
  private effective: Ctx | null = null;
  /** The buffer the current callback may read or write. */
  private buffers = new Map<number, Buffer>();
  private httpResponse: { headers: [string, string][]; body: Buffer } | null = null;
  private closeRequests: number[] = [];
  private readonly props = new Map<string, Buffer>();
  private readonly now: () => bigint;

  private constructor(readonly module: WebAssembly.Module, readonly options: HostOptions) {
    this.shared = options.shared ?? new SharedState();
    this.now = options.now ?? (() => BigInt(Date.now()) * 1000000n);
    // Envoy's plugin_name is the filter's `name`; here, the module's file name unless a test sets it.
    this.setProperty("plugin_name", options.pluginName ?? "plugin");
    for (const [k, v] of Object.entries(options.properties ?? {})) this.setProperty(k, v);
  }

  /** Loads a compiled plugin, starts its VM and configures it. Throws if Envoy could not link it. */
  static async load(wasm: string | Buffer | WebAssembly.Module, options: HostOptions = {}): Promise<PluginHost> {
    const module = wasm instanceof WebAssembly.Module ? wasm : await WebAssembly.compile(new Uint8Array(typeof wasm === "string" ? fs.readFileSync(wasm) : wasm));
    const problems = envoyLinkProblems(module);
    if (problems.length > 0) throw new Error(`Envoy would refuse this module:\n  ${problems.join("\n  ")}`);
    const pluginName = options.pluginName ?? (typeof wasm === "string" ? path.basename(wasm, ".wasm") : undefined);
    const host = new PluginHost(module, { ...options, pluginName });
    host.instance = await WebAssembly.instantiate(module, host.imports());
    host.exportsMap = host.instance.exports as Record<string, any>;
    if (host.exportsMap._initialize) host.call(() => host.exportsMap._initialize());
    else if (host.exportsMap._start) host.call(() => host.exportsMap._start());
    host.configured = host.startRoot();
    return host;
  }

  setProperty(path: string, value: string | Buffer | bigint): void {
    let buf: Buffer;
    if (typeof value === "bigint") { buf = Buffer.alloc(8); buf.writeBigInt64LE(value); }
    else buf = typeof value === "string" ? Buffer.from(value, "utf8") : value;
    this.props.set(path, buf);
  }

  private startRoot(): boolean {
    const vmConfig = Buffer.from(this.options.vmConfiguration ?? "", "utf8");
    const config = Buffer.from(this.options.configuration ?? "", "utf8");
    this.withContext({ id: this.rootId, kind: "root" }, () => this.exportsMap.proxy_on_context_create(this.rootId, 0));
    let ok = true;
    if (this.exportsMap.proxy_on_vm_start) {
      this.buffers.set(BufferType.VmConfiguration, vmConfig);
      ok = this.withContext({ id: this.rootId, kind: "root" }, () => this.exportsMap.proxy_on_vm_start(this.rootId, vmConfig.length)) !== 0;
      this.buffers.delete(BufferType.VmConfiguration);
    }
    if (ok && this.exportsMap.proxy_on_configure) {
      this.buffers.set(BufferType.PluginConfiguration, config);
      ok = this.withContext({ id: this.rootId, kind: "root" }, () => this.exportsMap.proxy_on_configure(this.rootId, config.length)) !== 0;
      this.buffers.delete(BufferType.PluginConfiguration);
    }
    return ok;
  }

  /**
   * Opens a connection through the filter. `keepForwarded: false` stops it from keeping what it
   * forwarded (for forwardedToBroker/ToClient), so long benchmarks do not hold every byte.
   */
  connect(opts: { keepForwarded?: boolean } = {}): EmulatedConnection {
    if (!this.configured) throw new Error("the plugin rejected its configuration; Envoy would not start it");
    const id = this.nextContextId++;
    const conn = new EmulatedConnection(this, id, opts.keepForwarded ?? true);
    this.withContext({ id, kind: "connection" }, () => {
      this.exportsMap.proxy_on_context_create(id, this.rootId);
      this.exportsMap.proxy_on_new_connection?.(id);
    });
    return conn;
  }

  /** Fires the root context's tick. */
  tick(): void {
    this.withContext({ id: this.rootId, kind: "root" }, () => this.exportsMap.proxy_on_tick?.(this.rootId));
  }

  /** Answers an HTTP callout; status undefined means the call failed (no response). */
  respondHttpCall(token: number, status?: number, body: Buffer | string = "", headers: [string, string][] = []): void {
    const b = typeof body === "string" ? Buffer.from(body) : body;
    const all: [string, string][] = status === undefined ? [] : [[":status", String(status)], ...headers];
    this.httpResponse = { headers: all, body: b };
    this.buffers.set(BufferType.HttpCallResponseBody, b);
    try {
      this.withContext({ id: this.rootId, kind: "root" }, () => this.exportsMap.proxy_on_http_call_response?.(this.rootId, token, all.length, b.length, 0));
    } finally {
      this.httpResponse = null;
      this.buffers.delete(BufferType.HttpCallResponseBody);
    }
  }

  /** Delivers queued items: calls proxy_on_queue_ready on the owning VM for every non-empty queue. */
  drainQueues(): void {
    for (const [id, q] of this.shared.queues) {
      if (q.owner === this && q.items.length > 0) {
        this.withContext({ id: this.rootId, kind: "root" }, () => this.exportsMap.proxy_on_queue_ready?.(this.rootId, id));
      }
    }
  }

  /** Metric value by name (counters and gauges), or undefined. */
  metric(name: string): bigint | undefined {
    for (const m of this.metrics.values()) if (m.name === name) return m.value;
    return undefined;
  }

  /** All metrics as name → number, for assertions. */
  metricsByName(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const m of this.metrics.values()) out[m.name] = Number(m.value);
    return out;
  }

  /** Bytes of linear memory the module uses now. */
  memoryBytes(): number { return (this.exportsMap.memory as WebAssembly.Memory).buffer.byteLength; }

  // ---- internals used by EmulatedConnection ----

  /** @internal */
  runDataCallback(conn: EmulatedConnection, type: number, data: Buffer, eos: boolean): { action: number; buffer: Buffer; closed: number[] } {
    this.buffers.set(type, data);
    this.closeRequests = [];
    try {
      const fn = type === BufferType.DownstreamData ? this.exportsMap.proxy_on_downstream_data : this.exportsMap.proxy_on_upstream_data;
      const action = fn ? this.withContext({ id: conn.id, kind: "connection" }, () => fn(conn.id, data.length, eos ? 1 : 0)) : 0;
      return { action, buffer: this.buffers.get(type)!, closed: this.closeRequests };
    } finally {
      this.buffers.delete(type);
    }
  }

  /** @internal */
  closeConnection(conn: EmulatedConnection): void {
    this.withContext({ id: conn.id, kind: "connection" }, () => {
      this.exportsMap.proxy_on_downstream_connection_close?.(conn.id, 1);
      this.exportsMap.proxy_on_upstream_connection_close?.(conn.id, 2);
      const done = this.exportsMap.proxy_on_done?.(conn.id);
      void done;
      this.exportsMap.proxy_on_log?.(conn.id);
      this.exportsMap.proxy_on_delete?.(conn.id);
    });
  }

  private withContext<T>(ctx: Ctx, f: () => T): T {
    if (this.trapped) throw new WasmTrap(`the VM already trapped: ${this.trapped.message}`);
    const prev = this.effective;
    this.effective = ctx;
    try {
      return this.call(f);
    } finally {
      this.effective = prev;
    }
  }

  private call<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError || e instanceof ProcExit) {
        this.trapped = e as Error;
        throw new WasmTrap(`plugin trapped: ${(e as Error).message}`);
      }
      throw e;
    }
  }

  private mem(): DataView { return new DataView((this.exportsMap.memory as WebAssembly.Memory).buffer); }
  // Pointers and sizes arrive as signed i32: `>>> 0` reads them as the unsigned values they are
  // (memory past 2 GiB would otherwise fail here, not in the module).
  private bytes(ptr: number, len: number): Buffer {
    return Buffer.from((this.exportsMap.memory as WebAssembly.Memory).buffer, ptr >>> 0, len >>> 0);
  }
  private str(ptr: number, len: number): string { return this.bytes(ptr, len).toString("utf8"); }

  /** Copies data into module memory through its allocator, writing pointer and size to the out slots. */
  private give(data: Buffer, ptrPtr: number, sizePtr: number): number {
    const alloc = this.exportsMap.malloc ?? this.exportsMap.proxy_on_memory_allocate;
    const ptr = alloc(data.length) >>> 0;
    if (ptr === 0 && data.length > 0) return Status.InternalFailure;
    this.bytes(ptr, data.length).set(data);
    const dv = this.mem();
    dv.setUint32(ptrPtr >>> 0, ptr, true);
    dv.setUint32(sizePtr >>> 0, data.length, true);
    return Status.Ok;
  }

  private imports(): WebAssembly.Imports {
    const self = this;
    const env: Record<string, Function> = {
      proxy_log(level: number, ptr: number, len: number) {
        self.logs.push({ level: LOG_LEVELS[level] ?? "info", message: self.str(ptr, len) });
        return Status.Ok;
      },
      proxy_get_log_level(ptr: number) { self.mem().setUint32(ptr >>> 0, 0, true); return Status.Ok; },
      proxy_set_tick_period_milliseconds(ms: number) { self.tickPeriodMs = ms; return Status.Ok; },
      proxy_get_current_time_nanoseconds(ptr: number) { self.mem().setBigUint64(ptr >>> 0, self.now(), true); return Status.Ok; },
      proxy_get_buffer_status(type: number, lenPtr: number, flagsPtr: number) {
        const b = self.buffers.get(type);
        if (!b) return Status.NotFound;
        self.mem().setUint32(lenPtr >>> 0, b.length, true);
        self.mem().setUint32(flagsPtr >>> 0, 0, true);
        return Status.Ok;
      },
      proxy_get_buffer_bytes(type: number, start: number, max: number, ptrPtr: number, sizePtr: number) {
        const b = self.buffers.get(type);
        if (!b) return Status.NotFound;
        start >>>= 0; max >>>= 0;
        if (start > b.length) return Status.BadArgument;
        const slice = b.subarray(start, Math.min(b.length, start + max));
        return self.give(slice, ptrPtr, sizePtr); // give() copies into the module's memory
      },
      proxy_set_buffer_bytes(type: number, start: number, length: number, ptr: number, size: number) {
        const b = self.buffers.get(type);
        if (!b) return Status.NotFound;
        start >>>= 0; length >>>= 0;
        // A copy out of module memory (TypedArray.set copies at memcpy speed; Buffer.from(view) does not).
        const data = Buffer.allocUnsafe(size);
        data.set(self.bytes(ptr, size));
        // Envoy's network buffers: (0, 0) prepends, (0, N) drains N then prepends, start >= size appends.
        if (start === 0) self.buffers.set(type, length >= b.length ? data : Buffer.concat([data, b.subarray(length)]));
        else if (start >= b.length) self.buffers.set(type, Buffer.concat([b, data]));
        else return Status.BadArgument;
        return Status.Ok;
      },
      proxy_get_property(pathPtr: number, pathLen: number, ptrPtr: number, sizePtr: number) {
        const path = self.str(pathPtr, pathLen).split("\0").filter((s) => s.length > 0).join(".");
        const v = self.props.get(path);
        if (!v) return Status.NotFound;
        return self.give(v, ptrPtr, sizePtr);
      },
      proxy_set_property(pathPtr: number, pathLen: number, valPtr: number, valLen: number) {
        const path = self.str(pathPtr, pathLen).split("\0").filter((s) => s.length > 0).join(".");
        self.props.set(path, Buffer.from(self.bytes(valPtr, valLen)));
        return Status.Ok;
      },
      proxy_define_metric(type: number, namePtr: number, nameLen: number, idPtr: number) {
        if (type > MetricType.Histogram) return Status.BadArgument;
        const name = self.str(namePtr, nameLen);
        let id = 0;
        for (const [k, m] of self.metrics) if (m.name === name) id = k;
        if (id === 0) { id = self.metrics.size * 3 + 1 + type; self.metrics.set(id, { name, type, value: 0n }); }
        self.mem().setUint32(idPtr >>> 0, id, true);
        return Status.Ok;
      },
      proxy_increment_metric(id: number, offset: bigint) {
        const m = self.metrics.get(id);
        if (!m) return Status.NotFound;
        if (m.type === MetricType.Histogram) return Status.BadArgument;
        if (m.type === MetricType.Counter && offset < 0n) return Status.BadArgument;
        m.value += offset;
        return Status.Ok;
      },
      proxy_record_metric(id: number, value: bigint) {
        const m = self.metrics.get(id);
        if (!m) return Status.NotFound;
        if (m.type === MetricType.Counter) return Status.BadArgument;
        m.value = BigInt.asUintN(64, value);
        return Status.Ok;
      },
      proxy_get_metric(id: number, ptr: number) {
        const m = self.metrics.get(id);
        if (!m) return Status.NotFound;
        self.mem().setBigUint64(ptr >>> 0, m.value, true);
        return Status.Ok;
      },
      proxy_get_shared_data(keyPtr: number, keyLen: number, ptrPtr: number, sizePtr: number, casPtr: number) {
        const e = self.shared.data.get(self.str(keyPtr, keyLen));
        if (!e) return Status.NotFound;
        self.mem().setUint32(casPtr >>> 0, e.cas, true);
        return self.give(e.value, ptrPtr, sizePtr);
      },
      proxy_set_shared_data(keyPtr: number, keyLen: number, valPtr: number, valLen: number, cas: number) {
        const key = self.str(keyPtr, keyLen);
        const e = self.shared.data.get(key);
        if (cas !== 0 && e && e.cas !== cas) return Status.CasMismatch;
        self.shared.data.set(key, { value: Buffer.from(self.bytes(valPtr, valLen)), cas: self.shared.nextCas++ });
        return Status.Ok;
      },
      proxy_register_shared_queue(namePtr: number, nameLen: number, idPtr: number) {
        const name = self.str(namePtr, nameLen);
        const vmId = self.options.vmId ?? "";
        let id = 0;
        for (const [k, q] of self.shared.queues) if (q.vmId === vmId && q.name === name) id = k;
        if (id === 0) { id = self.shared.nextQueue++; self.shared.queues.set(id, { vmId, name, items: [], owner: self }); }
        self.mem().setUint32(idPtr >>> 0, id, true);
        return Status.Ok;
      },
      proxy_resolve_shared_queue(vmPtr: number, vmLen: number, namePtr: number, nameLen: number, idPtr: number) {
        const vmId = self.str(vmPtr, vmLen), name = self.str(namePtr, nameLen);
        for (const [k, q] of self.shared.queues) if (q.vmId === vmId && q.name === name) { self.mem().setUint32(idPtr >>> 0, k, true); return Status.Ok; }
        return Status.NotFound;
      },
      proxy_enqueue_shared_queue(id: number, ptr: number, len: number) {
        const q = self.shared.queues.get(id);
        if (!q) return Status.NotFound;
        q.items.push(Buffer.from(self.bytes(ptr, len)));
        return Status.Ok;
      },
      proxy_dequeue_shared_queue(id: number, ptrPtr: number, sizePtr: number) {
        const q = self.shared.queues.get(id);
        if (!q) return Status.NotFound;
        const item = q.items.shift();
        if (!item) return Status.Empty;
        return self.give(item, ptrPtr, sizePtr);
      },
      proxy_http_call(upPtr: number, upLen: number, hPtr: number, hLen: number, bPtr: number, bLen: number, _tPtr: number, _tLen: number, timeout: number, tokenPtr: number) {
        const headers = decodeHeaderMap(self.bytes(hPtr, hLen));
        if (!headers.some(([k]) => k === ":path") || !headers.some(([k]) => k === ":method") || !headers.some(([k]) => k === ":authority")) return Status.BadArgument;
        const token = self.nextHttpToken++;
        self.httpCalls.push({ token, cluster: self.str(upPtr, upLen), headers, body: Buffer.from(self.bytes(bPtr, bLen)), timeoutMs: timeout });
        self.mem().setUint32(tokenPtr >>> 0, token, true);
        return Status.Ok;
      },
      proxy_get_header_map_value(mapType: number, keyPtr: number, keyLen: number, ptrPtr: number, sizePtr: number) {
        if (mapType !== 6 || !self.httpResponse) return Status.NotFound;
        const key = self.str(keyPtr, keyLen).toLowerCase();
        const h = self.httpResponse.headers.find(([k]) => k === key);
        if (!h) return Status.NotFound;
        return self.give(Buffer.from(h[1]), ptrPtr, sizePtr);
      },
      proxy_continue_stream(type: number) {
        // Like Envoy: the write path cannot be resumed.
        return type === StreamType.Upstream ? Status.Unimplemented : Status.Ok;
      },
      proxy_close_stream(type: number) { self.closeRequests.push(type); return Status.Ok; },
      proxy_done() { return Status.Ok; },
      proxy_set_effective_context(_id: number) { return Status.Ok; },
      proxy_get_status() { return Status.NotFound; },
    };
    const wasi: Record<string, Function> = {
      fd_write(fd: number, iovs: number, iovsLen: number, nwritten: number) {
        const dv = self.mem();
        let text = "", total = 0;
        for (let i = 0; i < iovsLen; i++) {
          const p = dv.getUint32(iovs + i * 8, true), l = dv.getUint32(iovs + i * 8 + 4, true);
          text += self.str(p, l);
          total += l;
        }
        self.logs.push({ level: fd === 2 ? "error" : "info", message: text.replace(/\n$/, "") });
        dv.setUint32(nwritten >>> 0, total, true);
        return 0;
      },
      proc_exit(code: number) { throw new ProcExit(`proc_exit(${code})`); },
      clock_time_get(_id: number, _precision: bigint, ptr: number) { self.mem().setBigUint64(ptr >>> 0, self.now(), true); return 0; },
      random_get(ptr: number, len: number) {
        if (len > 65536) return 28;
        crypto.randomFillSync(self.bytes(ptr, len));
        return 0;
      },
      environ_sizes_get(countPtr: number, sizePtr: number) { self.mem().setUint32(countPtr >>> 0, 0, true); self.mem().setUint32(sizePtr >>> 0, 0, true); return 0; },
      environ_get() { return 0; },
      args_sizes_get(countPtr: number, sizePtr: number) { self.mem().setUint32(countPtr >>> 0, 0, true); self.mem().setUint32(sizePtr >>> 0, 0, true); return 0; },
      args_get() { return 0; },
    };
    // Anything else Envoy provides is a stub there; here it answers ENOSYS.
    const wasiProxy = new Proxy(wasi, { get: (t, k: string) => t[k] ?? (() => 52) });
    const envProxy = new Proxy(env, { get: (t, k: string) => t[k] ?? (() => Status.Unimplemented) });
    return { env: envProxy as any, wasi_snapshot_preview1: wasiProxy as any, wasi_unstable: wasiProxy as any };
  }
}

/** Envoy's proc_exit only logs and returns; AssemblyScript's abort follows it with `unreachable`, so it still ends in a trap. */
class ProcExit extends Error {}

function decodeHeaderMap(buf: Buffer): [string, string][] {
  if (buf.length < 4) return [];
  const n = buf.readUInt32LE(0);
  const lens: number[] = [];
  for (let i = 0; i < n * 2; i++) lens.push(buf.readUInt32LE(4 + i * 4));
  let p = 4 + n * 8;
  const out: [string, string][] = [];
  for (let i = 0; i < n; i++) {
    const k = buf.toString("utf8", p, p + lens[2 * i]); p += lens[2 * i] + 1;
    const v = buf.toString("utf8", p, p + lens[2 * i + 1]); p += lens[2 * i + 1] + 1;
    out.push([k, v]);
  }
  return out;
}

/**
 * One TCP connection through the emulated filter chain. Like Envoy's read path, bytes
 * a plugin pauses on stay in the buffer and are offered again with the next read.
 */
export class EmulatedConnection {
  /** Bytes forwarded to the broker and to the client so far. */
  readonly toBroker: Buffer[] = [];
  readonly toClient: Buffer[] = [];
  closed = false;
  private downstreamBuffer: Buffer = Buffer.alloc(0);

  constructor(readonly host: PluginHost, readonly id: number, private readonly keepForwarded = true) {}

  /** Client → broker bytes. Returns what was forwarded by this read. */
  fromClient(data: Buffer, endOfStream = false): Buffer {
    if (this.closed) return Buffer.alloc(0);
    this.downstreamBuffer = this.downstreamBuffer.length === 0 ? data : Buffer.concat([this.downstreamBuffer, data]);
    const r = this.host.runDataCallback(this, BufferType.DownstreamData, this.downstreamBuffer, endOfStream);
    this.noteClose(r.closed);
    if (r.action === 1) { this.downstreamBuffer = r.buffer; return Buffer.alloc(0); }
    this.downstreamBuffer = Buffer.alloc(0);
    if (this.keepForwarded) this.toBroker.push(r.buffer);
    return r.buffer;
  }

  /** Broker → client bytes. The write path cannot pause in Envoy, so a Pause here is an error. */
  fromBroker(data: Buffer, endOfStream = false): Buffer {
    if (this.closed) return Buffer.alloc(0);
    const r = this.host.runDataCallback(this, BufferType.UpstreamData, data, endOfStream);
    this.noteClose(r.closed);
    if (r.action === 1) throw new Error("plugin returned Pause on the upstream (write) path, which Envoy cannot resume");
    if (this.keepForwarded) this.toClient.push(r.buffer);
    return r.buffer;
  }

  forwardedToBroker(): Buffer { return Buffer.concat(this.toBroker); }
  forwardedToClient(): Buffer { return Buffer.concat(this.toClient); }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.host.closeConnection(this);
  }

  private noteClose(types: number[]): void {
    if (types.includes(StreamType.Downstream) || types.includes(StreamType.Upstream)) {
      this.closed = true;
      this.host.closeConnection(this);
    }
  }
}
