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
// One handler (Server.ServeHTTP) serves the gateway (CSAM, JSON) and the
// API-server (VMDR and KnowledgeBase, XML) paths.
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
//   - GET /_sim/truth and GET /_sim/stats return Truth and Stats as JSON;
//     POST /_sim/advance moves to the next epoch ({"epoch","datetime"}).
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
// # VMDR and KnowledgeBase (API server)
//
// Every call needs basic auth with the Config credentials (else HTTP 401,
// SIMPLE_RETURN "Bad Login/Password") and an X-Requested-With header (else
// 400, CODE 1903). Parameters come from the query and, for POST, a form
// body; a repeated parameter keeps its last value. Unknown parameters answer
// 400 CODE 1901 "Unrecognized parameter(s): ...", a missing action 1903,
// bad values 1905 "parameter X has invalid value: V (...)".
//
//   - /api/{2,3,4,5}.0/fo/asset/host/vm/detection/?action=list: pages of hosts
//     in ascending ID, truncation_limit hosts each (default 1000, 0 = all); a
//     truncated page ends with WARNING CODE 1980 and the request's URL plus
//     id_min=<next host ID> in CDATA. Only hosts with a matching detection are
//     listed. Filters: ids (lists and ranges), id_min, id_max,
//     vm_processed_after/before, status (default New,Active,Re-Opened),
//     severities, qids, include_vuln_type, show_igs (Info detections, which
//     carry no STATUS), qds_min, qds_max, include_ignored, include_disabled;
//     options show_qds, show_qds_factors, show_results (default 1), show_tags,
//     show_asset_id, show_reopened_info, host_metadata (all|ec2|azure|gcp),
//     host_metadata_fields, show_cloud_tags, output_format=XML. ARF: v2.0
//     takes arf_kernel_filter, arf_service_filter, arf_config_filter (0-4)
//     and active_kernels_only (0-3) and always shows AFFECT_*; v3.0+ takes
//     show_arf_data and arf_filter_keys instead (each is 1901 on the other versions).
//   - /api/{2,3,4,5}.0/fo/asset/host/?action=list: the same paging and host
//     filters; details=Basic|Basic/AGs|All|All/AGs|None (None: ID_SET with
//     ID and ID_RANGE), show_trurisk, show_trurisk_factors, show_ars.
//   - /api/2.0/fo/knowledge_base/vuln/?action=list: every QID of the
//     catalog (no paging), filtered by ids, id_min, id_max,
//     last_modified_after/before, published_after/before, is_patchable;
//     details=Basic (default; no CVSS, CVSS_V3, CORRELATION, COMPLIANCE_LIST
//     or MITRE_ATTACK_LIST), All or None (ID_SET); show_pci_reasons,
//     show_supported_modules_info, show_disabled_flag, show_qid_change_log.
//     The KB runs one call at a time: a parallel call gets 409 CODE 1960.
//     MITRE ATT&CK is not in Qualys's KB DTD; the simulator adds it with
//     details=All after THREAT_INTELLIGENCE, named after the ETM VMDR
//     connector's fields: MITRE_ATTACK_LIST/MITRE_ATTACK{MITRE_TACTIC_ID,
//     MITRE_TACTIC_NAME, MITRE_TECHNIQUE_ID, MITRE_TECHNIQUE_NAME}.
//   - /msp/about.php: version document, limit headers (not counted).
//
// Responses copy the wire quirks of the real ones: XML declaration and
// DOCTYPE with the SYSTEM DTD URL of the called host, text in CDATA (on its
// own indented line for one host or QID in ten), RESULTS HTML-escaped inside
// CDATA with tabs and newlines, keep-alive comments inside RESPONSE, a
// trailing CONFIDENTIAL AND PROPRIETARY comment, dates YYYY-MM-DDTHH:MM:SSZ.
//
// The VMDR APIs share one limiter (CSAM keeps its own) with the same
// Config.ConcurrencyLimit and RateLimit: a refused call gets 409 with CODE
// 1960 (ITEM CALLS_TO_FINISH) or 1965 (ITEM SECONDS_TO_WAIT). Every answer
// after authentication carries the X-RateLimit-* and X-Concurrency-Limit-*
// headers, errors included.
//
// # VMDR data and time
//
// Each CSAM asset with a hostId is the VMDR host of that ID, with the same
// IP, DNS, NetBIOS name, OS (CSAM operatingSystem.fullName), tags and cloud
// instance; ASSET_ID is its assetId. VMDR-only hosts (scanner-found, no
// ASSET_ID) take IDs no asset uses. Hosts and detections are regenerated on
// demand (the index keeps 16 bytes per host plus 2 per epoch).
//
// Time moves in epochs (Config.Epoch, POST /_sim/advance, Server.Advance).
// During epoch e the API server reports DATETIME anchor+e*EpochStep, where
// the anchor is the CSAM data anchor (2025-06-01). In each epoch a fifth of
// the hosts are rescanned: their scan and processed dates move after the
// previous epoch's DATETIME, 12% of their open detections are fixed, 10% of
// their fixed ones reopen, a few new ones appear; 3% of the KB entries
// change LAST_SERVICE_MODIFICATION_DATETIME. So vm_processed_after=<DATETIME
// of the previous sync> returns exactly Truth.ChangedHostIDs. An epoch's data
// depends only on (Seed, epoch).
//
// # Faults
//
// See Faults and ParseFaults. Decisions are deterministic given the seed and
// the sequence of requests, so a failing run can be replayed. On the API
// server, 5xx, reset (before the answer or mid-body) and slow apply as on the
// gateway; expired answers SIMPLE_RETURN 2001 with HTTP 200 and no limit
// headers; stuckhost=N makes N hosts hang every detection page that would
// include them until the client gives up (Truth.StuckHosts).
package qualyssim
