// Parsing and validating Apache Kafka's message descriptors (common/message/*.json).
// The files are JSON with `//` comments. Every problem names the file, the field and what is wrong.
import { VersionRange } from "./versions.js";

export const PRIMITIVES = ["bool", "int8", "int16", "uint16", "int32", "uint32", "int64", "float64", "string", "bytes", "uuid", "records"] as const;
export type Primitive = typeof PRIMITIVES[number];

export type FieldType =
  | { kind: "primitive"; name: Primitive }
  | { kind: "struct"; name: string }
  | { kind: "array"; element: FieldType };

export interface Field {
  name: string;
  type: FieldType;
  typeText: string;
  versions: VersionRange;
  nullableVersions: VersionRange;
  taggedVersions: VersionRange;
  tag: number | null;
  default: string | null;
  ignorable: boolean;
  mapKey: boolean;
  zeroCopy: boolean;
  flexibleVersions: VersionRange | null;
  fields: Field[];
}

export interface Struct { name: string; versions: VersionRange; fields: Field[] }

export interface Descriptor {
  file: string;
  name: string;
  type: "request" | "response" | "header" | "data" | "metadata" | "coordinator-key" | "coordinator-value";
  apiKey: number | null;
  validVersions: VersionRange;
  flexibleVersions: VersionRange;
  latestVersionUnstable: boolean;
  /** Which listeners serve the API ("broker", "controller"; older releases: "zkBroker"). */
  listeners: string[];
  fields: Field[];
  commonStructs: Struct[];
}

export class DescriptorError extends Error {
  constructor(readonly file: string, readonly where: string, readonly problem: string) {
    super(`${file}: ${where}: ${problem}`);
  }
}

/** Removes `//` comments outside strings, keeping line structure for JSON error positions. */
export function stripComments(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === "\\") { out += text[i + 1] ?? ""; i++; }
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else {
      out += c;
    }
  }
  return out;
}

const TOP_KEYS = new Set(["apiKey", "type", "name", "validVersions", "flexibleVersions", "latestVersionUnstable", "fields", "commonStructs", "listeners", "deprecatedVersions"]);
const FIELD_KEYS = new Set(["name", "type", "versions", "nullableVersions", "taggedVersions", "tag", "default", "ignorable", "mapKey", "entityType", "zeroCopy", "flexibleVersions", "about", "fields"]);
const MESSAGE_TYPES = new Set(["request", "response", "header", "data", "metadata", "coordinator-key", "coordinator-value"]);

