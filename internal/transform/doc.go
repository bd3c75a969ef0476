// Package transform turns source records (a CSAM asset, a VMDR host with its
// detections, a KnowledgeBase vuln, as JSON) into qflow's normalized
// model.Record through declarative transform maps.
//
// # Maps
//
// A map is data, usually YAML: a name, the source it reads (model.Source),
// the source path of the record's native key, and rows of (source path, data
// type, target field, optional normalizer, optional label):
//
//	name: csam-default
//	source: CSAM
//	key: assetId
//	rows:
//	  - {source: dnsName, type: string, target: host.dns_name, label: DNS Name}
//	  - {source: softwareListData.software[].fullName, type: string, target: software.name}
//	  - {source: tagList.tag[].tagName, type: list, target: host.tag_names}
//
// Source paths are dotted JSON paths into one record; "X[]" is an element of
// the list X. A row whose path reads no list writes the record entity of the
// map's source (host for CSAM and VMDR, vuln for KB; Record.Host holds its
// values). A row whose path crosses a list writes one row per element into
// its target entity (software, open_port, finding…); rows reading the same
// list share its elements, so one element can write several entities
// (software and installed_software). A row of type list collects values into
// a []string: the elements of a list into a record field, or the values of a
// list inside each element ("VULNERABILITIES[].QID_INFO.qid.cveId[]") into a
// field of the element's entity. Other types read at most one list level.
// Targets are "entity.field" names of the model catalog (model.NewCatalog).
//
// # Life of a map
//
// Parse decodes YAML strictly (unknown keys are errors with line:column).
// Map.Validate checks the meaning against the catalog and the embedded
// source schema (schemas/<source>.txt: every valid path and its JSON kind)
// and reports every problem at once as *RowError values. Compile builds a
// path tree; Compiled.Apply reads one record along it. Load does all three.
// Default returns the embedded out-of-box maps (maps/<source>.yaml):
// csam-default, vmdr-default and kb-default.
//
// # Types and normalizers
//
// Types convert values: string, integer (int64), float (float64), boolean,
// datetime (time.Time in UTC), ip and mac (canonical text), list ([]string).
// Normalizers (os, lower, upper, trim, hostname, html_unescape, ip, mac,
// datetime and the lenient try_ip, try_mac, try_datetime) rewrite a value
// before its conversion. docs/transform-maps.md describes both for users.
//
// # Apply
//
// Apply scans the record's bytes once and decodes only the values the map
// reads; numbers keep their text until converted, so 64-bit ids stay exact.
// Missing and null values are absent. A value that cannot be converted is an
// error naming the path, the type and the value: the caller quarantines the
// record with it.
package transform
