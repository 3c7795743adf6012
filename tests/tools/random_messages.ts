// Random Kafka message bodies, written straight from the protocol descriptors by an encoder
// of its own (not the generated codec), so a test can feed the codec bytes it did not make.
// Values reach the corners JSON finds hard: -0.0, NaN with any payload, ±Infinity, strings
// that are not valid UTF-8, nulls, empty and multi-element arrays, and tagged fields the
// descriptors do not know.
import { Descriptor, Field, FieldType, Primitive } from "../../codegen/descriptor.js";
import { VersionRange } from "../../codegen/versions.js";

/** How many of each hard value went into the messages made so far. */
export interface Corners { negativeZero: number; nan: number; infinity: number; invalidUtf8: number; unknownTagged: number; nulls: number; emptyArrays: number; longArrays: number }

/** A value as the encoder holds it; `isDefault` mirrors the codec's "differs from default" check. */
interface Encoded { bytes: Buffer; isDefault: boolean }

class Out {
  private parts: Buffer[] = [];
  push(b: Buffer): void { this.parts.push(b); }
  int(n: number, size: 1 | 2 | 4): void { const b = Buffer.alloc(size); if (size === 1) b.writeInt8(n); else if (size === 2) b.writeInt16BE(n); else b.writeInt32BE(n); this.parts.push(b); }
  uvarint(n: number): void { this.parts.push(uvarint(n)); }
  bytes(): Buffer { return Buffer.concat(this.parts); }
}

function uvarint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128); }
  out.push(n);
  return Buffer.from(out);
}

/** Versions in which a field is written inline rather than as a tagged field (as the codegen decides). */
function regularVersions(f: Field): VersionRange {
  if (f.taggedVersions.empty) return f.versions;
  if (f.taggedVersions.min <= f.versions.min) return VersionRange.NONE;
  return new VersionRange(f.versions.min, f.taggedVersions.min - 1);
}

/** Whether the field's default is null: "default": "null", or a nullable records field without one (the codegen's rule). */
function defaultIsNull(f: Field): boolean {
  if (f.default === "null") return true;
  const nullable = !f.nullableVersions.intersect(f.versions).empty;
  return f.default === null && nullable && f.type.kind === "primitive" && f.type.name === "records";
}

export class RandomMessages {
  readonly corners: Corners = { negativeZero: 0, nan: 0, infinity: 0, invalidUtf8: 0, unknownTagged: 0, nulls: 0, emptyArrays: 0, longArrays: 0 };
  private d!: Descriptor;
  private version = 0;
  private flexible = false;

  constructor(private readonly rnd: () => number) {}

  /** One random body of message `d` at `version`. */
  body(d: Descriptor, version: number): Buffer {
    this.d = d;
    this.version = version;
    this.flexible = d.flexibleVersions.contains(version);
    return this.struct(d.fields, 0).bytes;
  }

  private chance(p: number): boolean { return this.rnd() < p; }
  private below(n: number): number { return Math.floor(this.rnd() * n); }

  private structFields(f: Field, t: { name: string }): Field[] {
    if (f.fields.length > 0) return f.fields;
    const common = this.d.commonStructs.find((s) => s.name === t.name);
    if (!common) throw new Error(`${this.d.name}: no struct ${t.name}`);
    return common.fields;
  }

  private struct(fields: Field[], depth: number): Encoded {
    const v = this.version;
    const out = new Out();
    let isDefault = true;
    const tagged: { tag: number; data: Buffer }[] = [];
    for (const f of fields) {
      if (!f.versions.contains(v)) continue;
      if (regularVersions(f).contains(v)) {
        const e = this.value(f, f.type, depth);
        out.push(e.bytes);
        if (!e.isDefault) isDefault = false;
      } else if (this.flexible && f.taggedVersions.contains(v) && this.chance(0.7)) {
        // The codec writes a known tagged field only when it differs from its default.
        const e = this.value(f, f.type, depth);
        if (!e.isDefault) { tagged.push({ tag: f.tag!, data: e.bytes }); isDefault = false; }
      }
    }
    if (this.flexible) {
      const known = new Set(fields.filter((f) => f.tag !== null).map((f) => f.tag!));
      const unknown = this.chance(0.3) ? 1 + this.below(3) : 0;
      for (let i = 0; i < unknown; i++) {
        let tag: number;
        do tag = this.chance(0.5) ? this.below(8) : 100 + this.below(100000); while (known.has(tag) || tagged.some((t) => t.tag === tag));
        tagged.push({ tag, data: this.randomBytes(this.below(6)) });
        this.corners.unknownTagged++;
        isDefault = false;
      }
      tagged.sort((a, b) => a.tag - b.tag);
      out.uvarint(tagged.length);
      for (const t of tagged) { out.uvarint(t.tag); out.uvarint(t.data.length); out.push(t.data); }
    }
    return { bytes: out.bytes(), isDefault };
  }

