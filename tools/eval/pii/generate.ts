// The generated half of the PII corpus: realistic log lines, chat messages and JSON
// documents in several locales, from @faker-js/faker with a fixed seed, each secret labelled
// with its detector and the format it is written in. The same seed gives the same corpus.
import { Faker, fakerEN_US, fakerEN_GB, fakerDE, fakerFR, fakerES, fakerIT, fakerNL, fakerPT_BR, fakerJA, fakerEN_IN, fakerPL } from "@faker-js/faker";
import { RecordBuilder, Sample, Secret, JsonLike, writeJson } from "./sample.js";

export const SEED = 20261130;
const REF_DATE = "2026-11-30T00:00:00.000Z";

const LOCALES: Record<string, Faker> = {
  en_US: fakerEN_US, en_GB: fakerEN_GB, de: fakerDE, fr: fakerFR, es: fakerES, it: fakerIT,
  nl: fakerNL, pt_BR: fakerPT_BR, ja: fakerJA, en_IN: fakerEN_IN, pl: fakerPL,
};

/** A secret as written in running text: its detector, its format and its characters. */
interface Piece { detector: string; format: string; text: string; numeric?: boolean; before?: string }

// ---- value generators -------------------------------------------------------------------

function digits(f: Faker, n: number): string { return f.string.numeric({ length: n, allowLeadingZeros: true }); }

function luhnComplete(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = body.charCodeAt(body.length - 1 - i) - 48;
    if (i % 2 === 0) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
  }
  return body + String((10 - (sum % 10)) % 10);
}

export function luhnValid(s: string): boolean {
  const ds = s.replace(/\D/g, "");
  return luhnComplete(ds.slice(0, -1)) === ds;
}

const BRANDS: Array<[string, number[]]> = [
  ["4", [16, 16, 16, 13, 19]], ["51", [16]], ["53", [16]], ["55", [16]], ["2221", [16]], ["2720", [16]], ["34", [15]], ["37", [15]],
  ["6011", [16]], ["65", [16]], ["3528", [16]], ["3589", [16]], ["36", [14]], ["300", [14]], ["62", [16, 19]], ["6759", [16]],
];

function cardNumber(f: Faker): string {
  const [prefix, lengths] = f.helpers.arrayElement(BRANDS);
  const len = f.helpers.arrayElement(lengths);
  return luhnComplete(prefix + digits(f, len - prefix.length - 1));
}

function groupCard(n: string, sep: string): string {
  if (n.length === 15) return [n.slice(0, 4), n.slice(4, 10), n.slice(10)].join(sep);
  if (n.length === 14) return [n.slice(0, 4), n.slice(4, 10), n.slice(10)].join(sep);
  const g: string[] = [];
  for (let i = 0; i < n.length; i += 4) g.push(n.slice(i, i + 4));
  return g.join(sep);
}

function card(f: Faker): Piece {
  const n = cardNumber(f);
  const style = f.helpers.arrayElement(["solid", "spaced", "dashed", "spaced", "dashed"]);
  const text = style === "solid" ? n : groupCard(n, style === "spaced" ? " " : "-");
  const groups = style === "solid" ? "" : n.length === 14 || n.length === 15 ? " 4-6-" + (n.length - 10) : " in fours";
  return { detector: "card", format: style + groups, text };
}

function ssnParts(f: Faker): [string, string, string] {
  let area = f.number.int({ min: 1, max: 899 });
  if (area === 666) area = 667;
  return [String(area).padStart(3, "0"), String(f.number.int({ min: 1, max: 99 })).padStart(2, "0"), String(f.number.int({ min: 1, max: 9999 })).padStart(4, "0")];
}

function ssn(f: Faker): Piece {
  const [a, g, s] = ssnParts(f);
  const style = f.helpers.arrayElement(["dashed", "dashed", "solid", "spaced"]);
  if (style === "dashed") return { detector: "ssn", format: "dashed", text: `${a}-${g}-${s}`, before: f.helpers.arrayElement(["SSN ", "ssn: ", "Social Security No. ", "", "tax id "]) };
  const before = f.helpers.arrayElement(["SSN ", "SSN: ", "ssn=", "social security number ", "Social Security #", "SSN#"]);
  return { detector: "ssn", format: style + " with context", text: style === "solid" ? a + g + s : `${a} ${g} ${s}`, before };
}

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
function awsKeyId(f: Faker): Piece {
  const prefix = f.helpers.arrayElement(["AKIA", "AKIA", "ASIA"]);
  return { detector: "aws_key_id", format: prefix, text: prefix + f.string.fromCharacters(B32, 16) };
}

