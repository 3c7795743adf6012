// One audit log entry: who (principal, client.id, source address) did what (API and version, the
// resources named) and what came of it (outcome, error code, the rule that decided). Written as
// one JSON line. Only names go in: never a config value of a sensitive kind, a password, a token
// or SCRAM data (the callers put resource names and rule messages, nothing from a secret field).
import { quote } from "../kafka/wire/json_writer";
import { apiName } from "../kafka/generated/api_table";
import { errorName } from "../kafka/error_codes";

export class AuditEntry {
  /** "admin" (an operation on the cluster), "auth" (a SASL authentication), "policy" (a rule's decision). */
  kind: string = "";
  timeMs: i64 = 0;
  principal: string = "";
  clientId: string = "";
  source: string = "";
  apiKey: i16 = -1;
  apiVersion: i16 = -1;
  readonly resources: Array<string> = [];
  /** "allowed", "refused", "succeeded", "failed", "closed". */
  outcome: string = "";
  errorCode: i16 = 0;
  rule: string = "";
  message: string = "";

  toJson(): string {
    let s = "{\"time_ms\":" + this.timeMs.toString() + ",\"kind\":" + quote(this.kind) + ",\"principal\":" + quote(this.principal) +
      ",\"client_id\":" + quote(this.clientId) + ",\"source\":" + quote(this.source);
    if (this.apiKey >= 0) s += ",\"api\":" + quote(apiName(this.apiKey)) + ",\"api_version\":" + this.apiVersion.toString();
    s += ",\"resources\":[";
    for (let i = 0; i < this.resources.length; i++) s += (i > 0 ? "," : "") + quote(this.resources[i]);
    s += "],\"outcome\":" + quote(this.outcome) + ",\"error_code\":" + this.errorCode.toString() + ",\"error\":" + quote(errorName(this.errorCode));
    if (this.rule.length > 0) s += ",\"rule\":" + quote(this.rule);
    if (this.message.length > 0) s += ",\"message\":" + quote(this.message);
    return s + "}";
  }
}
