// Client rules: client.id required or matching a pattern, and consumer group ids matching a
// pattern.
//
// client.id travels in every request header, and no Kafka response has a field for "your
// client.id is refused", so a connection whose client.id breaks the rule is closed (as the
// broker closes a connection whose requests it will not serve); the audit log and the Envoy log
// say why.
//
// Group ids: a consumer first asks FindCoordinator for its group's coordinator; the proxy answers
// a refused group there with INVALID_GROUP_ID, which Kafka's clients treat as fatal (the Java
// consumer throws InvalidGroupIdException). JoinGroup is answered the same way. Any other request
// naming a refused group (SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch,
// TxnOffsetCommit, AddOffsetsToTxn, ConsumerGroupHeartbeat, OffsetDelete) closes the connection:
// a client that skipped FindCoordinator gets no way around the rule.
import {
  KafkaRequest, Writer, Reader, checkDecoded, Refusal, SplitPlan, matchesWhole, keptEntries, mergeInOrder, refusedOnly, DecodeError,
  FindCoordinatorRequest, FindCoordinatorResponse, FindCoordinatorResponse_Coordinator, JoinGroupRequest, JoinGroupResponse,
  SyncGroupRequest, HeartbeatRequest, LeaveGroupRequest, OffsetCommitRequest, OffsetFetchRequest, TxnOffsetCommitRequest,
  AddOffsetsToTxnRequest, ConsumerGroupHeartbeatRequest, OffsetDeleteRequest,
  INVALID_GROUP_ID, POLICY_VIOLATION,
} from "../../../assembly/index";
import { ClientRules } from "./config";

export const FIND_COORDINATOR: i16 = 10;
export const JOIN_GROUP: i16 = 11;
const OFFSET_COMMIT: i16 = 8, OFFSET_FETCH: i16 = 9, HEARTBEAT: i16 = 12, LEAVE_GROUP: i16 = 13, SYNC_GROUP: i16 = 14;
const ADD_OFFSETS_TO_TXN: i16 = 25, TXN_OFFSET_COMMIT: i16 = 28, OFFSET_DELETE: i16 = 47, CONSUMER_GROUP_HEARTBEAT: i16 = 68;
/** FindCoordinator's key type for a group (1 is a transaction). */
const GROUP_KEY: i8 = 0;
/** FindCoordinator batches keys from v4. */
const BATCHED_KEYS: i16 = 4;

export function clientIdRefusal(c: ClientRules, clientId: string | null): Refusal | null {
  const id = clientId == null ? "" : clientId;
  if (c.clientIdRequired && id.length == 0) {
    return new Refusal(POLICY_VIOLATION, "clients.client_id_required", "A request without a client.id breaks rule clients.client_id_required");
  }
  const re = c.clientIdRegex;
  if (re != null && !matchesWhole(re, id)) {
    return new Refusal(POLICY_VIOLATION, "clients.client_id_pattern", "client.id \"" + id + "\" breaks rule clients.client_id_pattern: it must match " + c.clientIdPattern);
  }
  return null;
}

export function groupRefusal(c: ClientRules, group: string): Refusal | null {
  const re = c.groupIdRegex;
  if (re == null || matchesWhole(re, group)) return null;
  return new Refusal(INVALID_GROUP_ID, "clients.group_id_pattern", "Group id \"" + group + "\" breaks rule clients.group_id_pattern: it must match " + c.groupIdPattern);
}

/** Whether requests of this API name a group the rule applies to. */
export function namesGroup(apiKey: i16): bool {
  return apiKey == FIND_COORDINATOR || apiKey == JOIN_GROUP || apiKey == OFFSET_COMMIT || apiKey == OFFSET_FETCH || apiKey == HEARTBEAT ||
    apiKey == LEAVE_GROUP || apiKey == SYNC_GROUP || apiKey == ADD_OFFSETS_TO_TXN || apiKey == TXN_OFFSET_COMMIT || apiKey == OFFSET_DELETE ||
    apiKey == CONSUMER_GROUP_HEARTBEAT;
}

/** What the group rule did with a request. */
export class GroupDecision {
  /** Why the request could not be read ("": it could). */
  unreadable: string = "";
  /** The groups refused, with their refusals. */
  readonly refused: Array<string> = [];
  readonly refusals: Array<Refusal> = [];
  /** The request was answered by the proxy (FindCoordinator, JoinGroup). */
  answered: bool = false;
  /** The connection must be closed (a refused group in a request that has no answer for it). */
  close: bool = false;
  /** FindCoordinator v4+ split: the plan, for merging the broker's answer. */
  plan: SplitPlan | null = null;
}

function decodeFailed(e: DecodeError | null, d: GroupDecision): bool {
  if (e == null) return false;
  d.unreadable = e.toString();
  return true;
}

