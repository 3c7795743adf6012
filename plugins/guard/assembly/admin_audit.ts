// The admin operations guard has no rule for but records: ACLs, group deletion, offsets
// deletion, records deletion, SCRAM credentials and client quotas. The request gives the
// resources (names only: a SCRAM upsertion's salt and salted password are never read into an
// entry), the response the outcome.
import {
  Reader, checkDecoded,
  CreateAclsRequest, CreateAclsResponse, DeleteAclsRequest, DeleteAclsResponse, DeleteGroupsRequest, DeleteGroupsResponse,
  OffsetDeleteRequest, OffsetDeleteResponse, DeleteRecordsRequest, DeleteRecordsResponse,
  AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse, AlterClientQuotasRequest, AlterClientQuotasResponse,
} from "../../../assembly/index";

const DELETE_RECORDS: i16 = 21, CREATE_ACLS: i16 = 30, DELETE_ACLS: i16 = 31, DELETE_GROUPS: i16 = 42;
const OFFSET_DELETE: i16 = 47, ALTER_CLIENT_QUOTAS: i16 = 49, ALTER_USER_SCRAM_CREDENTIALS: i16 = 51;

export function isAuditedAdminApi(apiKey: i16): bool {
  return apiKey == DELETE_RECORDS || apiKey == CREATE_ACLS || apiKey == DELETE_ACLS || apiKey == DELETE_GROUPS || apiKey == OFFSET_DELETE ||
    apiKey == ALTER_CLIENT_QUOTAS || apiKey == ALTER_USER_SCRAM_CREDENTIALS;
}

/** The resources a request names, as the audit log names them; null when it does not decode. */
export function adminResources(apiKey: i16, r: Reader, v: i16): Array<string> | null {
  const out = new Array<string>();
  if (apiKey == CREATE_ACLS) {
    const m = CreateAclsRequest.decodeFrom(r, v);
    if (checkDecoded(r, "CreateAclsRequest", v) != null) return null;
    for (let i = 0; i < m.creations.length; i++) {
      const c = m.creations[i];
      out.push("acl:" + c.resourceType.toString() + ":" + c.resourceName + ":" + c.principal + ":op" + c.operation.toString() + ":perm" + c.permissionType.toString());
    }
  } else if (apiKey == DELETE_ACLS) {
    const m = DeleteAclsRequest.decodeFrom(r, v);
    if (checkDecoded(r, "DeleteAclsRequest", v) != null) return null;
    for (let i = 0; i < m.filters.length; i++) {
      const f = m.filters[i];
      out.push("acl-filter:" + f.resourceTypeFilter.toString() + ":" + orAny(f.resourceNameFilter) + ":" + orAny(f.principalFilter) + ":op" + f.operation.toString());
    }
  } else if (apiKey == DELETE_GROUPS) {
    const m = DeleteGroupsRequest.decodeFrom(r, v);
    if (checkDecoded(r, "DeleteGroupsRequest", v) != null) return null;
    for (let i = 0; i < m.groupsNames.length; i++) out.push("group:" + m.groupsNames[i]);
  } else if (apiKey == OFFSET_DELETE) {
    const m = OffsetDeleteRequest.decodeFrom(r, v);
    if (checkDecoded(r, "OffsetDeleteRequest", v) != null) return null;
    for (let i = 0; i < m.topics.length; i++) out.push("group:" + m.groupId + ":topic:" + m.topics[i].name);
  } else if (apiKey == DELETE_RECORDS) {
    const m = DeleteRecordsRequest.decodeFrom(r, v);
    if (checkDecoded(r, "DeleteRecordsRequest", v) != null) return null;
    for (let i = 0; i < m.topics.length; i++) {
      for (let j = 0; j < m.topics[i].partitions.length; j++) out.push("topic:" + m.topics[i].name + "-" + m.topics[i].partitions[j].partitionIndex.toString());
    }
  } else if (apiKey == ALTER_USER_SCRAM_CREDENTIALS) {
    const m = AlterUserScramCredentialsRequest.decodeFrom(r, v);
    if (checkDecoded(r, "AlterUserScramCredentialsRequest", v) != null) return null;
    // Names and mechanisms only: salts and salted passwords are secrets.
    for (let i = 0; i < m.deletions.length; i++) out.push("scram-user:" + m.deletions[i].name + ":delete:mechanism" + m.deletions[i].mechanism.toString());
    for (let i = 0; i < m.upsertions.length; i++) out.push("scram-user:" + m.upsertions[i].name + ":upsert:mechanism" + m.upsertions[i].mechanism.toString());
  } else if (apiKey == ALTER_CLIENT_QUOTAS) {
    const m = AlterClientQuotasRequest.decodeFrom(r, v);
    if (checkDecoded(r, "AlterClientQuotasRequest", v) != null) return null;
    for (let i = 0; i < m.entries.length; i++) {
      let s = "quota:";
      const e = m.entries[i].entity;
      for (let j = 0; j < e.length; j++) s += (j > 0 ? "," : "") + e[j].entityType + "=" + orAny(e[j].entityName);
      out.push(s);
    }
  }
  return out;
}