function b64url(s: string): string { return Buffer.from(s).toString("base64url"); }
function jwt(f: Faker): Piece {
  const header = b64url(JSON.stringify({ alg: f.helpers.arrayElement(["HS256", "RS256", "ES256"]), typ: "JWT" }));
  const payload = b64url(JSON.stringify({ sub: f.string.uuid(), name: f.person.fullName(), iat: f.number.int({ min: 1.6e9, max: 1.8e9 }) }));
  const sig = f.string.fromCharacters("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", f.helpers.arrayElement([43, 86, 342]));
  return { detector: "jwt", format: "three-part", text: `${header}.${payload}.${sig}` };
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
function pemBody(f: Faker, lines: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(f.string.fromCharacters(B64, i === lines - 1 ? 20 + f.number.int(40) : 64));
  out[out.length - 1] += "==";
  return out;
}

/** A PEM key: the header, the labelled body, the footer; `sep` joins lines ("\n", or " " when flattened). */
function pem(f: Faker, sep: string): { header: string; body: string; footer: string; format: string } {
  const label = f.helpers.arrayElement(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY", "ENCRYPTED PRIVATE KEY"]);
  const body = pemBody(f, f.number.int({ min: 3, max: 12 })).join(sep);
  return { header: `-----BEGIN ${label}-----${sep}`, body, footer: `${sep}-----END ${label}-----`, format: sep === "\n" ? "multi-line" : "one line" };
}

function password(f: Faker, specials = "!#$%^*-_+.?~@"): string {
  const len = f.number.int({ min: 8, max: 24 });
  const base = f.string.alphanumeric(len);
  const k = specials.length === 0 ? 0 : f.number.int({ min: 0, max: 3 });
  let s = base;
  for (let i = 0; i < k; i++) { const at = f.number.int({ min: 1, max: s.length - 1 }); s = s.slice(0, at) + f.helpers.arrayElement([...specials]) + s.slice(at); }
  return s;
}

function opaqueToken(f: Faker): string {
  return f.helpers.arrayElement([
    () => "ghp_" + f.string.alphanumeric(36),
    () => "xoxb-" + digits(f, 12) + "-" + digits(f, 12) + "-" + f.string.alphanumeric(24),
    () => "sk_live_" + f.string.alphanumeric(24),
    () => f.string.hexadecimal({ length: 40, prefix: "" }).toLowerCase(),
    () => f.string.alphanumeric(32),
  ])();
}

function ibanPiece(f: Faker): Piece {
  const iban = f.finance.iban();
  const grouped = f.datatype.boolean();
  return { detector: "iban", format: grouped ? "grouped" : "solid", text: grouped ? iban.replace(/(.{4})(?=.)/g, "$1 ") : iban };
}

// Phone numbers in each locale's national and international forms, as people write them.
type PhoneGen = (f: Faker) => Piece;
const d = digits;
const ph = (format: string, text: string, before?: string): Piece => ({ detector: "phone", format, text, before });
const PHONES: Record<string, PhoneGen[]> = {
  en_US: [
    (f) => ph("NANP (area) exchange-line", `(${f.number.int({ min: 201, max: 989 })}) ${f.number.int({ min: 200, max: 999 })}-${d(f, 4)}`),
    (f) => ph("NANP dashed", `${f.number.int({ min: 201, max: 989 })}-${f.number.int({ min: 200, max: 999 })}-${d(f, 4)}`),
    (f) => ph("NANP dotted", `${f.number.int({ min: 201, max: 989 })}.${f.number.int({ min: 200, max: 999 })}.${d(f, 4)}`),
    (f) => ph("NANP 1-prefixed", `1-${f.number.int({ min: 201, max: 989 })}-${f.number.int({ min: 200, max: 999 })}-${d(f, 4)}`),
    (f) => ph("E.164", `+1 ${f.number.int({ min: 201, max: 989 })} ${f.number.int({ min: 200, max: 999 })} ${d(f, 4)}`),
    (f) => ph("E.164 solid", `+1${f.number.int({ min: 201, max: 989 })}${f.number.int({ min: 200, max: 999 })}${d(f, 4)}`),
  ],
  en_GB: [
    (f) => ph("trunk-0 London", `020 ${f.number.int({ min: 3000, max: 8999 })} ${d(f, 4)}`),
    (f) => ph("trunk-0 mobile", `07${f.number.int({ min: 400, max: 999 })} ${d(f, 6)}`),
    (f) => ph("trunk-0 mobile solid", `07${f.number.int({ min: 400, max: 999 })}${d(f, 6)}`),
    (f) => ph("trunk-0 area in parentheses", `(0${f.number.int({ min: 113, max: 199 })}) ${d(f, 3)} ${d(f, 4)}`),
    (f) => ph("E.164 with (0)", `+44 (0)20 ${f.number.int({ min: 3000, max: 8999 })} ${d(f, 4)}`),
    (f) => ph("E.164", `+44 7${f.number.int({ min: 400, max: 999 })} ${d(f, 6)}`),
  ],
  de: [
    (f) => ph("trunk-0 area", `0${f.number.int({ min: 30, max: 89 })} ${d(f, 8)}`),
    (f) => ph("trunk-0 slashed", `0${f.number.int({ min: 30, max: 89 })}/${d(f, 7)}`),
    (f) => ph("trunk-0 area in parentheses", `(0${f.number.int({ min: 30, max: 89 })}) ${d(f, 7)}`),
    (f) => ph("trunk-0 mobile", `01${f.helpers.arrayElement(["51", "52", "60", "62", "70", "71", "76"])} ${d(f, 8)}`),
    (f) => ph("trunk-0 mobile solid", `01${f.helpers.arrayElement(["51", "52", "60", "70", "71"])}${d(f, 8)}`),
    (f) => ph("trunk-0 mobile slashed", `01${f.helpers.arrayElement(["51", "52", "60", "70"])}/${d(f, 4)} ${d(f, 4)}`),
    (f) => ph("E.164 with (0)", `+49 (0)${f.number.int({ min: 30, max: 89 })} ${d(f, 7)}`),
    (f) => ph("E.164 dashed", `+49-1${f.number.int({ min: 51, max: 79 })}-${d(f, 4)}-${d(f, 4)}`),
  ],
  fr: [
    (f) => ph("trunk-0 pairs", `0${f.number.int({ min: 1, max: 7 })} ${d(f, 2)} ${d(f, 2)} ${d(f, 2)} ${d(f, 2)}`),
    (f) => ph("trunk-0 dotted pairs", `0${f.number.int({ min: 1, max: 7 })}.${d(f, 2)}.${d(f, 2)}.${d(f, 2)}.${d(f, 2)}`),
    (f) => ph("trunk-0 mobile solid", `0${f.helpers.arrayElement(["6", "7"])}${d(f, 8)}`),
    (f) => ph("E.164 pairs", `+33 ${f.number.int({ min: 1, max: 7 })} ${d(f, 2)} ${d(f, 2)} ${d(f, 2)} ${d(f, 2)}`),
  ],
  es: [
    (f) => ph("no trunk mobile 3-2-2-2", `6${d(f, 2)} ${d(f, 2)} ${d(f, 2)} ${d(f, 2)}`, f.helpers.arrayElement(["móvil ", "Tel. ", "teléfono: ", "llámame al "])),
    (f) => ph("no trunk 3-3-3", `9${d(f, 2)} ${d(f, 3)} ${d(f, 3)}`, f.helpers.arrayElement(["teléfono ", "Tel: ", "phone "])),
    (f) => ph("E.164", `+34 6${d(f, 2)} ${d(f, 3)} ${d(f, 3)}`),
  ],
  it: [
    (f) => ph("no trunk mobile 3-3-4", `3${f.number.int({ min: 20, max: 99 })} ${d(f, 3)} ${d(f, 4)}`, f.helpers.arrayElement(["cellulare ", "cell. ", "Tel. ", "chiamami al "])),
    (f) => ph("trunk-0 landline", `06 ${d(f, 4)} ${d(f, 4)}`),
    (f) => ph("E.164", `+39 3${f.number.int({ min: 20, max: 99 })} ${d(f, 3)} ${d(f, 4)}`),
  ],
  nl: [
    (f) => ph("trunk-0 mobile dashed", `06-${d(f, 8)}`),
    (f) => ph("trunk-0 area dashed", `020-${d(f, 7)}`),
    (f) => ph("E.164", `+31 6 ${d(f, 8)}`),
  ],
  pt_BR: [
    (f) => ph("area in parentheses, mobile", `(${f.number.int({ min: 11, max: 99 })}) 9${d(f, 4)}-${d(f, 4)}`),
    (f) => ph("area in parentheses, landline", `(${f.number.int({ min: 11, max: 99 })}) ${f.number.int({ min: 2, max: 5 })}${d(f, 3)}-${d(f, 4)}`),
    (f) => ph("E.164", `+55 ${f.number.int({ min: 11, max: 99 })} 9${d(f, 4)}-${d(f, 4)}`),
  ],
  ja: [
    (f) => ph("trunk-0 mobile dashed", `0${f.helpers.arrayElement(["70", "80", "90"])}-${d(f, 4)}-${d(f, 4)}`),
    (f) => ph("trunk-0 Tokyo dashed", `03-${d(f, 4)}-${d(f, 4)}`),
    (f) => ph("E.164", `+81 ${f.helpers.arrayElement(["70", "80", "90"])}-${d(f, 4)}-${d(f, 4)}`),
  ],
  en_IN: [
    (f) => ph("no trunk mobile 5-5", `${f.number.int({ min: 6, max: 9 })}${d(f, 4)} ${d(f, 5)}`, f.helpers.arrayElement(["mobile ", "Mob: ", "call ", "ph. "])),
    (f) => ph("E.164", `+91 ${f.number.int({ min: 6, max: 9 })}${d(f, 4)} ${d(f, 5)}`),
    (f) => ph("E.164 solid", `+91${f.number.int({ min: 6, max: 9 })}${d(f, 9)}`),
  ],
  pl: [
    (f) => ph("no trunk 3-3-3", `${f.number.int({ min: 5, max: 8 })}${d(f, 2)} ${d(f, 3)} ${d(f, 3)}`, f.helpers.arrayElement(["tel. ", "telefon: ", "kom. "])),
    (f) => ph("E.164", `+48 ${f.number.int({ min: 5, max: 8 })}${d(f, 2)} ${d(f, 3)} ${d(f, 3)}`),
  ],
};

function phone(f: Faker, locale: string): Piece {
  return f.helpers.arrayElement(PHONES[locale])(f);
}

const RFC_SPECIALS = ["'", "=", "+", "&", "#", "?", "^", "|", "!", "~", "$"];
function email(f: Faker, locale: string): Piece {
  const first = f.person.firstName().toLowerCase().normalize("NFD").replace(/[^a-z]/g, "") || "anna";
  const last = f.person.lastName().toLowerCase().normalize("NFD").replace(/[^a-z]/g, "") || "smith";
  const domain = f.internet.domainName();
  const style = f.helpers.weightedArrayElement([
    { weight: 8, value: "plain" }, { weight: 2, value: "plus-tag" }, { weight: 2, value: "RFC 5322 special" },
    { weight: 1, value: "quoted" }, { weight: 1, value: "URL-encoded" }, { weight: 1, value: "non-ASCII" }, { weight: 1, value: "upper case" },
  ]);
  switch (style) {
    case "plain": return { detector: "email", format: "plain", text: f.internet.email() };
    case "plus-tag": return { detector: "email", format: "plus-tag", text: `${first}+${f.word.noun().normalize("NFD").replace(/[^A-Za-z]/g, "") || "news"}@${domain}` };
    case "RFC 5322 special": return { detector: "email", format: "RFC 5322 special", text: `${first}${f.helpers.arrayElement(RFC_SPECIALS)}${last}@${domain}` };
    case "quoted": return { detector: "email", format: "quoted local part", text: `"${first} ${last}"@${domain}` };
    case "URL-encoded": return { detector: "email", format: "URL-encoded", text: encodeURIComponent(`${first}.${last}@${domain}`) };
    case "non-ASCII": {
      const uni = locale === "ja" ? f.person.lastName() : f.helpers.arrayElement(["josé", "müller", "søren", "françois", "łukasz", "zoë"]);
      return { detector: "email", format: "non-ASCII", text: f.datatype.boolean() ? `${uni}.${last}@${domain}` : `${first}@${f.helpers.arrayElement(["bücher", "café", "straße", "münchen"])}.de` };
    }
    default: return { detector: "email", format: "upper case", text: `${first}.${last}@${domain}`.toUpperCase() };
  }
}

// ---- secrets with their keys ------------------------------------------------------------

interface Keyed { key: string; value: string; format: string; jsonOk: boolean }

function keyedSecret(f: Faker): Keyed {
  return f.helpers.arrayElement<() => Keyed>([
    () => ({ key: f.helpers.arrayElement(["password", "db_password", "DB_PASSWORD", "passwd", "secret", "client_secret", "api_key", "apiKey", "access_token", "refresh_token", "auth_token", "private_key_passphrase", "credentials"]), value: password(f), format: "default key names", jsonOk: true }),
    () => ({ key: f.helpers.arrayElement(["pwd", "pass", "api-key", "auth", "PGPASSWORD", "passphrase", "x-api-key", "user_pass", "dbPwd"]), value: password(f), format: "more key names", jsonOk: true }),
    () => ({ key: f.helpers.arrayElement(["password", "secret", "token"]), value: password(f, "&};<"), format: "value with & } ; <", jsonOk: true }),
    () => ({ key: f.helpers.arrayElement(["token", "api_token", "GITHUB_TOKEN", "slack_token", "STRIPE_SECRET_KEY"]), value: opaqueToken(f), format: "opaque token", jsonOk: true }),
  ])();
}

/** Writes a keyed secret in one of the text syntaxes; returns the format name. */
function keyedInText(f: Faker, b: RecordBuilder, k: Keyed): void {
  const syntax = f.helpers.arrayElement(["k=v", "k: v", 'k="v"', "export K=v", "--k v"]);
  switch (syntax) {
    case "k=v": b.text(`${k.key}=`).secret("secret_kv", `${k.format}, key=value`, k.value); break;
    case "k: v": b.text(`${k.key}: `).secret("secret_kv", `${k.format}, key: value`, k.value); break;
    case 'k="v"': b.text(`${k.key}="`).secret("secret_kv", `${k.format}, key="value"`, k.value).text('"'); break;
    case "export K=v": b.text(`export ${k.key.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase().replace(/-/g, "_")}='`).secret("secret_kv", `${k.format}, export K='value'`, k.value).text("'"); break;
    default: {
      const flag = k.key.toLowerCase().replace(/_/g, "-");
      b.text(`--${flag} `).secret("secret_kv", "CLI flag", k.value);
    }
  }
}

function header(f: Faker, b: RecordBuilder): void {
  f.helpers.arrayElement([
    () => { b.text("Authorization: Bearer ").secret("secret_kv", "Authorization: Bearer", opaqueToken(f)); },
    () => { b.text("Authorization: Basic ").secret("secret_kv", "Authorization: Basic", Buffer.from(`${f.internet.username()}:${password(f, "")}`).toString("base64")); },
    () => { b.text(f.helpers.arrayElement(["X-Api-Key: ", "x-api-key: ", "X-Auth-Token: "])).secret("secret_kv", "API key header", opaqueToken(f)); },
  ])();
}

function connectionString(f: Faker, b: RecordBuilder): void {
  f.helpers.arrayElement([
    () => { b.text(`Server=${f.internet.domainWord()}.db.local;Database=${f.word.noun()};User Id=${f.internet.username()};Password=`).secret("secret_kv", "connection string", password(f, "!#$%^*-_+.?~")).text(";"); },
    () => { b.text(`Host=${f.internet.ipv4()};Port=5432;Username=app;Pwd=`).secret("secret_kv", "connection string", password(f, "!#$%^*-_+.?~")).text(";Timeout=30"); },
    () => { b.text(`postgres://${f.internet.username().replace(/[^A-Za-z0-9_]/g, "")}:`).secret("secret_kv", "URL user:password", password(f, "-_.~")).text(`@${f.internet.domainName()}:5432/${f.word.noun()}`); },
    () => { b.text("aws configure set aws_secret_access_key ").secret("secret_kv", "aws configure set", f.string.alphanumeric(40)); },
  ])();
}

// ---- record shapes ----------------------------------------------------------------------

function logPrefix(f: Faker): string {
  const ts = f.date.between({ from: "2025-01-01", to: "2026-11-30" }).toISOString();
  return `${ts} ${f.helpers.arrayElement(["INFO", "WARN", "DEBUG", "ERROR"])} [${f.helpers.arrayElement(["auth", "billing", "api", "worker-3", "gateway"])}] `;
}

function textRecord(f: Faker, piece: Piece, shape: "log" | "chat"): RecordBuilder {
  const b = new RecordBuilder();
  if (shape === "log") {
    b.text(logPrefix(f) + f.helpers.arrayElement(["user ", "request from ", "updated profile: ", "contact ", "value "]));
  } else {
    b.text(f.helpers.arrayElement([`Hi ${f.person.firstName()}, `, "hey, ", `${f.person.firstName()}: `, ""]));
  }
  const context = piece.before ?? contextFor(f, piece.detector);
  b.text(context).secret(piece.detector, piece.format, piece.text);
  b.text(f.helpers.arrayElement([" ", ". ", ", ", " - "]) + f.lorem.sentence({ min: 3, max: 10 }));
  return b;
}

function contextFor(f: Faker, detector: string): string {
  switch (detector) {
    case "email": return f.helpers.arrayElement(["mail me at ", "email: ", "<", "from ", "reply to ", "contact=", ""]);
    case "card": return f.helpers.arrayElement(["card ", "paid with ", "cc=", "", "card number: "]);
    case "phone": return f.helpers.arrayElement(["call me on ", "phone: ", "Tel. ", "mobile ", "tel:", "reach me at ", ""]);
    case "iban": return f.helpers.arrayElement(["IBAN ", "pay to ", "account: ", ""]);
    case "aws_key_id": return f.helpers.arrayElement(["key id ", "AWS_ACCESS_KEY_ID=", "aws_access_key_id = ", ""]);
    case "jwt": return f.helpers.arrayElement(["Bearer ", "token ", "?jwt=", "session="]);
    default: return "";
  }
}

const JSON_KEYS: Record<string, string[]> = {
  email: ["email", "contact", "user", "replyTo", "billing_email"],
  card: ["card", "pan", "cardNumber", "payment"],
  ssn: ["ssn", "social_security_number", "SSN", "taxId"],
  phone: ["phone", "mobile", "telephone", "tel", "contact_phone"],
  iban: ["iban", "account", "payout_account"],
  aws_key_id: ["aws_access_key_id", "accessKeyId", "key"],
  jwt: ["id_token", "jwt", "session", "authorization"],
};

function jsonRecord(f: Faker, detector: string, piece: Piece, pretty: boolean): RecordBuilder {
  const b = new RecordBuilder();
  const key = f.helpers.arrayElement(JSON_KEYS[detector]);
  let value: JsonLike = new Secret(piece.detector, "in JSON: " + piece.format, piece.text);
  // Numbers are sometimes stored as JSON numbers.
  if ((detector === "card" && piece.format === "solid") || (detector === "ssn" && piece.format === "solid with context" && key.toLowerCase().includes("ssn"))) {
    if (f.datatype.boolean()) value = new Secret(piece.detector, "JSON number", piece.text, true);
  }
  if (detector === "ssn" && piece.format !== "dashed" && !key.toLowerCase().includes("ssn") && !key.includes("social")) value = new Secret(piece.detector, "in JSON: " + piece.format, piece.text);
  const doc: Record<string, JsonLike> = {
    id: f.number.int({ min: 1, max: 1e9 }),
    name: f.person.fullName(),
    [key]: value,
    created: f.date.recent().toISOString(),
    active: f.datatype.boolean(),
    tags: [f.word.noun(), f.word.adjective()],
    address: { city: f.location.city(), zip: f.location.zipCode(), street: f.location.streetAddress() },
  };
  if (detector === "ssn" && piece.format !== "dashed" && !/ssn|social/i.test(key)) {
    // A bare nine digits needs its context: keep the SSN key.
    delete doc[key];
    doc.ssn = value;
  }
  writeJson(b, doc, pretty ? "" : f.helpers.arrayElement(["", " "]), pretty ? "  " : "");
  return b;
}

function keyedJson(f: Faker): RecordBuilder {
  const b = new RecordBuilder();
  const k = keyedSecret(f);
  const doc: Record<string, JsonLike> = {
    service: f.word.noun(),
    config: { host: f.internet.domainName(), port: f.internet.port(), [k.key]: new Secret("secret_kv", "in JSON: " + k.format, k.value), max_tokens: f.number.int({ min: 256, max: 8192 }) },
    token_type: "Bearer",
    password_changed: f.datatype.boolean(),
    updated: f.date.recent().toISOString(),
  };
  writeJson(b, doc, f.helpers.arrayElement(["", " "]), f.datatype.boolean() ? "  " : "");
  return b;
}

function pemRecord(f: Faker): RecordBuilder {
  const b = new RecordBuilder();
  const style = f.helpers.arrayElement(["multi-line", "one line", "json"]);
  if (style === "json") {
    const k = pem(f, "\n");
    // In JSON the line breaks are written \n: the span is the escaped body.
    b.text(`{"name":"${f.internet.domainWord()}","key":"`);
    b.text(JSON.stringify(k.header).slice(1, -1)).secret("pem", "in JSON (escaped line breaks)", JSON.stringify(k.body).slice(1, -1)).text(JSON.stringify(k.footer).slice(1, -1));
    b.text(`","created":"${f.date.recent().toISOString()}"}`);
    return b;
  }
  const k = pem(f, style === "multi-line" ? "\n" : " ");
  b.text(logPrefix(f) + "loaded key ");
  b.text(k.header).secret("pem", k.format, k.body).text(k.footer);
  b.text(" from vault");
  return b;
}

// ---- clean records (precision) ----------------------------------------------------------

function luhnTimestamp(f: Faker): string {
  for (;;) { const t = String(f.number.int({ min: 1.5e12, max: 1.8e12 })); if (luhnValid(t)) return t; }
}
function isbn13(f: Faker): string {
  const body = "978" + digits(f, 9);
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += (body.charCodeAt(i) - 48) * (i % 2 ? 3 : 1);
  return body + String((10 - (sum % 10)) % 10);
}
function tracking(f: Faker): string {
  return f.helpers.arrayElement([
    () => "9400 " + [d(f, 4), d(f, 4), d(f, 4), d(f, 4), d(f, 2)].join(" "),
    () => "94001" + d(f, 17),
    () => "1Z" + f.string.alphanumeric({ length: 16, casing: "upper" }),
    () => luhnComplete("7" + d(f, 10)),
    () => luhnComplete("96" + d(f, 19)),
    () => luhnComplete("0" + d(f, 14)),
  ])();
}

export const CLEAN_CATEGORIES = ["prose", "http log", "JSON token and password fields", "systemd units and file names", "Luhn-valid non-cards", "dates, versions, addresses, ids", "grouped numbers and amounts", "key=value without secrets"];

function clean(f: Faker, category: string, locale: string): { text: string; kind: "text" | "json" } {
  switch (category) {
    case "prose": return { kind: "text", text: `${f.person.firstName()}: ${f.lorem.paragraph({ min: 1, max: 3 })} ${f.company.catchPhrase()}. Room ${f.number.int({ min: 100, max: 999 })}, ${f.number.int({ min: 2, max: 60 })} min.` };
    case "http log": return { kind: "text", text: `${f.internet.ipv4()} - - [${f.date.recent().toUTCString()}] "${f.internet.httpMethod()} /${f.word.noun()}/${f.number.int(99999)}?page=${f.number.int(50)}&sort=${f.word.noun()} HTTP/1.1" ${f.internet.httpStatusCode()} ${f.number.int({ min: 100, max: 9999999 })} "${f.internet.userAgent()}"` };
    case "JSON token and password fields": {
      const doc: Record<string, JsonLike> = f.helpers.arrayElement<() => Record<string, JsonLike>>([
        () => ({ model: f.word.noun(), max_tokens: f.number.int({ min: 1, max: 32768 }), temperature: 0.7, usage: { prompt_tokens: f.number.int(9000), completion_tokens: f.number.int(9000), total_tokens: f.number.int(18000) } }),
        () => ({ access_token: null, token_type: "Bearer", expires_in: 3600, scope: "read write" }),
        () => ({ user: f.internet.username(), password_changed: f.datatype.boolean(), password: null, password_expires_at: f.date.future().toISOString(), mfa: true }),
        () => ({ credentials: { username: f.internet.username(), type: "oauth2", provider: f.company.name() }, secret_rotation_days: 90 }),
        () => ({ auth: { method: "oidc", token_ttl: f.number.int(86400), refresh_token_enabled: true }, api_key_count: f.number.int(9) }),
        () => ({ password_policy: { min_length: 12, require_symbols: true }, tokens: [], secret: false }),
      ])();
      return { kind: "json", text: JSON.stringify(doc, null, f.datatype.boolean() ? 2 : undefined) };
    }
    case "systemd units and file names": return { kind: "text", text: f.helpers.arrayElement([
      () => `systemd[1]: Started user@${f.number.int({ min: 1000, max: 65000 })}.service - User Manager for UID ${f.number.int({ min: 1000, max: 65000 })}.`,
      () => `systemd[1]: getty@tty${f.number.int({ min: 1, max: 6 })}.service: Deactivated successfully.`,
      () => `systemd[1]: Starting openvpn-client@${f.internet.domainWord()}.service...`,
      () => `GET /static/img/${f.word.noun()}@2x.png 200`,
      () => `npm install ${f.word.noun()}@${f.system.semver()} --save`,
      () => `docker pull registry.local/${f.word.noun()}@sha256:${f.string.hexadecimal({ length: 64, prefix: "" }).toLowerCase()}`,
    ])() };
    case "Luhn-valid non-cards": return f.datatype.boolean()
      ? { kind: "text", text: f.helpers.arrayElement([`event at ${luhnTimestamp(f)} ms, tracking ${tracking(f)}`, `ISBN ${isbn13(f)}, also ${isbn13(f).replace(/^(\d{3})(\d)(\d{3})(\d{5})(\d)$/, "$1-$2-$3-$4-$5")}`, `parcel ${tracking(f)} shipped`]) }
      : { kind: "json", text: JSON.stringify({ ts: Number(luhnTimestamp(f)), isbn: isbn13(f), tracking: tracking(f), created_ms: Number(luhnTimestamp(f)) }) };
    case "dates, versions, addresses, ids": return { kind: "text", text: `${f.date.recent().toISOString().slice(0, 10)} ${f.date.recent().toLocaleDateString(locale.replace("_", "-"))} v${f.system.semver()} build ${f.system.semver()}.${f.number.int(99999)} host ${f.internet.ipv4()} [${f.internet.ipv6()}] mac ${f.internet.mac()} id ${f.string.uuid()} commit ${f.git.commitSha()} order ORD-${f.number.int({ min: 2020, max: 2026 })}-${d(f, 6)} zip ${f.location.zipCode()}` };
    case "grouped numbers and amounts": return { kind: "text", text: f.helpers.arrayElement([
      () => `total ${f.number.int({ min: 1, max: 999 })} ${d(f, 3)} ${d(f, 3)},${d(f, 2)} EUR`,
      () => `${f.number.int({ min: 1, max: 999 })},${d(f, 3)},${d(f, 3)} rows in ${f.number.int(999)}.${d(f, 3)} s`,
      () => `invoice ${f.number.int({ min: 10000000, max: 99999999 })}, amount ${f.finance.amount()} ${f.finance.currencyCode()}, due ${f.date.soon().toISOString().slice(0, 10)}`,
      () => `coordinates ${f.location.latitude()}, ${f.location.longitude()} at ${f.number.int(23)}:${d(f, 2)}:${d(f, 2)}`,
      () => `range ${f.number.int(999)}-${f.number.int(999)}, ${f.number.int({ min: 1000, max: 99999 })}-${d(f, 4)}, port ${f.internet.port()}`,
    ])() };
    default: return { kind: "text", text: f.helpers.arrayElement([
      () => `max_tokens=${f.number.int(9000)} token_type=Bearer password_changed=true user=${f.internet.username()}`,
      () => `password=null secret=false token_count: ${f.number.int(500)} auth: disabled`,
      () => `password_reset_required=false api_key_id=key-${d(f, 6)} time: ${f.number.int(23)}:${d(f, 2)}`,
      () => `tokens used: ${f.number.int(9000)}, passwords rotated: ${f.number.int(99)}, secret santa: ${f.person.firstName()}`,
    ])() };
  }
}

// ---- JSON that hides text from a plain reading ------------------------------------------

/** A secret of a detector that text writes with word boundaries around it, in one of its formats. */
function boundedPiece(f: Faker, locale: string): Piece {
  const detector = f.helpers.arrayElement(["card", "phone", "ssn", "email", "iban", "aws_key_id", "jwt"]);
  return detector === "email" ? email(f, locale) : detector === "card" ? card(f) : detector === "ssn" ? ssn(f) : detector === "aws_key_id" ? awsKeyId(f) : detector === "jwt" ? jwt(f) : detector === "phone" ? phone(f, locale) : ibanPiece(f);
}

/**
 * A JSON string holding text whose secret starts a new line: right after an escape (`\n`,
 * `\r\n`, `\t`), whose letter is no part of the secret ("card:\n4111…", "SSN\n219…").
 */
function afterEscapeJson(f: Faker, locale: string): RecordBuilder {
  const piece = boundedPiece(f, locale);
  const escape = f.helpers.arrayElement(["\\n", "\\n", "\\r\\n", "\\t", "\\n\\n"]);
  const context = (piece.before ?? contextFor(f, piece.detector)).trimEnd();
  const inner = (s: string): string => JSON.stringify(s).slice(1, -1);
  const b = new RecordBuilder();
  b.text(`{"id": ${f.number.int({ min: 1, max: 1e6 })}, "${f.helpers.arrayElement(["message", "note", "body", "comment"])}": "${inner(f.lorem.sentence())}${escape}${inner(context)}${context ? escape : ""}`);
  b.secret(piece.detector, "in JSON, after an escape such as \\n", inner(piece.text));
  b.text(`${escape}${inner(f.lorem.sentence())}", "at": "${f.date.recent().toISOString()}"}`);
  return b;
}

/** A JSON object whose keys are secrets: a map from e-mail addresses, phone or card numbers to their records. */
function secretKeysJson(f: Faker, locale: string): RecordBuilder {
  const b = new RecordBuilder();
  const n = f.number.int({ min: 1, max: 3 });
  b.text(`{"${f.helpers.arrayElement(["users", "contacts", "members", "byEmail"])}": {`);
  for (let k = 0; k < n; k++) {
    const kind = f.helpers.weightedArrayElement([{ weight: 4, value: "email" }, { weight: 1, value: "phone" }, { weight: 1, value: "card" }]);
    let piece = kind === "email" ? email(f, locale) : kind === "card" ? card(f) : phone(f, locale);
    // A key has no words before it: phone formats that need a phone word there are left out.
    if (piece.before !== undefined) piece = email(f, locale);
    if (k > 0) b.text(", ");
    b.text('"').secret(piece.detector, "in JSON: as an object key", JSON.stringify(piece.text).slice(1, -1));
    b.text(`": {"role": "${f.helpers.arrayElement(["admin", "viewer", "editor"])}", "visits": ${f.number.int(500)}}`);
  }
  b.text(`}, "updated": "${f.date.recent().toISOString()}"}`);
  return b;
}

/** Clean JSON whose strings have numbers right after an escaped line break: dates, times, amounts, short ids. */
function cleanAfterEscape(f: Faker): string {
  const line = f.helpers.arrayElement<() => string>([
    () => f.date.recent().toISOString().slice(0, 10),
    () => `${f.number.int({ min: 0, max: 23 })}:${String(f.number.int(59)).padStart(2, "0")}`,
    () => f.finance.amount(),
    () => `#${f.number.int({ min: 1000, max: 99999999 })}`,
    () => f.system.semver(),
    () => `${f.number.int({ min: 1, max: 99 })} ${f.word.noun()}s`,
  ]);
  return JSON.stringify({ id: f.number.int({ min: 1, max: 1e6 }), note: `${f.lorem.words(3)}:\n${line()}\n${line()}\t${line()}` });
}

/** Clean categories of the JSON records above (after the round-robin CLEAN_CATEGORIES). */
export const CLEAN_AFTER_ESCAPE = "numbers after an escaped line break";

// ---- the corpus -------------------------------------------------------------------------

/** Builds the generated corpus: `perLocale` secret records and `cleanPerLocale` clean records per locale. */
export function generate(perLocale = 180, cleanPerLocale = 150, jsonTextPerLocale = 12): Sample[] {
  const out: Sample[] = [];
  for (const [locale, f] of Object.entries(LOCALES)) {
    f.seed(SEED + locale.length * 7919 + locale.charCodeAt(0));
    // Dates relative to a fixed day, not to today: the same seed gives the same corpus.
    f.setDefaultRefDate(REF_DATE);
    for (let i = 0; i < perLocale; i++) {
      const detector = f.helpers.weightedArrayElement([
        { weight: 5, value: "email" }, { weight: 3, value: "card" }, { weight: 2, value: "ssn" }, { weight: 1, value: "aws_key_id" },
        { weight: 1, value: "jwt" }, { weight: 1, value: "pem" }, { weight: 5, value: "secret_kv" }, { weight: 5, value: "phone" }, { weight: 2, value: "iban" },
      ]);
      let b: RecordBuilder;
      let category: string;
      if (detector === "pem") { b = pemRecord(f); category = "key material"; }
      else if (detector === "secret_kv") {
        const how = f.helpers.arrayElement(["text", "json", "header", "connection"]);
        category = how;
        if (how === "json") b = keyedJson(f);
        else {
          b = new RecordBuilder().text(logPrefix(f));
          if (how === "text") keyedInText(f, b, keyedSecret(f));
          else if (how === "header") header(f, b);
          else connectionString(f, b);
          b.text(" " + f.lorem.words(3));
        }
      } else {
        const piece = detector === "email" ? email(f, locale) : detector === "card" ? card(f) : detector === "ssn" ? ssn(f) : detector === "aws_key_id" ? awsKeyId(f) : detector === "jwt" ? jwt(f) : detector === "phone" ? phone(f, locale) : ibanPiece(f);
        const shape = f.helpers.arrayElement(["log", "chat", "json"]);
        category = shape;
        b = shape === "json" ? jsonRecord(f, detector, piece, f.datatype.boolean()) : textRecord(f, piece, shape as "log" | "chat");
      }
      out.push({ id: `gen-${locale}-${i}`, source: "generated", kind: isJson(b.value) ? "json" : "text", locale, category, value: b.value, spans: b.spans });
    }
    for (let i = 0; i < cleanPerLocale; i++) {
      const category = CLEAN_CATEGORIES[i % CLEAN_CATEGORIES.length];
      const c = clean(f, category, locale);
      const value = Buffer.from(c.text);
      out.push({ id: `clean-${locale}-${i}`, source: "generated", kind: isJson(value) ? "json" : "text", locale, category, value, spans: [] });
    }
    // Drawn after the records above, so adding these left those as they were.
    for (let i = 0; i < jsonTextPerLocale; i++) {
      const esc = afterEscapeJson(f, locale);
      out.push({ id: `gen-${locale}-escape-${i}`, source: "generated", kind: "json", locale, category: "json after an escape", value: esc.value, spans: esc.spans });
      const keys = secretKeysJson(f, locale);
      out.push({ id: `gen-${locale}-keys-${i}`, source: "generated", kind: "json", locale, category: "json keys", value: keys.value, spans: keys.spans });
      const value = Buffer.from(cleanAfterEscape(f));
      out.push({ id: `clean-${locale}-escape-${i}`, source: "generated", kind: "json", locale, category: CLEAN_AFTER_ESCAPE, value, spans: [] });
    }
  }
  return out;
}

export function isJson(b: Buffer): boolean {
  const t = b.toString("utf8").trimStart();
  if (!t.startsWith("{") && !t.startsWith("[")) return false;
  try { JSON.parse(t); return true; } catch { return false; }
}
