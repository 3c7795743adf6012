// Merging one message's descriptors across Kafka releases, newest first. Versions are
// unioned, so a field (or a whole version range) that a newer release dropped stays
// decodable; fields only the older release has are put back where they stood.
import { Descriptor, Field, Struct } from "./descriptor.js";

function mergeFields(newer: Field[], older: Field[]): Field[] {
  const out: Field[] = newer.map((f) => {
    const o = older.find((x) => x.name === f.name);
    if (!o) return f;
    if (o.typeText !== f.typeText) {
      throw new Error(`field ${f.name} changed type between releases (${o.typeText} → ${f.typeText})`);
    }
    return {
      ...f,
      versions: f.versions.union(o.versions),
      nullableVersions: f.nullableVersions.union(o.nullableVersions),
      taggedVersions: f.taggedVersions.empty ? o.taggedVersions : f.taggedVersions,
      tag: f.tag ?? o.tag,
      fields: mergeFields(f.fields, o.fields),
    };
  });
  // Fields only the older release has: insert each after its predecessor in the older order.
  older.forEach((o, i) => {
    if (out.some((x) => x.name === o.name)) return;
    const prev = i === 0 ? -1 : out.findIndex((x) => x.name === older[i - 1].name);
    out.splice(prev + 1, 0, o);
  });
  return out;
}

function mergeStructs(newer: Struct[], older: Struct[]): Struct[] {
  const out = newer.map((s) => {
    const o = older.find((x) => x.name === s.name);
    return o ? { ...s, versions: s.versions.union(o.versions), fields: mergeFields(s.fields, o.fields) } : s;
  });
  for (const o of older) if (!out.some((s) => s.name === o.name)) out.push(o);
  return out;
}

/** Merges descriptors of the same message, newest first; releases where it has no valid versions are skipped. */
export function mergeDescriptors(list: Descriptor[]): Descriptor {
  const live = list.filter((d) => !d.validVersions.empty);
  if (live.length === 0) return list[0];
  let merged = live[0];
  for (const older of live.slice(1)) {
    try {
      merged = {
        ...merged,
        validVersions: merged.validVersions.union(older.validVersions),
        flexibleVersions: merged.flexibleVersions.empty ? older.flexibleVersions : merged.flexibleVersions,
        fields: mergeFields(merged.fields, older.fields),
        commonStructs: mergeStructs(merged.commonStructs, older.commonStructs),
      };
    } catch (e) {
      throw new Error(`${older.file}: merging with ${merged.file}: ${(e as Error).message}`);
    }
  }
  return merged;
}
