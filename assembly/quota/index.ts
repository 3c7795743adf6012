// Quotas per topic and per tenant, enforced the way Kafka enforces its own: throttle_time_ms in
// responses (clients back off, KIP-219) and smaller Fetch limits. See docs/quotas.md.
export { QuotaConfig, QuotaRule, TenantKey, TENANT_KEYS, readQuotaConfig } from "./config";
export { RateShape, RateReading, rateBytes, recordRate, readRate, throttleMs, chargeBucket, BUCKET_BYTES } from "./rate";
export { SharedRates } from "./shared_rates";
export { QuotaEngine } from "./engine";
export { ConnectionQuota } from "./connection_quota";
export { FetchLimits, FetchTopicLimits, PARTITION_FLOOR } from "./fetch_limits";
export { fetchThrottleAt, produceThrottleAt, raiseThrottle, hasThrottleField, clientHonoursThrottle } from "./throttle_field";