  private value(f: Field, t: FieldType, depth: number): Encoded {
    const v = this.version;
    const nullable = f.nullableVersions.intersect(f.versions).contains(v);
    const flexible = (f.flexibleVersions ?? this.d.flexibleVersions).contains(v);
    const out = new Out();
    if (nullable && this.chance(0.2)) {
      this.corners.nulls++;
      if (t.kind === "struct") out.int(-1, 1);
      else if (flexible) out.uvarint(0);
      else if (t.kind === "primitive" && t.name === "string") out.int(-1, 2);
      else out.int(-1, 4);
      return { bytes: out.bytes(), isDefault: defaultIsNull(f) };
    }
    if (t.kind === "struct") {
      const s = this.struct(this.structFields(f, t), depth + 1);
      if (nullable) out.int(1, 1);
      out.push(s.bytes);
      return { bytes: out.bytes(), isDefault: !defaultIsNull(f) && s.isDefault };
    }
    if (t.kind === "array") {
      const n = depth > 2 || this.chance(0.3) ? 0 : 1 + this.below(3);
      if (n === 0) this.corners.emptyArrays++;
      if (n > 1) this.corners.longArrays++;
      if (flexible) out.uvarint(n + 1); else out.int(n, 4);
      for (let i = 0; i < n; i++) {
        const el = t.element;
        if (el.kind === "struct") out.push(this.struct(this.structFields(f, el), depth + 1).bytes);
        else if (el.kind === "primitive") out.push(this.primitive(f, el.name, flexible).bytes);
        else throw new Error(`${this.d.name}: ${f.name}: arrays of arrays`);
      }
      return { bytes: out.bytes(), isDefault: n === 0 && !defaultIsNull(f) };
    }
    return this.primitive(f, t.name, flexible);
  }

  private primitive(f: Field, p: Primitive, flexible: boolean): Encoded {
    const b = (size: number) => Buffer.alloc(size);
    const dflt = f.default;
    switch (p) {
      case "bool": { const x = this.chance(0.5); return { bytes: Buffer.from([x ? 1 : 0]), isDefault: x === (dflt === "true") }; }
      case "int8": case "int16": case "uint16": case "int32": case "uint32": case "int64": {
        const bits = { int8: 8, int16: 16, uint16: 16, int32: 32, uint32: 32, int64: 64 }[p];
        const signed = !p.startsWith("u");
        let x = 0n;
        for (let i = 0; i < bits; i += 16) x = (x << 16n) | BigInt(this.below(0x10000));
        x &= (1n << BigInt(bits)) - 1n;
        if (this.chance(0.3)) x = BigInt(this.below(3)); // small values, defaults among them
        const buf = b(bits / 8);
        if (bits === 64) buf.writeBigUInt64BE(x); else buf.writeUIntBE(Number(x), 0, bits / 8);
        const value = signed ? BigInt.asIntN(bits, x) : x;
        const d = dflt === null || dflt === "" || dflt === "null" ? 0n : BigInt(dflt.trim());
        return { bytes: buf, isDefault: value === d };
      }
      case "float64": {
        const buf = b(8);
        const pick = this.below(8);
        if (pick === 0) { buf.writeDoubleBE(-0); this.corners.negativeZero++; }
        else if (pick === 1) { buf.writeDoubleBE(NaN); this.corners.nan++; }
        else if (pick === 2) { buf.writeDoubleBE(this.chance(0.5) ? Infinity : -Infinity); this.corners.infinity++; }
        else if (pick === 3) {
          // A NaN with another sign or payload: exponent all ones, a non-zero fraction.
          buf.writeUInt32BE(((this.chance(0.5) ? 0xfff00000 : 0x7ff00000) | this.below(0x100000)) >>> 0, 0);
          buf.writeUInt32BE(1 + this.below(0xfffffffe), 4);
          this.corners.nan++;
        } else if (pick === 4) buf.writeDoubleBE([0, 1, 0.1, 1.5, 1e21, 1e-7, 5e-324, Number.MAX_VALUE][this.below(8)]);
        else { buf.writeUInt32BE(this.below(0x100000000), 0); buf.writeUInt32BE(this.below(0x100000000), 4); }
        const x = buf.readDoubleBE(0);
        if (Number.isNaN(x) && pick !== 1 && pick !== 3) this.corners.nan++;
        // The codec compares with `!=`: -0.0 equals a default of 0, NaN never equals it.
        return { bytes: buf, isDefault: x === (dflt === null || dflt === "" ? 0 : Number(dflt)) };
      }
      case "uuid": {
        const buf = this.chance(0.2) ? b(16) : this.randomBytes(16);
        return { bytes: buf, isDefault: buf.every((x) => x === 0) };
      }
      case "string": {
        const text = this.randomString();
        const out = new Out();
        if (flexible) out.uvarint(text.length + 1); else out.int(text.length, 2);
        out.push(text);
        const d = dflt === null || dflt === "null" ? "" : dflt;
        return { bytes: out.bytes(), isDefault: !defaultIsNull(f) && text.equals(Buffer.from(d, "utf8")) };
      }
      case "bytes": case "records": {
        const data = this.randomBytes(this.chance(0.2) ? 0 : this.below(20));
        const out = new Out();
        if (flexible) out.uvarint(data.length + 1); else out.int(data.length, 4);
        out.push(data);
        return { bytes: out.bytes(), isDefault: !defaultIsNull(f) && data.length === 0 };
      }
    }
  }

  private randomBytes(n: number): Buffer {
    return Buffer.from(Array.from({ length: n }, () => this.below(256)));
  }

  /** Empty, ASCII, valid multi-byte UTF-8, or bytes that are not UTF-8 (lone continuation bytes, overlong forms, encoded surrogates, cut sequences). */
  private randomString(): Buffer {
    const pick = this.below(6);
    if (pick === 0) return Buffer.alloc(0);
    if (pick === 1) return Buffer.from(`name-${this.below(1000)}`, "utf8");
    if (pick === 2) return Buffer.from(["ü", "日本", "😀", "a\u0000b", "\"\\\n"][this.below(5)], "utf8");
    const bad = [[0x80], [0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xf4, 0x90, 0x80, 0x80], [0xc3]];
    const parts: Buffer[] = [Buffer.from("x", "utf8")];
    for (let i = 0; i < 1 + this.below(3); i++) {
      parts.push(Buffer.from(bad[this.below(bad.length)]));
      if (this.chance(0.5)) parts.push(Buffer.from(["é", "z", "😀"][this.below(3)], "utf8"));
    }
    this.corners.invalidUtf8++;
    return Buffer.concat(parts);
  }
}
