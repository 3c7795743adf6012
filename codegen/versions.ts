// Version ranges as the descriptors write them: "0+", "3-7", "5" or "none".

export class VersionRange {
  constructor(readonly min: number, readonly max: number) {}

  static readonly NONE = new VersionRange(1, 0);
  static readonly ALL = new VersionRange(0, 0x7fff);

  static parse(text: string): VersionRange {
    const t = text.trim();
    if (t === "none") return VersionRange.NONE;
    let m = /^(\d+)\+$/.exec(t);
    if (m) return new VersionRange(Number(m[1]), 0x7fff);
    m = /^(\d+)-(\d+)$/.exec(t);
    if (m) {
      const lo = Number(m[1]), hi = Number(m[2]);
      if (hi < lo) throw new Error(`version range "${text}" ends before it starts`);
      return new VersionRange(lo, hi);
    }
    m = /^(\d+)$/.exec(t);
    if (m) return new VersionRange(Number(m[1]), Number(m[1]));
    throw new Error(`"${text}" is not a version range (expected "N+", "N-M", "N" or "none")`);
  }

  get empty(): boolean { return this.max < this.min; }
  contains(v: number): boolean { return v >= this.min && v <= this.max; }
  intersect(o: VersionRange): VersionRange { return new VersionRange(Math.max(this.min, o.min), Math.min(this.max, o.max)); }
  union(o: VersionRange): VersionRange {
    if (this.empty) return o;
    if (o.empty) return this;
    return new VersionRange(Math.min(this.min, o.min), Math.max(this.max, o.max));
  }
  toString(): string {
    if (this.empty) return "none";
    if (this.max === 0x7fff) return `${this.min}+`;
    if (this.min === this.max) return `${this.min}`;
    return `${this.min}-${this.max}`;
  }
}
