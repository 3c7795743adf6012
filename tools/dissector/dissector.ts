// Node side of the frame dissector: loads build/dissector.wasm (the generated codec with
// every message) and decodes Kafka frames to JSON.
import fs from "node:fs";
import { rootPath } from "../lib/paths.js";

export interface Decoded { ok: boolean; text: string }

export class Dissector {
  private constructor(private readonly ex: Record<string, any>) {}

  static async load(file = rootPath("build", "dissector.wasm")): Promise<Dissector> {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing; run \`npm run build\``);
    let ex: Record<string, any> = {};
    // An AssemblyScript string: UTF-16 code units, byte length stored just before it.
    const str = (ptr: number) => {
      if (!ptr) return "";
      const mem = (ex.memory as WebAssembly.Memory).buffer;
      const len = new Uint32Array(mem, ptr - 4, 1)[0];
      return Buffer.from(mem, ptr, len).toString("utf16le");
    };
    const { instance } = await WebAssembly.instantiate(fs.readFileSync(file), {
      env: {
        abort: (msg: number, fileName: number, line: number, col: number) => {
          throw new Error(`dissector aborted: ${str(msg)} at ${str(fileName)}:${line}:${col}`);
        },
        trace: () => {},
        seed: () => Date.now(),
      },
    });
    ex = instance.exports as Record<string, any>;
    ex._start?.();
    return new Dissector(ex);
  }

  private withInput<T>(bytes: Uint8Array, f: (ptr: number) => T): T {
    const ptr = this.ex.alloc(bytes.length) >>> 0;
    new Uint8Array((this.ex.memory as WebAssembly.Memory).buffer, ptr, bytes.length).set(bytes);
    try { return f(ptr); } finally { this.ex.release(ptr); this.ex.collect(); }
  }

  private result(): string {
    const ptr = this.ex.resultPtr() >>> 0, len = this.ex.resultLen();
    return Buffer.from((this.ex.memory as WebAssembly.Memory).buffer, ptr, len).toString("utf8");
  }

  /** Decodes a body (header excluded) to JSON. */
  decodeBody(apiKey: number, version: number, response: boolean, body: Uint8Array): Decoded {
    const status = this.withInput(body, (p) => this.ex.decode(apiKey, version, response ? 1 : 0, p, body.length));
    return { ok: status === 0, text: this.result() };
  }

  /**
   * Encodes a body from JSON (as decodeBody prints it; with `wrapped`, decode's whole
   * {"header", "body"} document). On failure `text` lists the problems. `filled` names the
   * fields the JSON left out, which took their defaults.
   */
  encodeBody(apiKey: number, version: number, response: boolean, json: string, wrapped = false): { ok: boolean; bytes: Buffer; text: string; filled: string[] } {
    const input = Buffer.from(json, "utf8");
    const status = this.withInput(input, (p) => this.ex.encode(apiKey, version, response ? 1 : 0, p, input.length, wrapped ? 1 : 0));
    const bytes = Buffer.from(this.resultBytes());
    this.ex.filled();
    const filledText = this.result();
    return { ok: status === 0, bytes, text: status === 0 ? "" : bytes.toString("utf8"), filled: filledText === "" ? [] : filledText.split("\n") };
  }

  private resultBytes(): Buffer {
    const ptr = this.ex.resultPtr() >>> 0, len = this.ex.resultLen();
    return Buffer.from((this.ex.memory as WebAssembly.Memory).buffer, ptr, len);
  }

  /** 0 identical, 1 unknown API, 2 decode failed, 3 size() wrong, 4 bytes differ. */
  roundTrip(apiKey: number, version: number, response: boolean, body: Uint8Array): number {
    return this.withInput(body, (p) => this.ex.roundTrip(apiKey, version, response ? 1 : 0, p, body.length));
  }

  /** Decodes (and re-encodes) without rendering: 0 decoded, 1 unknown API, 2 error value. */
  decodeOnly(apiKey: number, version: number, response: boolean, body: Uint8Array): number {
    return this.withInput(body, (p) => this.ex.decodeOnly(apiKey, version, response ? 1 : 0, p, body.length));
  }

  /**
   * Seconds per call of decode (or decode+encode) of `body`, repeating until `minSeconds`
   * have passed. The body is copied into the module once; the loop runs inside wasm.
   */
  benchmark(apiKey: number, version: number, response: boolean, body: Uint8Array, roundTrip: boolean, minSeconds = 1): number {
    return this.withInput(body, (p) => {
      const f = roundTrip ? this.ex.benchRoundTrip : this.ex.benchDecode;
      if (f(apiKey, version, response ? 1 : 0, p, body.length, 3) !== 0) throw new Error("the body does not decode");
      for (let n = 1; ; n *= 2) {
        const t0 = process.hrtime.bigint();
        f(apiKey, version, response ? 1 : 0, p, body.length, n);
        const secs = Number(process.hrtime.bigint() - t0) / 1e9;
        if (secs >= minSeconds) return secs / n;
      }
    });
  }

  /** Bytes of linear memory the module holds now. */
  memoryBytes(): number { return (this.ex.memory as WebAssembly.Memory).buffer.byteLength; }

  /** Decodes a header of version `headerVersion` at the start of `frame` (no size prefix): its JSON and length (-1 when it does not decode; `text` is then the error). */
  decodeHeader(headerVersion: number, response: boolean, frame: Uint8Array): { length: number; text: string } {
    const length = this.withInput(frame, (p) => this.ex.decodeHeader(headerVersion, response ? 1 : 0, p, frame.length));
    return { length, text: this.result() };
  }

  /** Encodes a header of version `headerVersion` from JSON (as decodeHeader prints it). */
  encodeHeader(headerVersion: number, response: boolean, json: string): { ok: boolean; bytes: Buffer; text: string; filled: string[] } {
    const input = Buffer.from(json, "utf8");
    const status = this.withInput(input, (p) => this.ex.encodeHeader(headerVersion, response ? 1 : 0, p, input.length));
    const bytes = Buffer.from(this.resultBytes());
    this.ex.filled();
    const filledText = this.result();
    return { ok: status === 0, bytes, text: status === 0 ? "" : bytes.toString("utf8"), filled: filledText === "" ? [] : filledText.split("\n") };
  }

  requestHeaderVersion(apiKey: number, version: number): number { return this.ex.requestHeaderVersionOf(apiKey, version); }
  responseHeaderVersion(apiKey: number, version: number): number { return this.ex.responseHeaderVersionOf(apiKey, version); }

  /** Header length of a request (frame without size prefix), or -1. */
  requestHeaderLength(frame: Uint8Array): number {
    return this.withInput(frame, (p) => this.ex.requestBodyOffset(p, frame.length));
  }

  responseHeaderLength(apiKey: number, version: number, frame: Uint8Array): number {
    return this.withInput(frame, (p) => this.ex.responseBodyOffset(apiKey, version, p, frame.length));
  }

  /** The key of the API Kafka names `name` ("Produce"), or -1. */
  apiKeyOf(name: Uint8Array): number { return this.withInput(name, (p) => this.ex.apiKeyOf(p, name.length)); }

  /** Compresses with codec 1 gzip, 2 snappy, 3 lz4, 4 zstd (the writers plugins use). */
  compress(codec: number, data: Uint8Array): Buffer {
    const status = this.withInput(data, (p) => this.ex.compress(codec, p, data.length));
    if (status !== 0) throw new Error(`compress: unknown codec ${codec}`);
    return Buffer.from(this.resultBytes());
  }

  /** Decompresses (codec as in compress) into at most maxOut bytes; throws when the input is not valid. */
  decompress(codec: number, data: Uint8Array, maxOut: number): Buffer {
    const status = this.withInput(data, (p) => this.ex.decompress(codec, p, data.length, maxOut));
    if (status === 1) throw new Error(`decompress: unknown codec ${codec}`);
    if (status !== 0) throw new Error(`decompress: not valid ${["", "gzip", "snappy", "lz4", "zstd"][codec]} data (error ${this.result()})`);
    return Buffer.from(this.resultBytes());
  }
}
