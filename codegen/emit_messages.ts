// Emits one AssemblyScript class per message and struct: fields with their defaults,
// decode(reader, version), size(version) and encode(writer, version), unknown tagged
// fields kept and written back, and toJson(version) for the dissector and conformance.
// The output is plain code: every version condition is spelled out where it applies.
import { Descriptor, Field, FieldType, Primitive } from "./descriptor.js";
import { VersionRange } from "./versions.js";

/** A message to emit: a merged descriptor, its class name, and its version span. */
export interface MessageSpec {
  descriptor: Descriptor;
  validVersions: VersionRange;
  flexibleVersions: VersionRange;
}

interface Ctx {
  msg: MessageSpec;
  /** Struct name → its fields, for named (common or nested) structs. */
  structs: Map<string, { fields: Field[]; versions: VersionRange }>;
  out: string[];
}

const FIXED_SIZE: Partial<Record<Primitive, number>> = { bool: 1, int8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, float64: 8, uuid: 16 };
const AS_TYPE: Record<Primitive, string> = {
  bool: "bool", int8: "i8", int16: "i16", uint16: "u16", int32: "i32", uint32: "u32", int64: "i64", float64: "f64",
  string: "string", bytes: "Uint8Array", records: "Uint8Array", uuid: "Uint8Array",
};

/** Members every generated class has; a field with one of these names gets a trailing underscore. */
const RESERVED = new Set(["decode", "encode", "size", "toJson", "isDefault", "unknownTaggedFields", "constructor"]);

/** The property name of a descriptor field: ThrottleTimeMs → throttleTimeMs, Size → size_. */
export function camel(name: string): string {
  const c = name.charAt(0).toLowerCase() + name.slice(1);
  return RESERVED.has(c) ? `${c}_` : c;
}

