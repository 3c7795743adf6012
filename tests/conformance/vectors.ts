// Test vectors for the conformance run: for every message and version, JSON documents
// in the shape Kafka's JsonConverter reads, with every field the version carries set to
// a value other than its default. Variant "full" fills arrays with several elements and
// nullable fields with values; variant "empty" uses empty arrays and nulls where allowed.
import { Descriptor, Field, FieldType, Struct } from "../../codegen/descriptor.js";
import { prng } from "../tools/prng.js";

export type Variant = "full" | "empty";

export interface Vector {
  id: number;
  /** The Java class stem: ProduceRequest. */
  name: string;
  apiKey: number;
  response: boolean;
  version: number;
  variant: Variant;
  json: Record<string, unknown>;
}

function jsonName(name: string): string { return name.charAt(0).toLowerCase() + name.slice(1); }

class Filler {
  constructor(private readonly rnd: () => number, private readonly structs: Map<string, Struct>, private readonly variant: Variant) {}

  private int(lo: number, hi: number, avoid: number): number {
    for (;;) {
      const v = lo + Math.floor(this.rnd() * (hi - lo + 1));
      if (v !== avoid) return v;
    }
  }

  private bytes(n: number): string {
    return Buffer.from(Array.from({ length: n }, () => Math.floor(this.rnd() * 256))).toString("base64");
  }

  private primitive(name: string, dflt: string | null, field: string): unknown {
    const d = dflt === null || dflt === "null" ? 0 : Number(dflt);
    switch (name) {
      case "bool": return !(dflt === "true");
      case "int8": return this.int(-100, 100, d);
      case "int16": return this.int(-30000, 30000, d);
      case "uint16": return this.int(1, 65535, d);
      case "int32": return this.int(-2000000000, 2000000000, d);
      case "uint32": return this.int(1, 4000000000, d);
      // Within ±2^53 so JavaScript compares them exactly.
      case "int64": return this.int(-(2 ** 50), 2 ** 50, d);
      case "float64": return Math.round(this.rnd() * 1e6) / 64 + 0.5;
      case "string": return `${field}-${Math.floor(this.rnd() * 1e6)}-ü`;
      case "bytes": case "records": return this.bytes(1 + Math.floor(this.rnd() * 12));
      case "uuid": {
        // Kafka's Uuid: URL-safe base64 without padding; the all-zero one is the default.
        const b = Buffer.from(Array.from({ length: 16 }, () => Math.floor(this.rnd() * 256)));
        b[0] |= 1;
        return b.toString("base64url");
      }
    }
    throw new Error(`no filler for ${name}`);
  }

  value(f: Field, t: FieldType, version: number, nested: Field[]): unknown {
    const nullable = f.nullableVersions.contains(version);
    if (this.variant === "empty" && nullable) return null;
    if (t.kind === "primitive") return this.primitive(t.name, f.default, f.name);
    if (t.kind === "struct") return this.object(this.fieldsOf(t.name, nested), version);
    if (this.variant === "empty") return [];
    const n = 2 + Math.floor(this.rnd() * 2);
    const el = t.element;
    return Array.from({ length: n }, () => el.kind === "struct"
      ? this.object(this.fieldsOf(el.name, nested), version)
      : this.primitive((el as { name: string }).name, null, f.name));
  }

  private fieldsOf(struct: string, nested: Field[]): Field[] {
    return nested.length > 0 ? nested : this.structs.get(struct)?.fields ?? [];
  }

  object(fields: Field[], version: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of fields) {
      if (!f.versions.contains(version)) continue;
      out[jsonName(f.name)] = this.value(f, f.type, version, f.fields);
    }
    return out;
  }
}

export function vectorsFor(d: Descriptor, apiKey: number, response: boolean, firstId: number, seed: number): Vector[] {
  const structs = new Map(d.commonStructs.map((s) => [s.name, s]));
  const out: Vector[] = [];
  let id = firstId;
  for (let v = d.validVersions.min; v <= d.validVersions.max; v++) {
    for (const variant of ["full", "empty"] as Variant[]) {
      const filler = new Filler(prng(seed * 7919 + v * 31 + (variant === "full" ? 1 : 2)), structs, variant);
      out.push({ id: id++, name: d.name, apiKey, response, version: v, variant, json: filler.object(d.fields, v) });
    }
  }
  return out;
}
