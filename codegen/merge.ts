// Merging one message's descriptors across Kafka releases, newest first. For the
// versions the newer release still has, it alone decides; the older release only
// describes the versions the newer one dropped (KIP-896 removed old versions from the
// bottom). So "0+" in 3.9 means versions 0 to 3.9's maximum, never a version 4.x changed.
import { Descriptor, Field, Struct } from "./descriptor.js";
import { VersionRange } from "./versions.js";

/** Which versions each side of a merge governs. */
interface Spans { newer: VersionRange; older: VersionRange }

function governed(r: VersionRange, span: VersionRange): VersionRange {
  const x = r.intersect(span);
  return x.empty ? VersionRange.NONE : x;
}

function unionAdjacent(a: VersionRange, b: VersionRange, what: string): VersionRange {
  if (a.empty) return b;
  if (b.empty) return a;
  const lo = a.min < b.min ? a : b, hi = a.min < b.min ? b : a;
  if (hi.min > lo.max + 1) throw new Error(`${what}: versions ${lo} and ${hi} leave a gap`);
  return new VersionRange(lo.min, Math.max(lo.max, hi.max));
}

function mergeField(f: Field | undefined, o: Field | undefined, spans: Spans): Field {
  const base = (f ?? o)!;
  // A type change matters only where the older release still describes some version of the field.
  if (f && o && o.typeText !== f.typeText && !governed(o.versions, spans.older).empty) {
    throw new Error(`field ${f.name} changed type between releases (${o.typeText} → ${f.typeText})`);
  }
  const pick = (g: (x: Field) => VersionRange) => unionAdjacent(f ? governed(g(f), spans.newer) : VersionRange.NONE, o ? governed(g(o), spans.older) : VersionRange.NONE, `field ${base.name}`);
  return {
    ...base,
    versions: pick((x) => x.versions),
    nullableVersions: pick((x) => x.nullableVersions),
    taggedVersions: pick((x) => x.taggedVersions),
    tag: f?.tag ?? o?.tag ?? null,
    fields: mergeFields(f?.fields ?? [], o?.fields ?? [], spans),
  };
}

function mergeFields(newer: Field[], older: Field[], spans: Spans): Field[] {
  const out: Field[] = newer.map((f) => mergeField(f, older.find((x) => x.name === f.name), spans));
  // Fields only the older release has: insert each after its predecessor in the older order.
  older.forEach((o, i) => {
    if (out.some((x) => x.name === o.name)) return;
    const prev = i === 0 ? -1 : out.findIndex((x) => x.name === older[i - 1].name);
    out.splice(prev + 1, 0, mergeField(undefined, o, spans));
  });
  // A field no version uses any more is dropped.
  return out.filter((x) => !x.versions.empty);
}

function mergeStructs(newer: Struct[], older: Struct[], spans: Spans): Struct[] {
  const out = newer.map((s) => {
    const o = older.find((x) => x.name === s.name);
    return { ...s, versions: s.versions.union(o?.versions ?? VersionRange.NONE), fields: mergeFields(s.fields, o?.fields ?? [], spans) };
  });
  for (const o of older) if (!out.some((s) => s.name === o.name)) out.push({ ...o, fields: mergeFields([], o.fields, spans) });
  return out;
}

/** Merges descriptors of the same message, newest first; releases where it has no valid versions are skipped. */
export function mergeDescriptors(list: Descriptor[]): Descriptor {
  const live = list.filter((d) => !d.validVersions.empty);
  if (live.length === 0) return list[0];
  let merged = live[0];
  for (const older of live.slice(1)) {
    // The newer side governs the versions it has; the older side only those below them.
    const newerSpan = merged.validVersions;
    const olderSpan = older.validVersions.intersect(new VersionRange(0, newerSpan.min - 1));
    // An older release that adds no version below the newer one's has nothing to say.
    if (olderSpan.empty) continue;
    const spans: Spans = { newer: newerSpan, older: olderSpan };
    try {
      merged = {
        ...merged,
        validVersions: unionAdjacent(merged.validVersions, older.validVersions, merged.name),
        flexibleVersions: unionAdjacent(governed(merged.flexibleVersions, spans.newer), governed(older.flexibleVersions, spans.older), `${merged.name} flexibleVersions`),
        fields: mergeFields(merged.fields, older.fields, spans),
        commonStructs: mergeStructs(merged.commonStructs, older.commonStructs, spans),
      };
    } catch (e) {
      throw new Error(`${older.file}: merging with ${merged.file}: ${(e as Error).message}`);
    }
  }
  return merged;
}