/** The JSON key of a field: Kafka's own camelCase name, never escaped. */
function jsonKey(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** Class name of a struct inside a message: ProduceRequest_TopicProduceData. */
function structClass(msg: string, struct: string): string { return `${msg}_${struct}`; }

/** A version condition as code, simplified against the message's valid versions. */
export function cond(r: VersionRange, valid: VersionRange): string {
  const lo = Math.max(r.min, valid.min), hi = Math.min(r.max, valid.max);
  if (hi < lo) return "false";
  const parts: string[] = [];
  if (lo > valid.min) parts.push(`version >= ${lo}`);
  if (hi < valid.max) parts.push(`version <= ${hi}`);
  return parts.length === 0 ? "true" : parts.join(" && ");
}

function and(a: string, b: string): string {
  if (a === "false" || b === "false") return "false";
  if (a === "true") return b;
  if (b === "true") return a;
  return `(${a}) && (${b})`;
}

function regularVersions(f: Field): VersionRange {
  // Versions in which the field is written inline (not as a tagged field).
  if (f.taggedVersions.empty) return f.versions;
  if (f.taggedVersions.min <= f.versions.min) return VersionRange.NONE;
  return new VersionRange(f.versions.min, f.taggedVersions.min - 1);
}

function nullableAnywhere(f: Field, valid: VersionRange): boolean {
  return !f.nullableVersions.intersect(f.versions).intersect(valid).empty;
}

function elementIsStruct(t: FieldType): t is { kind: "array"; element: { kind: "struct"; name: string } } {
  return t.kind === "array" && t.element.kind === "struct";
}

/**
 * Arrays of numbers and bools are StaticArrays: one allocation instead of two (an Array is a
 * header plus a buffer), and a shared empty one costs nothing. Decoded messages hold many of
 * them (replica lists, partition indexes), so this is a large part of decoding's allocations.
 * Arrays of structs and strings stay Arrays, which plugins grow and filter.
 */
function isStaticArrayElement(t: FieldType): boolean {
  return t.kind === "primitive" && FIXED_SIZE[t.name] !== undefined && t.name !== "uuid";
}

/** The AssemblyScript type of one array element. */
function elementType(ctx: Ctx, el: FieldType): string {
  return el.kind === "struct" ? structClass(ctx.msg.descriptor.name, el.name) : el.kind === "primitive" ? AS_TYPE[el.name] : "never";
}

function arrayType(ctx: Ctx, el: FieldType): string {
  return isStaticArrayElement(el) ? `StaticArray<${elementType(ctx, el)}>` : `Array<${elementType(ctx, el)}>`;
}

function fieldTsType(ctx: Ctx, f: Field): string {
  const nullable = nullableAnywhere(f, ctx.msg.validVersions);
  let base: string;
  if (f.type.kind === "primitive") base = AS_TYPE[f.type.name];
  else if (f.type.kind === "struct") base = structClass(ctx.msg.descriptor.name, f.type.name);
  else {
    base = arrayType(ctx, f.type.element);
  }
  const isRef = f.type.kind !== "primitive" || ["string", "bytes", "records", "uuid"].includes(f.type.name);
  return nullable && isRef ? `${base} | null` : base;
}

/** The field's default as an AssemblyScript expression. */
function defaultExpr(ctx: Ctx, f: Field): string {
  const d = f.default;
  const nullable = nullableAnywhere(f, ctx.msg.validVersions);
  if (d === "null") {
    if (!nullable) throw new Error(`${ctx.msg.descriptor.file}: ${f.name}: default null on a field that is never nullable`);
    return "null";
  }
  if (f.type.kind === "primitive") {
    switch (f.type.name) {
      case "bool": return d === "true" ? "true" : "false";
      case "int8": case "int16": case "uint16": case "int32": case "uint32": case "int64": {
        if (d === null || d === "") return "0";
        const n = BigInt(d.trim());
        return f.type.name === "int64" ? `<i64>${n}` : `${n}`;
      }
      case "float64": return d === null || d === "" ? "0.0" : `${Number(d)}`;
      case "string": return JSON.stringify(d ?? "");
      case "bytes": case "records": return nullable && f.type.name === "records" && d === null ? "null" : "new Uint8Array(0)";
      case "uuid": return "new Uint8Array(16)";
    }
  }
  if (f.type.kind === "struct") return `new ${structClass(ctx.msg.descriptor.name, f.type.name)}()`;
  if (isStaticArrayElement(f.type.element)) return emptyStaticArray(f.type.element);
  return "[]";
}

/** The shared empty StaticArray of an element type (wire/empty_arrays.ts). */
function emptyStaticArray(el: FieldType): string {
  return `EMPTY_${AS_TYPE[(el as { name: Primitive }).name].toUpperCase()}`;
}

/** The reader call for one value of primitive type `p`. */
function readPrimitive(p: Primitive, nullable: string, flexible: string): string {
  const pick = (compactNullable: string, compact: string, plainNullable: string, plain: string) => {
    const flex = (a: string, b: string) => flexible === "true" ? a : flexible === "false" ? b : `(${flexible}) ? ${a} : ${b}`;
    const n = flex(compactNullable, plainNullable), nn = flex(compact, plain);
    return nullable === "true" ? n : nullable === "false" ? nn : `(${nullable}) ? ${n} : ${nn}`;
  };
  switch (p) {
    case "bool": return "r.bool()";
    case "int8": return "r.int8()";
    case "int16": return "r.int16()";
    case "uint16": return "r.uint16()";
    case "int32": return "r.int32()";
    case "uint32": return "r.uint32()";
    case "int64": return "r.int64()";
    case "float64": return "r.float64()";
    case "uuid": return "r.uuid()";
    case "string": return pick("r.compactNullableString()", "r.compactString()", "r.nullableString()", "r.string()");
    case "bytes": case "records": return pick("r.compactNullableBytes()", "r.compactBytes()", "r.nullableBytes()", "r.bytes()");
  }
}

function writePrimitive(p: Primitive, v: string, nullable: string, flexible: string): string {
  const pick = (compactNullable: string, compact: string, plainNullable: string, plain: string) => {
    const flex = (a: string, b: string) => flexible === "true" ? a : flexible === "false" ? b : `if (${flexible}) ${a}; else ${b}`;
    const n = flex(`w.${compactNullable}(${v})`, `w.${plainNullable}(${v})`);
    const nn = flex(`w.${compact}(${v}!)`, `w.${plain}(${v}!)`);
    if (nullable === "true") return `${n};`;
    if (nullable === "false") return `${nn};`;
    return `if (${nullable}) { ${n}; } else { ${nn}; }`;
  };
  switch (p) {
    case "bool": return `w.bool(${v});`;
    case "int8": return `w.int8(${v});`;
    case "int16": return `w.int16(${v});`;
    case "uint16": return `w.uint16(${v});`;
    case "int32": return `w.int32(${v});`;
    case "uint32": return `w.uint32(${v});`;
    case "int64": return `w.int64(${v});`;
    case "float64": return `w.float64(${v});`;
    case "uuid": return `w.uuid(${v});`;
    case "string": return pick("compactNullableString", "compactString", "nullableString", "string");
    case "bytes": case "records": return pick("compactNullableBytes", "compactBytes", "nullableBytes", "bytes");
  }
}

function sizePrimitive(p: Primitive, v: string, nullable: string, flexible: string): string {
  const fixed = FIXED_SIZE[p];
  if (fixed !== undefined) return `${fixed}`;
  const fn = (c: string, cn: string, pl: string, pn: string) => {
    const flex = (a: string, b: string) => flexible === "true" ? a : flexible === "false" ? b : `((${flexible}) ? ${a} : ${b})`;
    const n = flex(`sizeOf.${cn}(${v})`, `sizeOf.${pn}(${v})`);
    const nn = flex(`sizeOf.${c}(${v}!)`, `sizeOf.${pl}(${v}!)`);
    return nullable === "true" ? n : nullable === "false" ? nn : `((${nullable}) ? ${n} : ${nn})`;
  };
  if (p === "string") return fn("compactStr", "compactNullableStr", "str", "nullableStr");
  return fn("compactBytes", "compactNullableBytes", "bytes", "nullableBytes");
}

function minElementSize(t: FieldType): number {
  if (t.kind === "primitive") return FIXED_SIZE[t.name] ?? 1;
  return 1;
}

interface FieldCode { decode: string[]; size: string[]; encode: string[]; json: string[] }

/** Code for one field's value in the versions where `present` holds (regular, or inside a tagged field). */
function valueCode(ctx: Ctx, f: Field, path: string, nullableC: string, flexibleC: string): FieldCode {
  const v = `this.${camel(f.name)}`;
  const msgName = ctx.msg.descriptor.name;
  const out: FieldCode = { decode: [], size: [], encode: [], json: [] };
  const t = f.type;
  out.decode.push(`r.field = ${JSON.stringify(path)};`);
  if (t.kind === "primitive") {
    out.decode.push(`${v} = ${readPrimitive(t.name, nullableC, flexibleC)};`);
    out.size.push(`n += ${sizePrimitive(t.name, v, nullableC, flexibleC)};`);
    out.encode.push(writePrimitive(t.name, v, nullableC, flexibleC));
    out.json.push(`j.key(${JSON.stringify(jsonKey(f.name))});`, jsonPrimitive(t.name, v));
    return out;
  }
  if (t.kind === "struct") {
    const cls = structClass(msgName, t.name);
    // Nullable structs: int8 -1 for null, 1 for present (Kafka's convention).
    const nullableStruct = nullableC !== "false";
    if (nullableStruct) {
      out.decode.push(`if (${nullableC === "true" ? "true" : nullableC} && r.int8() < 0) { ${v} = null; } else { ${v} = ${cls}.decodeFrom(r, version); }`);
      out.size.push(`if (${nullableC}) n += 1; if (${v} != null) n += ${v}!.size(version);`);
      out.encode.push(`if (${nullableC}) { if (${v} == null) { w.int8(-1); } else { w.int8(1); ${v}!.encode(w, version); } } else if (${v} != null) { ${v}!.encode(w, version); }`);
      out.json.push(`j.key(${JSON.stringify(jsonKey(f.name))});`, `if (${v} == null) j.nul();`, `else ${v}!.toJson(j, version);`);
    } else {
      out.decode.push(`${v} = ${cls}.decodeFrom(r, version);`);
      out.size.push(`n += ${v}.size(version);`);
      out.encode.push(`${v}.encode(w, version);`);
      out.json.push(`j.key(${JSON.stringify(jsonKey(f.name))});`, `${v}.toJson(j, version);`);
    }
    return out;
  }
  // Arrays.
  const el = t.element;
  const nullableArr = nullableC;
  const m = minElementSize(el);
  // A struct element becomes an object: its count also comes out of the reader's struct allowance.
  const kind = el.kind === "struct" ? "Struct" : "";
  const compact = `r.compact${kind}ArrayLength(${m})`, plain = `r.${kind === "" ? "array" : "structArray"}Length(${m})`;
  const lenRead = flexibleC === "true" ? compact : flexibleC === "false" ? plain : `(${flexibleC}) ? ${compact} : ${plain}`;
  const elType = elementType(ctx, el);
  // Element reads and writes skip the bounds check: every loop runs i below the length it checks.
  let readEl: string, sizeEl: string, writeEl: string, jsonEl: string;
  if (el.kind === "struct") {
    readEl = `storeElement<${elType}>(a, i, ${elType}.decodeFrom(r, version));`;
    sizeEl = `n += unchecked(x[i]).size(version);`;
    writeEl = `unchecked(x[i]).encode(w, version);`;
    jsonEl = `x[i].toJson(j, version);`;
  } else if (el.kind === "primitive") {
    readEl = isStaticArrayElement(el) ? `unchecked(a[i] = ${readPrimitive(el.name, "false", flexibleC)});` : `storeElement<${elType}>(a, i, ${readPrimitive(el.name, "false", flexibleC)});`;
    sizeEl = `n += ${sizePrimitive(el.name, "unchecked(x[i])", "false", flexibleC)};`;
    writeEl = writePrimitive(el.name, "unchecked(x[i])", "false", flexibleC);
    jsonEl = jsonPrimitive(el.name, "x[i]");
  } else throw new Error(`${ctx.msg.descriptor.file}: ${f.name}: arrays of arrays are not supported`);
  // A failed read still leaves a valid (empty) array: decodeFrom objects have no defaults to fall back on.
  // The array is sized once: its count was checked against the bytes left (times the smallest element),
  // so the allocation is bounded by the input. After a failure it is cut to the elements read, so no
  // hole (a null where the type has none) is ever visible.
  const nullBranch = nullableArr === "false" ? `r.fail(ReadError.BadLength); ${v} = [];` : nullableArr === "true" ? `${v} = null;` : `if (${nullableArr}) ${v} = null; else { r.fail(ReadError.BadLength); ${v} = []; }`;
  if (isStaticArrayElement(el)) {
    out.decode.push(`{ const count = ${lenRead}; if (count < 0) { ${nullBranch} } else if (count == 0) { ${v} = ${emptyStaticArray(el)}; } else { const a = new StaticArray<${elType}>(count); let i = 0; for (; i < count && !r.bad; i++) { ${readEl} } ${v} = i < count ? StaticArray.slice<${elType}>(a, 0, i) : a; } }`);
  } else {
    out.decode.push(`{ const count = ${lenRead}; if (count < 0) { ${nullBranch} } else if (count == 0) { ${v} = emptyArray<${elType}>(); } else { const a = new Array<${elType}>(count); let i = 0; for (; i < count && !r.bad; i++) { ${readEl} } if (i < count) a.length = i; ${v} = a; } }`);
  }
  const lenSize = flexibleC === "true" ? "sizeOf.compactArrayLength(CNT)" : flexibleC === "false" ? "4" : `((${flexibleC}) ? sizeOf.compactArrayLength(CNT) : 4)`;
  const lenWrite = flexibleC === "true" ? "w.compactArrayLength(CNT);" : flexibleC === "false" ? "w.arrayLength(CNT);" : `if (${flexibleC}) w.compactArrayLength(CNT); else w.arrayLength(CNT);`;
  // Elements of a fixed size add up without a loop.
  const fixedEl = el.kind === "primitive" ? FIXED_SIZE[el.name] : undefined;
  const sizeAll = fixedEl !== undefined ? `n += x.length * ${fixedEl};` : `for (let i = 0; i < x.length; i++) ${sizeEl}`;
  out.size.push(`{ const x = ${v}; if (x == null) { n += ${lenSize.replace("CNT", "-1")}; } else { n += ${lenSize.replace("CNT", "x.length")}; ${sizeAll} } }`);
  out.encode.push(`{ const x = ${v}; if (x == null) { ${lenWrite.replace(/CNT/g, "-1")} } else { ${lenWrite.replace(/CNT/g, "x.length")} for (let i = 0; i < x.length; i++) { ${writeEl} } } }`);
  out.json.push(`j.key(${JSON.stringify(jsonKey(f.name))});`);
  out.json.push(`{`);
  out.json.push(`  const x = ${v};`);
  out.json.push(`  if (x == null) {`);
  out.json.push(`    j.nul();`);
  out.json.push(`  } else {`);
  out.json.push(`    j.beginArray();`);
  out.json.push(`    for (let i = 0; i < x.length; i++) ${jsonEl}`);
  out.json.push(`    j.endArray();`);
  out.json.push(`  }`);
  out.json.push(`}`);
  return out;
}

function jsonPrimitive(p: Primitive, v: string): string {
  switch (p) {
    case "bool": return `j.bool(${v});`;
    case "int8": case "int16": case "uint16": case "int32": case "uint32": return `j.int(<i64>${v});`;
    case "int64": return `j.int(${v});`;
    case "float64": return `j.float(${v});`;
    case "string": return `j.str(${v});`;
    case "uuid": return `j.uuid(${v});`;
    case "bytes": case "records": return `j.bytes(${v});`;
  }
}

/** Reading one value of type `t` from the JSON value `x` (fromJson); `P` is an expression for its path. */
function jsonReadExpr(ctx: Ctx, t: FieldType, x: string, P: string): string {
  if (t.kind === "struct") return `${structClass(ctx.msg.descriptor.name, t.name)}.fromJson(${x}, version, e, ${P})`;
  if (t.kind === "array") throw new Error("nested arrays are not supported");
  switch (t.name) {
    case "bool": return `jsonBool(${x}, ${P}, e)`;
    case "int8": return `<i8>jsonInt(${x}, ${P}, e, -128, 127)`;
    case "int16": return `<i16>jsonInt(${x}, ${P}, e, -32768, 32767)`;
    case "uint16": return `<u16>jsonInt(${x}, ${P}, e, 0, 65535)`;
    case "int32": return `<i32>jsonInt(${x}, ${P}, e, -2147483648, 2147483647)`;
    case "uint32": return `jsonUint32(${x}, ${P}, e)`;
    case "int64": return `jsonInt(${x}, ${P}, e, i64.MIN_VALUE, i64.MAX_VALUE)`;
    case "float64": return `jsonFloat(${x}, ${P}, e)`;
    case "string": return `jsonString(${x}, ${P}, e)`;
    case "uuid": return `jsonUuid(${x}, ${P}, e)`;
    case "bytes": case "records": return `jsonBytes(${x}, ${P}, e)`;
  }
}

/**
 * fromJson(): the fields present at `version`, as toJson writes them. A field the JSON leaves
 * out keeps its default (its path goes to `e.filled`); a key no field takes is an error.
 * One statement per line: `x` is the field's JSON value, null when absent.
 */
function fromJsonCode(ctx: Ctx, className: string, fields: Field[]): string {
  const valid = ctx.msg.validVersions;
  const lines: string[] = [];
  for (const f of fields) {
    const present = cond(f.versions, valid);
    const key = JSON.stringify(jsonKey(f.name));
    lines.push(`x = f.field(${key}, ${JSON.stringify(f.name)}, ${present});`);
    if (present === "false") continue;
    const v = `o.${camel(f.name)}`;
    const span = f.versions.intersect(valid);
    const nullableC = cond(f.nullableVersions.intersect(f.versions), span);
    // A JSON null is the field's null where it may be null; elsewhere the typed reader reports it.
    const isNull = nullableC === "false" ? "" : nullableC === "true" ? "x.isNull" : `x.isNull && (${nullableC})`;
    let guard = "if (x != null)";
    if (isNull) {
      lines.push(`if (x != null && ${isNull}) ${v} = null;`);
      guard = "else if (x != null)";
    }
    if (f.type.kind !== "array") {
      lines.push(`${guard} ${v} = ${jsonReadExpr(ctx, f.type, "x", "f.path")};`);
      continue;
    }
    const el = f.type.element;
    const elType = elementType(ctx, el);
    const arr = isStaticArrayElement(el) ? "StaticArray" : "Array";
    lines.push(`${guard} {`);
    lines.push(`  const items = jsonArray(x, f.path, e);`);
    lines.push(`  if (items != null) {`);
    lines.push(`    const a = new ${arr}<${elType}>(items.length);`);
    lines.push(`    for (let i = 0; i < items.length; i++) a[i] = ${jsonReadExpr(ctx, el, "items[i]", "f.item(i)")};`);
    lines.push(`    ${v} = a;`);
    lines.push(`  }`);
    lines.push(`}`);
  }
  const flexMsg = cond(ctx.msg.flexibleVersions, valid);
  if (flexMsg !== "false") {
    const tagged = fields.filter((f) => !f.taggedVersions.empty && cond(f.taggedVersions, valid) !== "false").sort((a, b) => (a.tag ?? 0) - (b.tag ?? 0));
    lines.push(`if (${flexMsg}) {`);
    lines.push(`  o.unknownTaggedFields = f.unknownTagged();`);
    // Inside the flexible versions, conditions that always hold there are dropped.
    const flexSpan = valid.intersect(ctx.msg.flexibleVersions);
    for (const t of tagged) {
      const when = cond(t.taggedVersions, flexSpan);
      const call = `f.rejectKnownTag(o.unknownTaggedFields, ${t.tag}, ${JSON.stringify(t.name)});`;
      lines.push(when === "true" ? `  ${call}` : `  if (${when}) ${call}`);
    }
    lines.push(`}`);
  }
  lines.push(`f.finish();`);
  return `  /** Reads the fields present at \`version\` from JSON shaped as toJson writes it; problems go to \`e\`, fields left out to \`e.filled\`. */
  static fromJson(v: JsonValue, version: i16, e: JsonErrors, path: string = ${JSON.stringify(className)}): ${className} {
    const o = new ${className}();
    const f = JsonFields.of(v, version, path, e);
    if (f == null) return o;
    let x: JsonValue | null;
${lines.map((l) => `    ${l}`).join("\n")}
    return o;
  }`;
}

/** errorCodes(): every ErrorCode field present at `version`, this struct's and its children's. */
function errorCodesCode(ctx: Ctx, fields: Field[]): string {
  const valid = ctx.msg.validVersions;
  const lines: string[] = [];
  for (const f of fields) {
    const present = cond(f.versions, valid);
    if (present === "false") continue;
    const v = `this.${camel(f.name)}`;
    let line = "";
    if (f.type.kind === "primitive" && f.type.name === "int16" && f.name === "ErrorCode") line = `out.push(${v});`;
    else if (f.type.kind === "struct") line = isLazyStruct(ctx, f) ? `if (this._${camel(f.name)} != null) this._${camel(f.name)}!.errorCodes(version, out);`
      : nullableAnywhere(f, valid) ? `if (${v} != null) ${v}!.errorCodes(version, out);` : `${v}.errorCodes(version, out);`;
    else if (f.type.kind === "array" && f.type.element.kind === "struct") line = `{ const x = ${v}; if (x != null) for (let i = 0; i < x.length; i++) x[i].errorCodes(version, out); }`;
    if (!line) continue;
    lines.push(present === "true" ? `    ${line}` : `    if (${present}) ${line}`);
  }
  return `  /** Appends every ErrorCode present at \`version\` (this struct's and its children's) to \`out\`. */
  errorCodes(version: i16, out: Array<i16>): void {
${lines.join("\n")}
  }`;
}

/**
 * A struct field that only ever travels as a tagged field (FetchResponse's CurrentLeader,
 * SnapshotId, DivergingEpoch): absent, it equals its default. It is held in a private nullable
 * slot behind a getter that makes the default on first read, so decoding a message that lacks
 * it allocates nothing.
 */
function isLazyStruct(ctx: Ctx, f: Field): boolean {
  return f.type.kind === "struct" && !nullableAnywhere(f, ctx.msg.validVersions) && cond(regularVersions(f), ctx.msg.validVersions) === "false";
}

/**
 * A non-nullable uuid that some versions lack (a topic id before the version that added it):
 * decoding those versions would make a zeroed 16-byte array (two objects) per struct. Held the
 * same way as a lazy struct; where the field is on the wire, decoding stores a view as before.
 */
function isLazyUuid(ctx: Ctx, f: Field): boolean {
  return f.type.kind === "primitive" && f.type.name === "uuid" && !nullableAnywhere(f, ctx.msg.validVersions) && cond(regularVersions(f), ctx.msg.validVersions) !== "true";
}

/** Held in a private nullable slot, its default made on first read (isLazyStruct, isLazyUuid). */
function isLazy(ctx: Ctx, f: Field): boolean {
  return isLazyStruct(ctx, f) || isLazyUuid(ctx, f);
}

/** The "differs from default" check Kafka applies before writing a tagged field. */
function nonDefault(ctx: Ctx, f: Field): string {
  const v = `this.${camel(f.name)}`;
  if (isLazyStruct(ctx, f)) return `(this._${camel(f.name)} != null && !this._${camel(f.name)}!.isDefault())`;
  if (isLazyUuid(ctx, f)) return `(this._${camel(f.name)} != null && !isZeroUuid(this._${camel(f.name)}!))`;
  const d = defaultExpr(ctx, f);
  const t = f.type;
  const nullable = nullableAnywhere(f, ctx.msg.validVersions);
  if (d === "null") return `${v} != null`;
  if (t.kind === "primitive") {
    if (t.name === "uuid") return nullable ? `(${v} == null || !isZeroUuid(${v}!))` : `!isZeroUuid(${v})`;
    if (t.name === "bytes" || t.name === "records") return nullable ? `(${v} == null || ${v}!.byteLength != 0)` : `${v}.byteLength != 0`;
    return `${v} != ${d}`;
  }
  if (t.kind === "struct") return nullable ? `(${v} == null || !${v}!.isDefault())` : `!${v}.isDefault()`;
  return nullable ? `(${v} == null || ${v}!.length != 0)` : `${v}.length != 0`;
}

/** isDefault(): every field equals its default and no unknown tagged fields were kept. */
function isDefaultCode(ctx: Ctx, fields: Field[]): string {
  const checks = fields.map((f) => `if (${nonDefault(ctx, f)}) return false;`);
  return `  isDefault(): bool {\n    ${checks.join("\n    ")}\n    return this.unknownTaggedFields == null || this.unknownTaggedFields!.length == 0;\n  }`;
}

function emitClass(ctx: Ctx, className: string, fields: Field[], pathPrefix: string, isTop: boolean): void {
  const valid = ctx.msg.validVersions;
  const flexMsg = cond(ctx.msg.flexibleVersions, valid);
  const decl: string[] = [], dec: string[] = [], siz: string[] = [], enc: string[] = [], json: string[] = [];
  const tagged: { f: Field; code: FieldCode; when: string }[] = [];
  const absentDefaults: string[] = [];
  for (const f of fields) {
    const lazy = isLazy(ctx, f);
    if (lazy) {
      const t = fieldTsType(ctx, f), n = camel(f.name);
      decl.push(`  private _${n}: ${t} | null = null;`);
      decl.push(isLazyStruct(ctx, f) ? `  /** Tagged; absent means the default, made on first read. */` : `  /** Absent in some versions; the default (all zeros) is made on first read. */`);
      decl.push(`  get ${n}(): ${t} { let v = this._${n}; if (v == null) { v = ${defaultExpr(ctx, f)}; this._${n} = v; } return v; }`);
      decl.push(`  set ${n}(v: ${t}) { this._${n} = v; }`);
    } else {
      decl.push(`  ${camel(f.name)}: ${fieldTsType(ctx, f)} = ${defaultExpr(ctx, f)};`);
    }
    const path = `${pathPrefix}${f.name}${f.type.kind === "array" ? "[]" : ""}`;
    const regular = cond(regularVersions(f), valid);
    // Inside the field's own versions, conditions that always hold there are dropped.
    const span = f.versions.intersect(valid);
    const nullableC = span.empty ? "false" : cond(f.nullableVersions.intersect(f.versions), span);
    const flexibleC = span.empty ? "false" : cond(f.flexibleVersions ?? ctx.msg.flexibleVersions, span);
    const code = valueCode(ctx, f, path, nullableC, flexibleC);
    // decodeFrom skips the constructor, so decode gives every field a value: read, or default.
    if (lazy && regular === "false") absentDefaults.push(`    this._${camel(f.name)} = null;`);
    else if (lazy) absentDefaults.push(`    if (!(${regular})) this._${camel(f.name)} = null;`);
    else if (regular === "false") absentDefaults.push(`    this.${camel(f.name)} = ${defaultExpr(ctx, f)};`);
    else if (regular !== "true") absentDefaults.push(`    if (!(${regular})) this.${camel(f.name)} = ${defaultExpr(ctx, f)};`);
    if (regular !== "false") {
      const wrap = (lines: string[]) => regular === "true" ? lines.map((l) => `    ${l}`) : [`    if (${regular}) {`, ...lines.map((l) => `      ${l}`), "    }"];
      dec.push(...wrap(code.decode));
      siz.push(...wrap(code.size));
      enc.push(...wrap(code.encode));
      json.push(...wrap(code.json));
    }
    if (!f.taggedVersions.empty) {
      const when = cond(f.taggedVersions, valid);
      if (when !== "false") {
        tagged.push({ f, code, when });
        const jw = when === "true" ? code.json : [`if (${when}) {`, ...code.json.map((l) => `  ${l}`), "}"];
        json.push(...jw.map((l) => `    ${l}`));
      }
    }
  }
  tagged.sort((a, b) => (a.f.tag ?? 0) - (b.f.tag ?? 0));
  const out = ctx.out;
  out.push(`export class ${className} {`);
  if (isTop && ctx.msg.descriptor.apiKey !== null) out.push(`  static readonly API_KEY: i16 = ${ctx.msg.descriptor.apiKey};`);
  if (isTop) {
    out.push(`  static readonly MIN_VERSION: i16 = ${valid.min};`);
    out.push(`  static readonly MAX_VERSION: i16 = ${valid.max};`);
  }
  out.push(...decl);
  out.push(`  /** Tagged fields this codec does not know, kept to be written back unchanged. */`);
  out.push(`  unknownTaggedFields: Array<RawTaggedField> | null = null;`);
  out.push("");
  out.push(`  /**`);
  out.push(`   * A new ${className} decoded at \`version\`; check \`r.bad\` (or checkDecoded) afterwards. Faster than`);
  out.push(`   * \`new\` + decode(): the object is allocated without running field initializers, since decode sets every field.`);
  out.push(`   */`);
  out.push(`  static decodeFrom(r: Reader, version: i16): ${className} {`);
  out.push(`    const o = changetype<${className}>(__new(offsetof<${className}>(), idof<${className}>()));`);
  out.push(`    o.decode(r, version);`);
  out.push(`    return o;`);
  out.push(`  }`);
  out.push("");
  out.push(`  /** Decodes into this object at \`version\`, replacing every field. */`);
  out.push(`  decode(r: Reader, version: i16): void {`);
  // decodeFrom skips the field initializers, and an object decoded into again may hold old ones.
  out.push(`    this.unknownTaggedFields = null;`);
  out.push(...absentDefaults);
  out.push(...dec);
  if (flexMsg !== "false") {
    out.push(`    if (${flexMsg}) {`);
    out.push(`      r.field = ${JSON.stringify(pathPrefix + "_tagged")};`);
    out.push(`      const count = r.uvarint();`);
    out.push(`      for (let t: u32 = 0; t < count && !r.bad; t++) {`);
    out.push(`        const tag = r.uvarint();`);
    out.push(`        const size = <i32>r.uvarint();`);
    out.push(`        if (size < 0 || size > r.remaining()) { r.fail(ReadError.BadLength); break; }`);
    out.push(`        const end = r.pos + size;`);
    const cases = tagged.map(({ f, code, when }) =>
      `        ${"if"} (tag == ${f.tag}${when === "true" ? "" : ` && (${when})`}) {\n          ${code.decode.join("\n          ")}\n          if (r.pos != end) r.fail(ReadError.BadLength);\n        } else`);
    out.push(...cases);
    out.push(`        {`);
    out.push(`          const raw = new RawTaggedField(tag, r.view(size));`);
    out.push(`          if (this.unknownTaggedFields == null) this.unknownTaggedFields = new Array<RawTaggedField>();`);
    out.push(`          this.unknownTaggedFields!.push(raw);`);
    out.push(`        }`);
    out.push(`      }`);
    out.push(`    }`);
  }
  out.push(`  }`);
  out.push("");
  // size(): regular fields, then the tagged-field buffer.
  out.push(`  /** Exact encoded size at \`version\`, so encoding allocates once. */`);
  out.push(`  size(version: i16): i32 {`);
  out.push(`    let n = 0;`);
  out.push(...siz);
  if (flexMsg !== "false") {
    out.push(`    if (${flexMsg}) {`);
    out.push(`      let count = 0;`);
    for (const { f, code, when } of tagged) {
      out.push(`      if (${and(when, nonDefault(ctx, f))}) {`);
      out.push(`        const before = n;`);
      out.push(`        ${code.size.join("\n        ")}`);
      out.push(`        const fieldSize = n - before;`);
      out.push(`        n += sizeOf.uvarint(${f.tag}) + sizeOf.uvarint(<u32>fieldSize);`);
      out.push(`        count++;`);
      out.push(`      }`);
    }
    out.push(`      n += unknownTaggedSize(this.unknownTaggedFields);`);
    out.push(`      if (this.unknownTaggedFields != null) count += this.unknownTaggedFields!.length;`);
    out.push(`      n += sizeOf.uvarint(<u32>count);`);
    out.push(`    }`);
  }
  out.push(`    return n;`);
  out.push(`  }`);
  out.push("");
  out.push(`  encode(w: Writer, version: i16): void {`);
  out.push(...enc);
  if (flexMsg !== "false") {
    out.push(`    if (${flexMsg}) {`);
    out.push(`      let count = 0;`);
    for (const { f, when } of tagged) out.push(`      if (${and(when, nonDefault(ctx, f))}) count++;`);
    out.push(`      if (this.unknownTaggedFields != null) count += this.unknownTaggedFields!.length;`);
    out.push(`      w.uvarint(<u32>count);`);
    out.push(`      let u = 0;`);
    for (const { f, code, when } of tagged) {
      // Tags go out in ascending order, unknown ones merged in by tag.
      out.push(`      u = writeUnknownTaggedBelow(w, this.unknownTaggedFields, u, ${f.tag});`);
      out.push(`      if (${and(when, nonDefault(ctx, f))}) {`);
      out.push(`        w.uvarint(${f.tag});`);
      out.push(`        let n = 0;`);
      out.push(`        ${code.size.join("\n        ")}`);
      out.push(`        w.uvarint(<u32>n);`);
      out.push(`        ${code.encode.join("\n        ")}`);
      out.push(`      }`);
    }
    out.push(`      writeUnknownTaggedBelow(w, this.unknownTaggedFields, u, u32.MAX_VALUE);`);
    out.push(`    }`);
  }
  out.push(`  }`);
  out.push("");
  out.push(`  /** JSON with the fields present at \`version\` (docs/dissector-json.md), for the dissector and conformance tests. */`);
  out.push(`  toJson(j: JsonWriter, version: i16): void {`);
  out.push(`    j.beginObject();`);
  out.push(...json);
  if (flexMsg === "true") out.push(`    j.unknownTagged(this.unknownTaggedFields);`);
  else if (flexMsg !== "false") out.push(`    if (${flexMsg}) j.unknownTagged(this.unknownTaggedFields);`);
  out.push(`    j.endObject();`);
  out.push(`  }`);
  out.push("");
  out.push(isDefaultCode(ctx, fields));
  out.push("");
  out.push(fromJsonCode(ctx, className, fields));
  out.push("");
  out.push(errorCodesCode(ctx, fields));
  out.push(`}`);
  out.push("");
  // Nested structs defined inline.
  for (const f of fields) {
    if (f.fields.length > 0) {
      const name = f.type.kind === "struct" ? f.type.name : (f.type as any).element.name;
      emitClass(ctx, structClass(ctx.msg.descriptor.name, name), f.fields, `${pathPrefix}${f.name}${f.type.kind === "array" ? "[]" : ""}.`, false);
    }
  }
}

/** Emits a message's classes: the message, its nested structs and the common structs it uses. */
export function emitMessage(spec: MessageSpec): string {
  const ctx: Ctx = { msg: spec, structs: new Map(), out: [] };
  emitClass(ctx, spec.descriptor.name, spec.descriptor.fields, `${spec.descriptor.name}.`, true);
  for (const s of spec.descriptor.commonStructs) {
    emitClass(ctx, structClass(spec.descriptor.name, s.name), s.fields, `${spec.descriptor.name}.${s.name}.`, false);
  }
  return ctx.out.join("\n");
}

export function fileHeader(provenance: string): string {
  return `// Generated by \`kafka-proxy-wasm codegen\` from ${provenance}. Do not edit.
import { Reader, ReadError } from "../../wire/reader";
import { Writer, sizeOf } from "../../wire/writer";
import { RawTaggedField, unknownTaggedSize, writeUnknownTaggedBelow, isZeroUuid } from "../../wire/tagged";
import { EMPTY_BOOL, EMPTY_I8, EMPTY_I16, EMPTY_U16, EMPTY_I32, EMPTY_U32, EMPTY_I64, EMPTY_F64, emptyArray } from "../../wire/empty_arrays";
import { storeElement } from "../../wire/array_store";
import { JsonWriter } from "../../wire/json_writer";
import { JsonValue } from "../../../config/json";
import { JsonErrors, JsonFields, jsonInt, jsonUint32, jsonBool, jsonFloat, jsonString, jsonBytes, jsonUuid, jsonArray } from "../../wire/json_reader";
`;
}
