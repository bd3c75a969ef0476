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
// Every call needs basic auth with the credentials of a subscription (else
// HTTP 401, SIMPLE_RETURN "Bad Login/Password") and an X-Requested-With header (else
// 400, CODE 1903). Parameters come from the query and, for POST, a form
// body; a repeated parameter keeps its last value. Unknown parameters answer
// 400 CODE 1901 "Unrecognized parameter(s): ...", a missing action 1903,
// bad values 1905 "parameter X has invalid value: V (...)".
//
//   - /api/{2,3,4,5}.0/fo/asset/host/vm/detection/?action=list: pages of hosts
//     in ascending ID, truncation_limit hosts each (default 1000, 0 = all); a
//     truncated page ends with WARNING CODE 1980 and the request's URL plus
//     id_min=<next host ID> in CDATA. Only hosts with a matching detection are
//     listed. Host filters (shared with the host list): ids (lists and
//     ranges), id_min, id_max, ips (IPv4 addresses and ranges), ipv6,
//     ag_ids / ag_titles (every host is in the asset group of its OS, titled
//     as its OS element, and of its role, titled with the role name: the IDs
//     ASSET_GROUP_IDS lists), network_ids (no custom networks: every host is in
//     network 0), compliance_enabled (1: hosts with a compliance scan, 0: the
//     others), os_pattern (a regular expression on OS), vm_processed_after/
//     before, vm_scan_since, no_vm_scan_since, vm_scan_date_after/before,
//     vm_auth_scan_date_after/before (hosts with an authenticated scan), and
//     with use_tags=1 tag_set_include / tag_set_exclude (tag IDs, or exact
//     names with tag_set_by=name) with tag_include_selector /
//     tag_exclude_selector any|all; HLD only: max_days_since_last_vm_scan.
//     Detection filters: status (default New,Active,Re-Opened), severities,
//     qids, include_vuln_type, show_igs (Info detections, which carry no
//     STATUS), qds_min, qds_max, include_ignored, include_disabled,
//     detection_updated_since/before and max_days_since_detection_updated
//     (LAST_UPDATE_DATETIME), detection_processed_after/before
//     (LAST_PROCESSED_DATETIME), detection_last_tested_since/before and their
//     _days forms (LAST_TEST_DATETIME; N days before the DATETIME), and
//     filter_superseded_qids: the KB knows supersession within the QID
//     families whose variants are successive releases of one product (monthly
//     rollups, product versions, one product's advisory series; not the
//     per-package Linux advisories): a detection is dropped when its host has
//     an open (not Fixed) detection of a newer QID of the same family. "since"
//     and "after" bounds keep the instant given ("after" excludes it for
//     processed dates, as vm_processed_after does), "before" bounds exclude
//     it. Pairs the guide says exclude each other (ag_ids/ag_titles,
//     detection_updated_since/max_days_since_detection_updated, the tested
//     date and _days forms, vm_scan_since or no_vm_scan_since with
//     max_days_since_last_vm_scan) answer 1905. Options: show_qds,
//     show_qds_factors, show_results (default 1), show_tags, show_asset_id,
//     show_reopened_info, host_metadata (all|ec2|azure|gcp) with
//     host_metadata_fields, show_cloud_tags with cloud_tag_fields (names or
//     name:value pairs), echo_request (a REQUEST element before RESPONSE:
//     DATETIME, USER_LOGIN, RESOURCE, PARAM_LIST of every parameter
//     received), output_format=XML (CSV and CSV_NO_METADATA are not served:
//     1905), suppress_duplicated_data_from_csv (accepted; it only concerns
//     CSV output). ARF: v2.0 takes arf_kernel_filter, arf_service_filter,
//     arf_config_filter (0-4) and active_kernels_only (0-3) and always shows
//     AFFECT_*; v3.0+ takes show_arf_data and arf_filter_keys instead (each is
//     1901 on the other versions). v4.0+ takes mitre_attack_details (1901 on
//     2.0 and 3.0): each DETECTION of a QID with ATT&CK data then ends, after
//     LAST_PROCESSED_DATETIME, with MITRE_ATTACK_LIST/MITRE_ATTACK{
//     MITRE_TACTIC_ID, MITRE_TACTIC_NAME (CDATA), MITRE_TECHNIQUE_ID,
//     MITRE_TECHNIQUE_NAME (CDATA)}, one MITRE_ATTACK per (tactic, technique)
//     pair, the same pairs as the QID's KB entry. That shape is assumed: no
//     public response sample, DTD or guide text for 4.0/5.0 shows the
//     element (shared/qualys-samples/NOTES.md: no 3.0/4.0/5.0 samples); the
//     names are those of the ETM VMDR connector's detection fields
//     (VULNERABILITIES[].MITRE_TACTIC_ID, …_NAME, MITRE_TECHNIQUE_ID, …_NAME,
//     the "VMDR Asset Transformation Mapping" table of shared/seeds/002), in
//     the list shape of the KB's other lists, as the KB below. Not served
//     (1901): the search list parameters (include_/exclude_search_list_ids
//     and _titles; the simulated subscriptions have no search lists).
//   - /api/{2,3,4,5}.0/fo/asset/host/?action=list: the same paging and host
//     filters; details=Basic|Basic/AGs|All|All/AGs|None (None: ID_SET with
//     ID and ID_RANGE), compliance_scan_since, no_compliance_scan_since,
//     scap_scan_since (no host has a SCAP scan: none match) and
//     no_scap_scan_since (all match), show_trurisk, show_trurisk_factors,
//     show_ars, show_ars_factors, trurisk_min/max and ars_min/max (the same
//     score). show_trurisk=1 answers ASSET_RISK_SCORE, TRURISK_SCORE and
//     ASSET_CRITICALITY_SCORE after IPV6: ASSET_RISK_SCORE (ARS, the score's
//     former name; show_ars=1 alone answers it too) carries the TruRisk value,
//     as in the real payload of shared/qualys-samples (tenable-connectors-
//     qualys2tone conftest__asset_page: 352 and 352); either factors option
//     adds TRURISK_SCORE_FACTORS.
//   - /api/2.0/fo/knowledge_base/vuln/?action=list: every QID of the
//     catalog (no paging), filtered by ids, id_min, id_max,
//     last_modified_after/before and last_modified_by_service_after/before
//     and code_modified_after/before (all three on
//     LAST_SERVICE_MODIFICATION_DATETIME: the service's changes are the
//     only ones), last_modified_by_user_after/before (no QID is customized:
//     none match), published_after/before, is_patchable, discovery_method
//     (Remote, Authenticated, RemoteOnly, AuthenticatedOnly,
//     RemoteAndAuthenticated, after DISCOVERY) and discovery_auth_types
//     (AUTH_TYPE values);
//     details=Basic (default; no CVSS, CVSS_V3, CORRELATION, COMPLIANCE_LIST
//     or MITRE_ATTACK_LIST), All or None (ID_SET); show_pci_reasons,
//     show_supported_modules_info, show_disabled_flag, show_qid_change_log,
//     echo_request. The KB runs one call at a time: a parallel call gets 409
//     CODE 1960. MITRE ATT&CK is not in Qualys's KB DTD; the simulator adds
//     it with details=All after THREAT_INTELLIGENCE, named after the ETM VMDR
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
// Each CSAM asset with a hostId is the VMDR host of that ID (in the same
// subscription), with the same
// IP, DNS, NetBIOS name, OS (CSAM operatingSystem.fullName), tags and cloud
// instance; ASSET_ID is its assetId. VMDR-only hosts (scanner-found, no
// ASSET_ID) take IDs no asset uses. Hosts and detections are regenerated on
// demand (the index keeps 16 bytes per host plus 2 per epoch).
//
// Time moves in epochs (Config.Epoch, POST /_sim/advance, Server.Advance).
// During epoch e the API server reports DATETIME anchor+e*EpochStep, where
// the anchor is the CSAM data anchor (2025-06-01). In each epoch a fifth of
// the hosts (Config.Rescan) are rescanned: their scan and processed dates move after the
// previous epoch's DATETIME, 12% of their open detections are fixed, 10% of
// their fixed ones reopen, a few new ones appear; 3% of the KB entries
// change LAST_SERVICE_MODIFICATION_DATETIME. So vm_processed_after=<DATETIME
// of the previous sync> returns exactly Truth.ChangedHostIDs. Truth.Changes
// ("changes": new_findings, fixed_findings, reopened_findings) lists what
// those rescans changed, exactly as a client that held the previous epoch's
// detections (all statuses, Info, ignored and disabled) and reads the
// rescanned hosts sees it, stuck hosts left out: detections a host reports
// that it did not before (keyed by QID and port), those that became Fixed and
// those that went from Fixed to Re-Opened. Each entry is {host_id, qid, port,
// protocol, ssl} as the DETECTION element gives them (port and protocol left
// out when it has no PORT, ssl when SSL is 0), sorted by host_id, qid, port;
// the lists are empty at epoch 0. An epoch's data depends only on (Seed, epoch).
//
// # Several subscriptions
//
// Config.Subscriptions = K serves K subscriptions from one server. With K = 1
// nothing changes (username Config.Username, "qflow"). With K > 1 the
// usernames are Username1 ... UsernameK (qflow1 ... qflowK), all with
// Config.Password; the plain Username is refused. A call is answered with
// the data of the subscription it authenticates as: the JWT subject on the
// gateway (a token names its subscription), the basic-auth username on the
// API server. Each subscription has its own data set (Assets assets, Hosts
// VMDR hosts, detections, malformed assets, stuck hosts), its own ID ranges
// (subscription k's assetIds start at 60,000,000 + (k-1)×S_a and its hostIds
// at 1,000,000 + (k-1)×S_h, S_a and S_h the powers of ten that hold one
// subscription's range, so the ranges never overlap), and its own limits: the
// CSAM limiter, the VMDR limiter and the one-call-at-a-time KB lock are per
// subscription, as on the real platform. The KnowledgeBase content is the same
// for all (it is Qualys's). Faults are decided per subscription. Simulated
// time is one clock: POST /_sim/advance moves every subscription. Subscription
// 1 is the same data set as the single subscription of the same seed.
//
// Machines and overlap. Every CSAM asset and every VMDR-only host is a
// machine (an asset and the VMDR host of its hostId are one). With
// Config.Overlap = F, each machine of a subscription after the first is, with
// probability F, also a machine of an earlier subscription (the same machine
// slot, chosen at random among the earlier ones): a twin. A twin reports the
// same machine: the same biosSerialNumber, hwUUID, MAC addresses of all its
// network interfaces, host name (dnsName/FQDN, assetName, netbiosName and the
// VMDR DNS, DNS_DATA and NETBIOS), cloud instance (AWS instanceId, Azure vmId,
// GCP instanceId; VMDR CLOUD_RESOURCE_ID/EC2_INSTANCE_ID), IP addresses, OS,
// hardware, software, tags and lastModifiedDate. It has its own assetId,
// assetUUID and agentId (VMDR QG_HOSTID), hostId (VMDR ID), and VMDR scan
// history and detections.
//
// Identifiers never collide by accident: host names end in a number (or a
// code) unique to the machine across the server, and BIOS serials, hardware
// UUIDs, MAC addresses and cloud instance IDs embed it through bijections.
// Only AWS Linux host names (ip-a-b-c-d.ec2.internal) are IP-shaped, hence
// junk; their serial, UUID and instance ID identify them.
//
// Junk identifiers. About 3% of the CSAM machines (chosen from the seed;
// EASM assets excepted) report junk identifiers that many other machines
// report too: a placeholder BIOS serial ("To be filled by O.E.M.", "Default
// string", "None", "0", "System Serial Number"), the all-zero hwUUID, and one
// to three virtual interfaces with the shared MACs 00:05:9a:3c:7a:00 (Cisco
// AnyConnect), 02:42:ac:11:00:02 (Docker) and 00:00:00:00:00:00; on a third of
// the non-cloud ones the primary interface reports the AnyConnect MAC instead
// of a real one (so most of those have no real MAC at all). About 8% of the physical desktops and servers report a
// firmware placeholder serial with the AMI placeholder UUID
// 03000200-0400-0500-0006-000700080009. Their FQDN (and real MAC, if any)
// remain their own, so they are distinct machines; Truth.JunkAssetIDs lists
// them. Windows ISATAP (00:00:00:00:00:00) and docker0 (02:42:...)
// interfaces are junk MACs too.
//
// Template clones. About 1% of the CSAM machines (another draw from the
// seed; never junk machines, EASM assets excepted) were cloned from one
// image and kept its placeholders: the BIOS serial "Default string", the
// template MAC 00:0c:29:15:6a:72 (a real-looking VMware address, not junk
// by its form) on their primary interface and, in a cloud, the instance ID
// "instanceId_value" (AWS and GCP instanceId, Azure vmId, VMDR
// CLOUD_RESOURCE_ID and EC2_INSTANCE_ID). Their agent ID, hardware UUID,
// FQDN and NetBIOS name are their own, so they are distinct machines; a
// twin in another subscription reports the same values as its root.
// Truth.TemplateAssetIDs lists them.
//
// Truth. With K > 1, GET /_sim/truth adds subscriptions: [{username, assets,
// asset_ids, software_installs, hosts, host_ids, detections, ...}] (each the
// fields of a single subscription's truth), and the top-level fields sum or
// concatenate them. unified_assets is the number of distinct machines across
// all subscriptions and both sources that the loaded records (well-formed
// CSAM assets, all VMDR hosts) describe; per subscription, its own machines,
// with shared_machines those also in an earlier subscription. It equals what
// the identification rules of design.md §7 produce with their defaults
// (Qualys host ID within a subscription, agent ID, BIOS serial, hardware UUID,
// cloud instance ID, MAC address, FQDN, NetBIOS name + domain; IP off; junk
// never matching: placeholder serials, all-zero/all-F and AMI placeholder
// UUIDs, multicast, locally administered and virtual-adapter MACs, IP-shaped
// names, template placeholders such as "instanceId_value") applied to the
// records in this order: the CSAM assets of every subscription (1 to K),
// then the VMDR hosts of every subscription (1 to K).
// The identifiers the rules read are: CSAM hostId, agentId, biosSerialNumber,
// hwUUID, cloudProvider.aws.ec2.instanceId, networkInterfaceListData macAddress,
// dnsName, netbiosName with the domain of dnsName; VMDR ID, QG_HOSTID,
// CLOUD_RESOURCE_ID, DNS_DATA.FQDN, NETBIOS with DNS_DATA.DOMAIN. Union-find
// over those and first-rule-wins matching give the same count: distinct
// machines share no identifier that is not junk, except the template MAC of
// the template clones, whose hardware UUIDs differ (the conflict veto keeps
// them apart) and which the rules learn as junk once more than 5 machines
// carry it.
//
// # Faults
//
// See Faults and ParseFaults. Decisions are deterministic given the seed and
// the sequence of requests, so a failing run can be replayed. On the API
// server, 5xx, reset (before the answer or mid-body) and slow apply as on the
// gateway; expired answers SIMPLE_RETURN 2001 with HTTP 200 and no limit
// headers; stuckhost=N makes N hosts hang every detection page that would
// include them until the client gives up (Truth.StuckHosts).
//
// # Layout
//
// Files are named by layer. The generated world and its truth (no HTTP):
//
//   - world_subs.go: the machines of every subscription (world): ID ranges,
//     twins, junk and template machines, buildWorld.
//   - world_dataset.go: one subscription's CSAM data set (dataset, the
//     per-asset index), seeded streams and hashing, date formatting.
//   - world_assets.go: per-asset generation (gen, ident: identity, network,
//     hardware identifiers).
//   - world_software.go: installed software of an asset.
//   - world_catalog.go: OS, hardware, tag, port and software catalogs and
//     their parsing.
//   - world_vm.go, world_vm_hosts.go, world_vm_detect.go,
//     world_vm_results.go: the VMDR host population, host records,
//     detections and their RESULTS text.
//   - world_kb.go: the KnowledgeBase catalog (QID templates, CVSS, QDS) and
//     its per-epoch modification dates.
//   - world_epochs.go: epochs (epochState, vmEpoch, Server.Epoch and
//     Server.Advance).
//   - world_truth.go: Truth and its computation (Server.Truth, TruthFor).
//
// The HTTP handlers and wire formats:
//
//   - api_server.go: Server, New, ServeHTTP and routing, errors, Stats.
//   - api_auth.go, api_tls.go: /auth and JWTs; listeners and TLS.
//   - api_limits.go, api_faults.go: rate and concurrency limits; injected
//     faults (Faults, ParseFaults).
//   - api_csam.go, api_csam_filter.go, api_csam_asset.go: the CSAM count and
//     search handlers, query parameters and filters, and the asset JSON wire
//     types and their filling.
//   - api_vmdr.go, api_hld.go, api_kb.go, api_xml.go: the VMDR routing,
//     parameters and errors; the host list and host list detection
//     handlers; the KnowledgeBase handler; the XML writer.
//
// config.go holds Config and its parsers.
package qualyssim