/** Checks the request's groups, answering or splitting when it can. */
export function checkGroups(req: KafkaRequest, c: ClientRules): GroupDecision {
  const d = new GroupDecision();
  const r = req.body();
  const v = req.apiVersion;
  const k = req.apiKey;
  const groups = new Array<string>();
  if (k == FIND_COORDINATOR) {
    const m = FindCoordinatorRequest.decodeFrom(r, v);
    if (decodeFailed(checkDecoded(r, "FindCoordinatorRequest", v), d)) return d;
    if (m.keyType != GROUP_KEY) return d;
    if (v < BATCHED_KEYS) {
      const refusal = groupRefusal(c, m.key);
      if (refusal == null) return d;
      note(d, m.key, refusal);
      const resp = new FindCoordinatorResponse();
      resp.errorCode = refusal.code;
      resp.errorMessage = refusal.message;
      resp.nodeId = -1;
      resp.port = -1;
      answer(req, d, encodeFind(resp, v));
      return d;
    }
    const plan = new SplitPlan();
    for (let i = 0; i < m.coordinatorKeys.length; i++) {
      const key = m.coordinatorKeys[i];
      const refusal = groupRefusal(c, key);
      plan.add(key, refusal);
      if (refusal != null) note(d, key, refusal);
    }
    if (plan.allPass) return d;
    if (plan.nonePass) {
      const resp = new FindCoordinatorResponse();
      resp.coordinators = refusedOnly<FindCoordinatorResponse_Coordinator>(plan, coordinatorRefused);
      answer(req, d, encodeFind(resp, v));
      return d;
    }
    m.coordinatorKeys = keptEntries<string>(plan, m.coordinatorKeys, (s: string): string => s);
    const w = Writer.sized(m.size(v));
    m.encode(w, v);
    req.replaceBody(w.buffer);
    d.plan = plan;
    return d;
  }
  if (k == JOIN_GROUP) {
    const m = JoinGroupRequest.decodeFrom(r, v);
    if (decodeFailed(checkDecoded(r, "JoinGroupRequest", v), d)) return d;
    const refusal = groupRefusal(c, m.groupId);
    if (refusal == null) return d;
    note(d, m.groupId, refusal);
    const resp = new JoinGroupResponse();
    resp.errorCode = refusal.code;
    resp.memberId = m.memberId;
    resp.protocolName = v >= 7 ? null : "";
    const w = Writer.sized(resp.size(v));
    resp.encode(w, v);
    answer(req, d, w.buffer);
    return d;
  }
  if (k == SYNC_GROUP) { const m = SyncGroupRequest.decodeFrom(r, v); if (decodeFailed(checkDecoded(r, "SyncGroupRequest", v), d)) return d; groups.push(m.groupId); }
  else if (k == HEARTBEAT) { const m = HeartbeatRequest.decodeFrom(r, v); if (decodeFailed(checkDecoded(r, "HeartbeatRequest", v), d)) return d; groups.push(m.groupId); }
  else if (k == LEAVE_GROUP) { const m = LeaveGroupRequest.decodeFrom(r, v); if (decodeFailed(checkDecoded(r, "LeaveGroupRequest", v), d)) return d; groups.push(m.groupId); }
  else if (k == OFFSET_COMMIT) { const m = OffsetCommitRequest.decodeFrom(r, v); if (decodeFailed(checkDecoded(r, "OffsetCommitRequest", v), d)) return d; groups.push(m.groupId); }
  else if (k == OFFSET_FETCH) {
    const m = OffsetFetchRequest.decodeFrom(r, v);
    if (decodeFailed(checkDecoded(r, "OffsetFetchRequest", v), d)) return d;
    if (v >= 8) { for (let i = 0; i < m.groups.length; i++) groups.push(m.groups[i].groupId); }
    else groups.push(m.groupId);
  }
  else if (k == TXN_OFFSET_COMMIT) { const m = TxnOffsetCommitRequest.decodeFrom(r, v); if (decodeFailed(checkDecoded(r, "TxnOffsetCommitRequest", v), d)) return d; groups.push(m.groupId); }
  else if (k == ADD_OFFSETS_TO_TXN) { const m = AddOffsetsToTxnRequest.decodeFrom(r, v); if (decodeFailed(checkDecoded(r, "AddOffsetsToTxnRequest", v), d)) return d; groups.push(m.groupId); }
  else if (k == CONSUMER_GROUP_HEARTBEAT) { const m = ConsumerGroupHeartbeatRequest.decodeFrom(r, v); if (decodeFailed(checkDecoded(r, "ConsumerGroupHeartbeatRequest", v), d)) return d; groups.push(m.groupId); }
  else if (k == OFFSET_DELETE) { const m = OffsetDeleteRequest.decodeFrom(r, v); if (decodeFailed(checkDecoded(r, "OffsetDeleteRequest", v), d)) return d; groups.push(m.groupId); }
  for (let i = 0; i < groups.length; i++) {
    const refusal = groupRefusal(c, groups[i]);
    if (refusal != null) { note(d, groups[i], refusal); d.close = true; }
  }
  return d;
}

/** FindCoordinator v4+ response: the broker's coordinators and the refused keys, in request order. */
export function mergeCoordinators(body: Reader, version: i16, plan: SplitPlan): ArrayBuffer | null {
  const m = FindCoordinatorResponse.decodeFrom(body, version);
  if (checkDecoded(body, "FindCoordinatorResponse", version) != null) return null;
  m.coordinators = mergeInOrder<FindCoordinatorResponse_Coordinator>(plan, m.coordinators,
    (key: string, c: FindCoordinatorResponse_Coordinator): bool => c.key == key, coordinatorRefused);
  return encodeFind(m, version);
}

function note(d: GroupDecision, group: string, refusal: Refusal): void {
  d.refused.push(group);
  d.refusals.push(refusal);
}

function answer(req: KafkaRequest, d: GroupDecision, body: ArrayBuffer): void {
  d.answered = true;
  req.respond(body);
}

function coordinatorRefused(key: string, refusal: Refusal): FindCoordinatorResponse_Coordinator {
  const c = new FindCoordinatorResponse_Coordinator();
  c.key = key;
  c.nodeId = -1;
  c.port = -1;
  c.errorCode = refusal.code;
  c.errorMessage = refusal.message;
  return c;
}

function encodeFind(m: FindCoordinatorResponse, v: i16): ArrayBuffer {
  const w = Writer.sized(m.size(v));
  m.encode(w, v);
  return w.buffer;
}