export function parseDescriptor(file: string, text: string): Descriptor {
  let json: any;
  try {
    json = JSON.parse(stripComments(text));
  } catch (e) {
    throw new DescriptorError(file, "file", `not valid JSON after removing // comments (${(e as Error).message})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new DescriptorError(file, "file", "top level must be an object");
  for (const k of Object.keys(json)) if (!TOP_KEYS.has(k)) throw new DescriptorError(file, k, "unknown top-level key");
  const name = json.name;
  if (typeof name !== "string" || !/^[A-Z][A-Za-z0-9]*$/.test(name)) throw new DescriptorError(file, "name", "missing or not a PascalCase name");
  if (!MESSAGE_TYPES.has(json.type)) throw new DescriptorError(file, "type", `"${json.type}" is not one of ${[...MESSAGE_TYPES].join(", ")}`);
  const apiKey = json.apiKey === undefined ? null : json.apiKey;
  if ((json.type === "request" || json.type === "response") && (typeof apiKey !== "number" || !Number.isInteger(apiKey) || apiKey < 0)) {
    throw new DescriptorError(file, "apiKey", "requests and responses need a non-negative integer apiKey");
  }
  const range = (where: string, v: unknown, dflt: string): VersionRange => {
    if (v === undefined) return VersionRange.parse(dflt);
    if (typeof v !== "string") throw new DescriptorError(file, where, "a version range must be a string");
    try { return VersionRange.parse(v); } catch (e) { throw new DescriptorError(file, where, (e as Error).message); }
  };
  const validVersions = range("validVersions", json.validVersions, "none");
  if (json.validVersions === undefined) throw new DescriptorError(file, "validVersions", "missing");
  const flexibleVersions = range("flexibleVersions", json.flexibleVersions, "none");
  const structNames = new Set<string>();
  const collect = (fields: any[]) => {
    for (const f of fields ?? []) {
      if (f && typeof f.type === "string") {
        const t = f.type.startsWith("[]") ? f.type.slice(2) : f.type;
        if (!(PRIMITIVES as readonly string[]).includes(t) && Array.isArray(f.fields)) structNames.add(t);
        collect(f.fields);
      }
    }
  };
  collect(json.fields);
  for (const s of json.commonStructs ?? []) { if (s && typeof s.name === "string") { structNames.add(s.name); collect(s.fields); } }

  const parseType = (where: string, text: unknown): FieldType => {
    if (typeof text !== "string" || text.length === 0) throw new DescriptorError(file, where, "missing type");
    if (text.startsWith("[]")) return { kind: "array", element: parseType(where, text.slice(2)) };
    if ((PRIMITIVES as readonly string[]).includes(text)) return { kind: "primitive", name: text as Primitive };
    if (structNames.has(text)) return { kind: "struct", name: text };
    throw new DescriptorError(file, where, `unknown type "${text}"`);
  };

  const parseFields = (path: string, list: unknown, parentVersions: VersionRange): Field[] => {
    if (list === undefined) return [];
    if (!Array.isArray(list)) throw new DescriptorError(file, path || "fields", "fields must be an array");
    const seenTags = new Set<number>();
    return list.map((f: any, i: number) => {
      const where = `${path}${path ? "." : ""}${typeof f?.name === "string" ? f.name : `fields[${i}]`}`;
      if (typeof f !== "object" || f === null) throw new DescriptorError(file, where, "a field must be an object");
      for (const k of Object.keys(f)) if (!FIELD_KEYS.has(k)) throw new DescriptorError(file, `${where}.${k}`, "unknown field key");
      if (typeof f.name !== "string" || !/^[A-Za-z][A-Za-z0-9]*$/.test(f.name)) throw new DescriptorError(file, where, "missing or invalid field name");
      const type = parseType(`${where}.type`, f.type);
      if (f.versions === undefined) throw new DescriptorError(file, `${where}.versions`, "missing");
      const versions = range(`${where}.versions`, f.versions, "none");
      const taggedVersions = range(`${where}.taggedVersions`, f.taggedVersions, "none");
      let tag: number | null = null;
      if (f.tag !== undefined) {
        // Some releases write the tag as a string ("0"); Kafka's own parser accepts that.
        if (typeof f.tag === "string" && /^\d+$/.test(f.tag)) f.tag = Number(f.tag);
        if (!Number.isInteger(f.tag) || f.tag < 0) throw new DescriptorError(file, `${where}.tag`, "must be a non-negative integer");
        if (seenTags.has(f.tag)) throw new DescriptorError(file, `${where}.tag`, `tag ${f.tag} is used twice`);
        seenTags.add(f.tag);
        tag = f.tag;
      }
      if (!taggedVersions.empty && tag === null) throw new DescriptorError(file, where, "taggedVersions without a tag");
      if (tag !== null && taggedVersions.empty) throw new DescriptorError(file, where, "a tag without taggedVersions");
      const isStructish = type.kind === "struct" || (type.kind === "array" && type.element.kind === "struct");
      const inline = Array.isArray(f.fields);
      if (inline && !isStructish) throw new DescriptorError(file, where, `nested fields on a non-struct type "${f.type}"`);
      if (f.default !== undefined && typeof f.default !== "string" && typeof f.default !== "number" && typeof f.default !== "boolean") {
        throw new DescriptorError(file, `${where}.default`, "must be a string, number or boolean");
      }
      for (const b of ["ignorable", "mapKey", "zeroCopy"]) {
        if (f[b] !== undefined && typeof f[b] !== "boolean") throw new DescriptorError(file, `${where}.${b}`, "must be true or false");
      }
      return {
        name: f.name,
        type,
        typeText: f.type,
        versions,
        nullableVersions: range(`${where}.nullableVersions`, f.nullableVersions, "none"),
        taggedVersions,
        tag,
        default: f.default === undefined ? null : String(f.default),
        ignorable: f.ignorable === true,
        mapKey: f.mapKey === true,
        zeroCopy: f.zeroCopy === true,
        flexibleVersions: f.flexibleVersions === undefined ? null : range(`${where}.flexibleVersions`, f.flexibleVersions, "none"),
        fields: parseFields(where, f.fields, versions),
      };
    });
  };

  const commonStructs: Struct[] = [];
  if (json.commonStructs !== undefined) {
    if (!Array.isArray(json.commonStructs)) throw new DescriptorError(file, "commonStructs", "must be an array");
    for (const s of json.commonStructs) {
      if (typeof s?.name !== "string") throw new DescriptorError(file, "commonStructs", "a common struct needs a name");
      const versions = range(`commonStructs.${s.name}.versions`, s.versions, "0+");
      commonStructs.push({ name: s.name, versions, fields: parseFields(s.name, s.fields, versions) });
    }
  }
  if (json.latestVersionUnstable !== undefined && typeof json.latestVersionUnstable !== "boolean") {
    throw new DescriptorError(file, "latestVersionUnstable", "must be true or false");
  }
  return {
    file, name, type: json.type, apiKey, validVersions, flexibleVersions,
    latestVersionUnstable: json.latestVersionUnstable === true,
    listeners: Array.isArray(json.listeners) ? json.listeners.map(String) : [],
    fields: parseFields("", json.fields, validVersions),
    commonStructs,
  };
}
