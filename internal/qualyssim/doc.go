// Package qualyssim is a faithful simulator of the Qualys platform APIs that
// qflow reads, for tests, demos and benchmarks. It serves the same URLs,
// payload shapes, limits and failures as the real service from a seeded,
// deterministic data set, and reports the ground truth a correct client must
// end up with.
//
// This package never imports the qflow client (internal/qualys): a misreading
// of the API must not hide by living in both.
//
// # Endpoints
//
// One handler (Server.ServeHTTP) serves the gateway paths; the API-server
// (VMDR XML) paths will be added next to them.
//
//   - POST /auth with form username, password (token=true) answers 201 with
//     the bare HS512 JWT as body (Content-Type application/json, as the real
//     gateway does). Tokens live Config.TokenTTL (4h).
//   - POST /rest/2.0/count/am/asset answers
//     {"responseCode":"SUCCESS","responseMessage":"Valid API Access","count":N}
//     where N counts the assets matching the same parameters and filters as
//     search (after lastSeenAssetId, if given).
//   - POST /rest/2.0/search/am/asset?pageSize=&lastSeenAssetId=[&assetLastUpdated=][&includeFields=|&excludeFields=]
//     answers one page in ascending assetId, with the envelope of the real API
//     (responseMessage, count in page, responseCode, lastSeenAssetId, hasMore
//     1|0, assetListData.asset[]), or 204 without body when nothing matches.
//     pageSize defaults to 100, at most 300. assetLastUpdated keeps assets with
//     lastModifiedDate >= the value. The optional body
//     {"filters":[{"field","operator","value"}]} is ANDed; supported fields:
//     asset.assetID (numeric), asset.lastUpdated (date), tags.name,
//     operatingSystem.category1, operatingSystem.category2 and
//     inventory.source (strings, case-insensitive). includeFields and
//     excludeFields name top-level asset keys (include applies first);
//     non-selected keys are returned as null, assetId always; keys an asset
//     does not have are left out as without selection.
//   - GET /_sim/truth and GET /_sim/stats return Truth and Stats as JSON.
//
// Gateway errors use {"status":401,"error":"Unauthorized","message":"JWT expired"};
// CSAM request errors use {"responseCode":"FAILED","responseMessage":"..."}.
// Unknown query parameters, unknown includeFields names, unknown filter
// fields, operators invalid for the field type and unparsable values are 400.
//
// # Limits
//
// Count and search share the subscription's limits: more than
// Config.ConcurrencyLimit calls in flight, or more than Config.RateLimit calls
// in the rolling Config.RateWindow, are refused with 429. Every limited
// response carries X-RateLimit-Limit, X-RateLimit-Window-Sec,
// X-RateLimit-Remaining, X-RateLimit-ToWait-Sec, X-Concurrency-Limit-Limit and
// X-Concurrency-Limit-Running. /auth and /_sim/* are not limited.
//
// # Data
//
// Asset i is regenerated on every request from random streams seeded by
// (Seed, i, section), so memory stays flat however many assets there are
// (only a ~40-byte index entry per asset is kept) and includeFields can skip
// sections without changing the others. All dates lie before 2025-06-01 (or
// before the injected clock, if earlier).
//
// # Faults
//
// See Faults and ParseFaults. Decisions are deterministic given the seed and
// the sequence of requests, so a failing run can be replayed.
package qualyssim
