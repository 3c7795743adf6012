// Who a connection authenticated as. Plugins that want the SASL principal (billing by
// tenant, per-principal exemptions, telemetry naming) hold one per connection and pass it
// their requests and responses; plugins that don't, don't carry the code.
//
// The first SaslAuthenticate of an exchange names the principal (PLAIN's authcid/authzid,
// SCRAM's client-first user); it counts once the broker answers with no error. A new
// SaslHandshake (re-authentication, KIP-368) starts over. The bytes are kept and decoded
// only when `principal` is read; the password is never kept apart from them.
import { KafkaRequest, KafkaResponse } from "./messages";
import { loadI16BE, SIZE_PREFIX } from "../kafka/header";
import { saslPrincipal } from "../kafka/sasl";

const SASL_HANDSHAKE: i16 = 17;
const SASL_AUTHENTICATE: i16 = 36;

export class SaslIdentity {
  private pending: Uint8Array | null = null;
  private accepted: Uint8Array | null = null;
  private decodedFrom: Uint8Array | null = null;
  private decoded: string = "";

  /** Whether it reads the bodies of this API's requests and responses (for wantsRequestBody / wantsResponseBody). */
  static readsBody(apiKey: i16): bool { return apiKey == SASL_AUTHENTICATE; }

  /** Call from onRequest with every request. */
  onRequest(req: KafkaRequest): void {
    if (req.apiKey == SASL_HANDSHAKE) { this.pending = null; return; }
    if (req.apiKey != SASL_AUTHENTICATE || this.pending != null) return;
    // The body is just the auth bytes (compact from v2).
    const r = req.body();
    const n = req.apiVersion >= 2 ? <i32>r.uvarint() - 1 : r.int32();
    if (r.bad || n < 0 || n > r.remaining()) return;
    const v = r.view(n);
    const copy = new ArrayBuffer(n);
    memory.copy(changetype<usize>(copy), v.dataStart, <usize>n);
    this.pending = Uint8Array.wrap(copy);
  }

  /** Call from onResponse with every response; true when this one accepted the authentication. */
  onResponse(resp: KafkaResponse): bool {
    if (resp.apiKey != SASL_AUTHENTICATE) return false;
    const at = resp.bodyOffset;
    const ok = resp.bodyLength >= 2 && loadI16BE(resp.frame.buffer, at) == 0;
    if (!ok) { this.pending = null; this.accepted = null; return false; }
    this.accepted = this.pending;
    return this.accepted != null;
  }

  /** The accepted principal, or "" (not authenticated, or a mechanism that names nobody readable). */
  get principal(): string {
    const auth = this.accepted;
    if (auth == null) return "";
    if (auth !== this.decodedFrom) { this.decoded = saslPrincipal(auth); this.decodedFrom = auth; }
    return this.decoded;
  }
}