function orAny(s: string | null): string { return s == null ? "*" : s; }

/** The first error a response carries (0 when every result succeeded), and its message; null when it does not decode. */
export class AdminOutcome {
  code: i16 = 0;
  message: string = "";
  note(code: i16, message: string | null): void {
    if (this.code != 0 || code == 0) return;
    this.code = code;
    this.message = message == null ? "" : message;
  }
}

export function adminOutcome(apiKey: i16, r: Reader, v: i16): AdminOutcome | null {
  const o = new AdminOutcome();
  if (apiKey == CREATE_ACLS) {
    const m = CreateAclsResponse.decodeFrom(r, v);
    if (checkDecoded(r, "CreateAclsResponse", v) != null) return null;
    for (let i = 0; i < m.results.length; i++) o.note(m.results[i].errorCode, m.results[i].errorMessage);
  } else if (apiKey == DELETE_ACLS) {
    const m = DeleteAclsResponse.decodeFrom(r, v);
    if (checkDecoded(r, "DeleteAclsResponse", v) != null) return null;
    for (let i = 0; i < m.filterResults.length; i++) o.note(m.filterResults[i].errorCode, m.filterResults[i].errorMessage);
  } else if (apiKey == DELETE_GROUPS) {
    const m = DeleteGroupsResponse.decodeFrom(r, v);
    if (checkDecoded(r, "DeleteGroupsResponse", v) != null) return null;
    for (let i = 0; i < m.results.length; i++) o.note(m.results[i].errorCode, m.results[i].errorMessage);
  } else if (apiKey == OFFSET_DELETE) {
    const m = OffsetDeleteResponse.decodeFrom(r, v);
    if (checkDecoded(r, "OffsetDeleteResponse", v) != null) return null;
    o.note(m.errorCode, null);
    for (let i = 0; i < m.topics.length; i++) for (let j = 0; j < m.topics[i].partitions.length; j++) o.note(m.topics[i].partitions[j].errorCode, null);
  } else if (apiKey == DELETE_RECORDS) {
    const m = DeleteRecordsResponse.decodeFrom(r, v);
    if (checkDecoded(r, "DeleteRecordsResponse", v) != null) return null;
    for (let i = 0; i < m.topics.length; i++) for (let j = 0; j < m.topics[i].partitions.length; j++) o.note(m.topics[i].partitions[j].errorCode, null);
  } else if (apiKey == ALTER_USER_SCRAM_CREDENTIALS) {
    const m = AlterUserScramCredentialsResponse.decodeFrom(r, v);
    if (checkDecoded(r, "AlterUserScramCredentialsResponse", v) != null) return null;
    for (let i = 0; i < m.results.length; i++) o.note(m.results[i].errorCode, m.results[i].errorMessage);
  } else if (apiKey == ALTER_CLIENT_QUOTAS) {
    const m = AlterClientQuotasResponse.decodeFrom(r, v);
    if (checkDecoded(r, "AlterClientQuotasResponse", v) != null) return null;
    for (let i = 0; i < m.entries.length; i++) o.note(m.entries[i].errorCode, m.entries[i].errorMessage);
  }
  return o;
}
